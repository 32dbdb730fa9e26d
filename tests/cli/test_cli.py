"""The piu CLI end to end: real binary, real models, exit codes, messages and files."""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import model, piu

COMMANDS = ["inspect", "run", "bench", "compare"]


def one_line_error(result, *needles):
    """The failure is exit 2 with one clear line on stderr that holds every needle."""
    assert result.code == 2, (result.code, result.out, result.err)
    lines = [l for l in result.err.splitlines() if l.strip()]
    assert len(lines) == 1, result.err
    for n in needles:
        assert n in lines[0], (n, lines[0])


# ---- help and usage ------------------------------------------------------------------------------

def test_top_level_help_lists_commands():
    r = piu("--help")
    assert r.code == 0
    for c in COMMANDS:
        assert c in r.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command):
    r = piu(command, "--help")
    assert r.code == 0
    assert r.out.startswith("usage: piu " + command)


def test_unknown_command_and_option():
    assert piu("frobnicate").code == 2
    r = piu("run", model("cases/add.onnx"), "--frobnicate")
    one_line_error(r, "unknown option '--frobnicate'", "piu run --help")
    one_line_error(piu("run"), "missing argument")


# ---- inspect -------------------------------------------------------------------------------------

def test_inspect_table_and_json():
    path = model("shapes.onnx")
    r = piu("inspect", path)
    assert r.code == 0
    for text in ["ir_version", "ai.onnx 17", "[batch, 3, 64, 64]", "Conv", "parameters"]:
        assert text in r.out
    j = json.loads(piu("inspect", path, "--json").out)
    assert j["inputs"][0] == {"name": "input", "dtype": "float32", "shape": ["batch", 3, 64, 64]}
    assert j["op_histogram"]["Conv"] == 3
    assert j["parameters"] > 0 and j["external_data"] == []


def test_inspect_lists_external_data():
    j = json.loads(piu("inspect", model("cases/ext/model.onnx"), "--json").out)
    assert j["external_data"] == [{"location": "weights.bin", "bytes": 16, "tensors": 1}]


# ---- run -----------------------------------------------------------------------------------------

def test_run_matches_onnxruntime_python(tmp_path):
    path = model("mobilenet_v3_small.onnx")
    x = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out"
    r = piu("run", path, "--input", f"input={tmp_path / 'x.npy'}", "-o", out)
    assert r.code == 0, r.err
    assert "2x1000" in r.out
    got = np.load(out / "output.npy")
    want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    assert got.shape == (2, 1000)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4)


def test_run_random_inputs_json_and_batch():
    j = json.loads(piu("run", model("cases/multi_io.onnx"), "--batch", "3", "--json").out)
    assert [i["shape"] for i in j["inputs"]] == [[3, 3], [3]]
    assert [o["name"] for o in j["outputs"]] == ["scaled", "shifted"]


def test_run_dynamic_dims_need_shape():
    path = model("cases/dynamic_hw.onnx")
    one_line_error(piu("run", path), "'x'", "dynamic dim 2", "--shape")
    r = piu("run", path, "--shape", "x:1x3x5x7", "--json")
    assert r.code == 0
    assert json.loads(r.out)["outputs"][0]["shape"] == [1, 3, 5, 7]


def test_run_bad_inputs(tmp_path):
    path = model("cases/multi_io.onnx")
    np.save(tmp_path / "wrong_shape.npy", np.zeros((2, 4), np.float32))
    np.save(tmp_path / "wrong_dtype.npy", np.zeros((2, 3), np.float64))
    np.save(tmp_path / "ok.npy", np.zeros((2, 3), np.float32))
    one_line_error(piu("run", path, "--input", f"nosuch={tmp_path / 'ok.npy'}"), "no input named 'nosuch'", "a, ids")
    one_line_error(piu("run", path, "--input", f"a={tmp_path / 'wrong_shape.npy'}"), "'a'", "expects shape -1x3",
                   "given 2x4")
    one_line_error(piu("run", path, "--input", f"a={tmp_path / 'wrong_dtype.npy'}"), "'a'", "expects dtype float32",
                   "given float64")
    one_line_error(piu("run", path, "--shape", "nosuch:1x3"), "nosuch")


@pytest.mark.parametrize("name,needle", [("bad_magic.npy", "bad magic"), ("overflow.npy", "overflow")])
def test_run_bad_npy(name, needle):
    bad = model("cases/bad/" + name)
    one_line_error(piu("run", model("cases/add.onnx"), "--input", bad), name, needle)


# ---- files that are not models: exit 2, one line, nothing written ----------------------------------

@pytest.mark.parametrize("name,needle", [
    ("empty.onnx", "the file is empty"),
    ("truncated.onnx", "protobuf parsing failed"),
    ("image.onnx", "the file is a PNG image"),
    ("no_graph.onnx", "ModelProto has no graph"),
])
@pytest.mark.parametrize("command", ["inspect", "run"])
def test_bad_model_files(tmp_path, name, needle, command):
    path = model("cases/bad/" + name)
    out = tmp_path / "out"
    args = [command, path] + (["-o", out] if command == "run" else [])
    one_line_error(piu(*args), name, needle)
    assert not out.exists()


def add_model_with_external(location, offset=None, length=None):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    w = numpy_helper.from_array(np.arange(4, dtype=np.float32).reshape(1, 4), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in [("location", location), ("offset", offset), ("length", length)]:
        if v is not None:
            w.external_data.add(key=k, value=str(v))
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g", [x], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("case", ["dotdot", "absolute", "symlink", "offset", "length"])
@pytest.mark.parametrize("command", ["inspect", "run"])
def test_external_data_must_stay_inside_the_model_folder(tmp_path, case, command):
    folder = tmp_path / "model"
    folder.mkdir()
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(4, dtype=np.float32).tobytes())
    (folder / "w.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    if case == "symlink":
        os.symlink(secret, folder / "link.bin")
    location, offset, length, needle = {
        "dotdot": ("../secret.bin", None, None, "'..'"),
        "absolute": ("/etc/passwd", None, None, "absolute path"),
        "symlink": ("link.bin", None, None, "outside the model's folder"),
        "offset": ("w.bin", 4096, None, "past the end"),
        "length": ("w.bin", 0, 64, "past the end"),
    }[case]
    path = folder / "model.onnx"
    onnx.save(add_model_with_external(location, offset, length), path)
    out = tmp_path / "out"
    args = [command, path] + (["-o", out] if command == "run" else [])
    one_line_error(piu(*args), "model.onnx", "'w'", needle)
    assert not out.exists()


# ---- compare -------------------------------------------------------------------------------------

def test_compare_same_model_passes():
    path = model("cases/add.onnx")
    r = piu("compare", path, path)
    assert r.code == 0
    assert "PASS" in r.out and "max abs" in r.out


def test_compare_different_models_fails_with_exit_1():
    r = piu("compare", model("resnet18.onnx"), model("mobilenet_v3_small.onnx"), "--json")
    assert r.code == 1
    j = json.loads(r.out)
    assert j["pass"] is False
    assert j["outputs"][0]["output"] == "output" and j["outputs"][0]["max_abs"] > 0


def test_compare_tolerances(tmp_path):
    a = model("cases/add.onnx")
    m = onnx.load(a)
    w = numpy_helper.to_array(m.graph.initializer[0]) + np.float32(1e-3)
    m.graph.initializer[0].CopyFrom(numpy_helper.from_array(w, "w"))
    b = tmp_path / "b.onnx"
    onnx.save(m, b)
    assert piu("compare", a, b).code == 1
    assert piu("compare", a, b, "--atol", "2e-3").code == 0


# ---- bench ---------------------------------------------------------------------------------------

def test_bench_table_and_json():
    path = model("shapes.onnx")
    r = piu("bench", path, "--batch", "1,4", "--iterations", "20", "--warmup", "2")
    assert r.code == 0, r.err
    assert "p50 ms" in r.out and "p99 ms" in r.out and "items/s" in r.out
    j = json.loads(piu("bench", path, "--batch", "1,4", "--iterations", "20", "--json", "--threads", "1").out)
    assert [x["batch"] for x in j["results"]] == [1, 4]
    for x in j["results"]:
        assert x["iterations"] == 20
        assert x["p50_ms"] <= x["p90_ms"] <= x["p99_ms"]


def test_bench_rejects_conflicting_options():
    one_line_error(piu("bench", model("shapes.onnx"), "--iterations", "5", "--duration", "1"), "not both")
    one_line_error(piu("bench", model("shapes.onnx"), "--batch", "0"), "--batch")

"""Inputs as the model takes them: integer inputs of a traced module keep their dtype and
forward()'s names through export; verification runs on the user's own inputs (--input NAME=FILE.npy,
--input FILE.npz), random integers within --int-range, and symbolic dims shared across inputs."""
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import model, piu
from test_cli import one_line_error

RATE_INPUTS = {"sr": np.array([16000], np.int64)}


def rate_model():
    return model("cases/branch_on_rate.onnx")


def all_rate_inputs(batch):
    rng = np.random.default_rng(1)
    return {"x": rng.standard_normal((batch, 10, 8)).astype(np.float32), "sr": np.array([16000], np.int64),
            "state": rng.standard_normal((2, batch, 16)).astype(np.float32)}


# ---- export: dtypes and names from the module ----------------------------------------------------

@pytest.mark.torch
def test_bert_like_export_keeps_int64_inputs_and_their_names(tmp_path):
    out = tmp_path / "bert.onnx"
    r = piu("export", model("torch/bert_like.pt"), "-o", out, "--shape", "input_ids:-1x-1", "--shape",
            "attention_mask:-1x-1", "--opset", "17", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["verified"] and {c["batch"] for c in j["verification"]} == {1, 4}
    assert [(i["name"], i["dtype"]) for i in j["inputs"]] == [("input_ids", "int64"), ("attention_mask", "int64")]
    assert "aten::embedding" in j["inputs"][0]["dtype_source"]
    assert "aten::to" in j["inputs"][1]["dtype_source"], "a mask cast to float is an integer mask"
    m = onnx.load(str(out))
    assert [(i.name, i.type.tensor_type.elem_type) for i in m.graph.input] == [
        ("input_ids", onnx.TensorProto.INT64), ("attention_mask", onnx.TensorProto.INT64)]

    # The ONNX model runs on the tokenizer's int64 arrays; padding positions do not change the
    # pooled output, and the token count is the mask's sum.
    session = ort.InferenceSession(str(out))
    ids = np.array([[5, 17, 42, 8, 0, 0], [9, 3, 77, 61, 12, 40]], np.int64)
    mask = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], np.int64)
    pooled, tokens = session.run(None, {"input_ids": ids, "attention_mask": mask})
    assert pooled.shape == (2, 16) and np.isfinite(pooled).all()
    assert tokens.dtype == np.int64 and tokens.ravel().tolist() == [4, 6]
    other_padding = ids.copy()
    other_padding[0, 4:] = 99
    assert np.allclose(session.run(None, {"input_ids": other_padding, "attention_mask": mask})[0][0], pooled[0],
                       atol=1e-5)
    # piu run takes the same arrays from files, and an .npz of both.
    np.save(tmp_path / "ids.npy", ids)
    np.save(tmp_path / "mask.npy", mask)
    np.savez(tmp_path / "both.npz", input_ids=ids, attention_mask=mask)
    r = piu("run", out, "--input", f"input_ids={tmp_path / 'ids.npy'}", "--input",
            f"attention_mask={tmp_path / 'mask.npy'}", "--json")
    assert r.code == 0, r.err
    r = piu("run", out, "--input", tmp_path / "both.npz", "--json")
    assert r.code == 0, r.err
    one_line_error(piu("run", out, "--input", f"attention_mask={tmp_path / 'both.npz'}"), "names its inputs itself")


@pytest.mark.torch
def test_export_verifies_on_given_inputs_and_refuses_bad_ones(tmp_path):
    out = tmp_path / "bert.onnx"
    ids = np.random.default_rng(0).integers(0, 100, (3, 9)).astype(np.int64)
    mask = np.ones((3, 9), np.int64)
    mask[0, 5:] = 0
    np.savez(tmp_path / "inputs.npz", input_ids=ids, attention_mask=mask)
    args = ["export", model("torch/bert_like.pt"), "-o", out, "--shape", "input_ids:-1x-1", "--shape",
            "attention_mask:-1x-1", "--opset", "17"]
    r = piu(*args, "--input", tmp_path / "inputs.npz", "--json")
    assert r.code == 0, r.err
    checks = json.loads(r.out)["verification"]
    assert {c["batch"] for c in checks} == {3}, "one run, at the given inputs' batch"

    args[3] = out = tmp_path / "refused.onnx"
    np.save(tmp_path / "ids32.npy", ids.astype(np.int32))
    r = piu(*args, "--input", f"input_ids={tmp_path / 'ids32.npy'}")
    one_line_error(r, "ids32.npy", "input_ids", "int32", "int64")
    np.save(tmp_path / "ids.npy", ids)
    one_line_error(piu(*args, "--input", f"token_ids={tmp_path / 'ids.npy'}"), "ids.npy", "token_ids")
    assert not out.exists()


@pytest.mark.torch
def test_export_names_inputs_by_forward_and_takes_a_stated_dtype(tmp_path):
    out = tmp_path / "two.onnx"
    assert piu("export", model("torch/two_inputs.pt"), "-o", out, "--shape", "-1x3", "--shape", "-1x3").code == 0
    assert [i.name for i in onnx.load(str(out)).graph.input] == ["a", "b"]
    # A dtype after the dims types the input; the reference (LibTorch) runs on the same type.
    out = tmp_path / "emb.onnx"
    r = piu("export", model("torch/embedding.pt"), "-o", out, "--shape", "tokens:-1x-1:int32", "--json")
    assert r.code == 2 and "no input named 'tokens'" in r.err
    r = piu("export", model("torch/embedding.pt"), "-o", out, "--shape", "-1x-1:int32", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["inputs"][0]["name"] == "ids" and j["inputs"][0]["dtype"] == "int32" and j["verified"]
    assert onnx.load(str(out)).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT32


# ---- verification with real inputs ---------------------------------------------------------------

def test_branch_on_an_input_value_fails_on_random_inputs_and_verifies_on_given_ones(tmp_path):
    out = tmp_path / "out.onnx"
    r = piu("optimize", rate_model(), "-o", out)
    assert r.code != 0 and "out of data bounds" in r.err, "random rates (0, 1) take the failing branch"
    assert "give values the model accepts with --input" in r.err
    assert not out.exists()

    # The rate alone from a file; x and state stay random, state's 'batch' dim sized as x's.
    np.save(tmp_path / "sr.npy", RATE_INPUTS["sr"])
    r = piu("optimize", rate_model(), "-o", out, "--input", f"sr={tmp_path / 'sr.npy'}", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["verified"]

    # Every input from an .npz (savez and savez_compressed): one run at its batch of 3.
    for save in (np.savez, np.savez_compressed):
        npz = tmp_path / f"all_{save.__name__}.npz"
        save(npz, **all_rate_inputs(3))
        out = tmp_path / f"simple_{save.__name__}.onnx"
        r = piu("simplify", rate_model(), "-o", out, "--input", npz, "--json")
        assert r.code == 0, r.err
        j = json.loads(r.out)
        assert j["verified"] and [c["batch"] for c in j["verification"]] == [3]


def test_int_range_and_a_shared_symbolic_dim_verify_without_shapes(tmp_path):
    # state [2, batch, 16] takes the batch being verified (1 and 3) from its dim's name.
    out = tmp_path / "out.onnx"
    r = piu("optimize", rate_model(), "-o", out, "--int-range", "sr:16000:16001", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["verified"] and {c["batch"] for c in j["verification"]} == {1, 3}
    r = piu("round-weights", rate_model(), "-o", tmp_path / "rw.onnx", "--int-range", "sr:16000:16001")
    assert r.code == 0, r.err


def test_deploy_verifies_on_given_inputs(tmp_path):
    np.save(tmp_path / "sr.npy", RATE_INPUTS["sr"])
    r = piu("deploy", rate_model(), "-o", tmp_path / "d", "--input", f"sr={tmp_path / 'sr.npy'}", "--no-bench",
            "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["verification"], "verified on the given rate"


def test_bad_inputs_are_one_line_errors_and_nothing_is_written(tmp_path):
    out = tmp_path / "out.onnx"
    np.save(tmp_path / "sr32.npy", np.array([16000], np.int32))
    one_line_error(piu("optimize", rate_model(), "-o", out, "--input", f"sr={tmp_path / 'sr32.npy'}"),
                   "sr32.npy", "'sr'", "int32", "int64")
    np.save(tmp_path / "x_bad.npy", np.zeros((1, 9, 8), np.float32))
    one_line_error(piu("optimize", rate_model(), "-o", out, "--input", f"x={tmp_path / 'x_bad.npy'}"),
                   "x_bad.npy", "'x'", "1x9x8", "[batch, 10, 8]")
    np.save(tmp_path / "sr.npy", RATE_INPUTS["sr"])
    one_line_error(piu("simplify", rate_model(), "-o", out, "--input", f"rate={tmp_path / 'sr.npy'}"),
                   "sr.npy", "'rate'")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip archive")
    one_line_error(piu("fp16", rate_model(), "-o", out, "--input", tmp_path / "broken.npz"), "broken.npz",
                   "not a valid .npz")
    one_line_error(piu("optimize", rate_model(), "-o", out, "--int-range", "rate:0:3"), "rate")
    one_line_error(piu("optimize", rate_model(), "-o", out, "--int-range", "x:0:3"), "'x'", "float32")
    one_line_error(piu("optimize", rate_model(), "-o", out, "--int-range", "sr:5:5"), "LO must be below HI")
    assert not list(tmp_path.glob("out*")), "nothing written, no temp files left"


def test_quantize_measures_sqnr_on_a_given_input(tmp_path):
    conv = model("cases/conv_bn.onnx")
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        np.save(data / f"{i}.npy", rng.random((3, 8, 8), dtype=np.float32))
    cache = tmp_path / "ranges.cache"
    assert piu("calibrate", conv, "--data", data, "--cache", cache).code == 0
    np.save(tmp_path / "x.npy", rng.random((5, 3, 8, 8), dtype=np.float32))
    r = piu("quantize", conv, "-o", tmp_path / "q.onnx", "--from-cache", cache, "--input", tmp_path / "x.npy", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["sqnr_db"] > 20
    np.save(tmp_path / "x64.npy", rng.random((5, 3, 8, 8)))
    one_line_error(piu("quantize", conv, "-o", tmp_path / "q2.onnx", "--from-cache", cache, "--input",
                       tmp_path / "x64.npy"), "x64.npy", "float64", "float32")
    assert not (tmp_path / "q2.onnx").exists()


def test_token_ids_stay_below_the_embedding_table(tmp_path):
    # ids index a [30, 4] table: random ids are drawn below 30 (checked by the values: the table is
    # arange-valued, so an output above 4 * 2 - 1 means an id past 1 was drawn); --int-range wins.
    ids_model = model("cases/token_ids.onnx")
    out = tmp_path / "out.onnx"
    r = piu("optimize", ids_model, "-o", out, "--shape", "ids:1x64", "--json")
    assert r.code == 0, r.err
    scale = max(c["scale"] for c in json.loads(r.out)["verification"])
    assert 8 <= scale < 120, "ids reached past the {0, 1} default, and stayed inside the table"
    r = piu("optimize", ids_model, "-o", tmp_path / "past.onnx", "--shape", "ids:1x64", "--int-range", "ids:0:1000")
    assert r.code != 0 and "out of" in r.err, "the user's range wins over the table's"
    r = piu("run", ids_model, "--shape", "ids:1x4", "--shape", "mask:1x4", "--json")
    assert r.code == 0, r.err


def test_run_bench_and_compare_draw_ids_from_the_table_or_int_range(tmp_path):
    # run/bench/compare draw random ids below the embedding table's size (30 rows of arange values:
    # an output above 7 means an id past 1) unless --int-range says otherwise.
    ids_model = model("cases/token_ids.onnx")
    shapes = ["--shape", "ids:1x64", "--shape", "mask:1x64"]
    r = piu("run", ids_model, *shapes, "-o", tmp_path / "table")
    assert r.code == 0, r.err
    assert 8 <= np.load(tmp_path / "table" / "y.npy").max() < 120
    r = piu("run", ids_model, *shapes, "--int-range", "ids:0:1", "-o", tmp_path / "zero")
    assert r.code == 0, r.err
    assert np.load(tmp_path / "zero" / "y.npy").max() <= 3
    r = piu("bench", ids_model, *shapes, "--int-range", "ids:0:2", "--iterations", "2", "--json")
    assert r.code == 0, r.err
    r = piu("compare", ids_model, ids_model, *shapes, "--int-range", "ids:3:4", "--json")
    assert r.code == 0, r.err
    one_line_error(piu("compare", ids_model, *shapes, "--int-range", "nope:0:3"), "nope")

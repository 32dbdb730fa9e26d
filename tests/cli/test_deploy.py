"""piu deploy end to end, and what every model-writing command does when verification fails."""
import json
import os

import onnx
import pytest

from conftest import BIN, model, piu
from test_cli import one_line_error

PNG = b"\x89PNG\r\n\x1a\n"
QUICK = ["--duration", "0.05", "--rounds", "1", "--threads", "1"]


def test_deploy_writes_model_report_and_chart(tmp_path):
    src = model("resnet18.onnx")
    out = tmp_path / "deployed"
    r = piu("deploy", src, "-o", out, *QUICK)
    assert r.code == 0, r.err
    assert sorted(os.listdir(out)) == ["latency.png", "model.onnx", "report.md"]
    assert (out / "latency.png").read_bytes().startswith(PNG)
    report = (out / "report.md").read_text()
    for section in ("## Stages", "## Op types that changed", "## Verification", "## Latency", "![p50 latency"):
        assert section in report
    for stage in ("export", "inspect", "round-weights", "optimize", "simplify", "verify", "bench"):
        assert f"| {stage} |" in report
    before, after = onnx.load(src), onnx.load(str(out / "model.onnx"))
    assert len(after.graph.node) < len(before.graph.node)
    assert after.graph.input[0].type.tensor_type.shape.dim[0].dim_param, "the dynamic batch stays dynamic"
    assert "[2/8] inspect" in r.out and "bench: batch 8" in r.out, "progress is shown"


def test_deploy_json_and_switches(tmp_path):
    out = tmp_path / "d"
    r = piu("deploy", model("shapes.onnx"), "-o", out, "--no-bench", "--no-round-weights", "--batch", "2", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert [s["name"] for s in j["stages"]] == ["export", "inspect", "round-weights", "optimize", "simplify",
                                                "precision", "verify", "bench"]
    skipped = {s["name"] for s in j["stages"] if s["skipped"]}
    assert skipped == {"export", "round-weights", "precision", "bench"}
    assert {c["batch"] for c in j["verification"]} == {2}
    assert j["latency"] == [] and j["chart"] == ""
    assert sorted(os.listdir(out)) == ["model.onnx", "report.md"]
    assert "Not measured" in (out / "report.md").read_text()


def test_deploy_bad_input(tmp_path):
    src = model("shapes.onnx")
    (tmp_path / "file").write_text("x")
    one_line_error(piu("deploy", src, "-o", tmp_path / "file", "--no-bench"), "not a folder")
    one_line_error(piu("deploy", tmp_path / "missing.onnx", "-o", tmp_path / "d", "--no-bench"), "missing.onnx")
    one_line_error(piu("deploy", src, "--no-bench"), "-o")
    assert not (tmp_path / "d").exists()
    # The input itself as DIR/model.onnx is refused before anything runs.
    inplace = tmp_path / "in"
    inplace.mkdir()
    (inplace / "model.onnx").write_bytes(open(src, "rb").read())
    one_line_error(piu("deploy", inplace / "model.onnx", "-o", inplace, "--no-bench"), "input file")


@pytest.mark.parametrize("command", ["optimize", "simplify", "deploy"])
def test_failed_verification_writes_nothing_and_exits_1(tmp_path, command):
    """Folding a BatchNormalization changes float rounding: with zero tolerance, verification fails."""
    src = model("cases/conv_bn.onnx")
    out = tmp_path / ("out" if command == "deploy" else "out.onnx")
    extra = ["--no-bench"] if command == "deploy" else []
    r = piu(command, src, "-o", out, "--rtol", "0", "--atol", "0", *extra)
    assert r.code == 1, (r.code, r.err)
    assert "verification failed, nothing written" in r.err and "'y'" in r.err, r.err
    assert "1x3x8x8" in r.err, "names the shape that exposed it"
    assert len(r.err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == [], "nothing written, no temp files"
    r = piu(command, src, "-o", out, *extra)
    assert r.code == 0, r.err


@pytest.mark.torch
def test_deploy_torchscript_exports_first(tmp_path):
    out = tmp_path / "d"
    r = piu("deploy", model("shapes.pt"), "-o", out, "--shape", "-1x3x64x64", *QUICK, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    export = j["stages"][0]
    assert export["name"] == "export" and not export["skipped"] and "ONNX nodes" in export["summary"]
    assert {c["batch"] for c in j["verification"]} == {1, 3, 8}, "the export is verified against LibTorch"
    assert j["latency"], "LibTorch (before) vs ONNX Runtime (after)"
    m = onnx.load(str(out / "model.onnx"))
    assert m.graph.input[0].name == "input" and m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


@pytest.mark.torch
def test_deploy_torchscript_token_ids(tmp_path):
    """int64 inputs (an embedding's token ids) and a dynamic sequence length, verified at 64."""
    out = tmp_path / "d"
    r = piu("deploy", model("torch/embedding.pt"), "-o", out, "--shape", "-1x-1", "--no-bench", "--json")
    assert r.code == 0, r.err
    m = onnx.load(str(out / "model.onnx"))
    assert m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


def test_deploy_int8_reports_accuracy_and_latency(tmp_path):
    import numpy as np
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        np.save(data / f"b{i}.npy", rng.standard_normal((4, 3, 224, 224)).astype(np.float32))
    out = tmp_path / "int8"
    r = piu("deploy", model("resnet18.onnx"), "-o", out, "--int8", "--data", data, "--calibration-batch", "4",
            "--bench-batch", "1", *QUICK, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["int8_sqnr_db"] > 25
    stage = next(s for s in j["stages"] if s["name"] == "precision")
    assert not stage["skipped"] and "int8" in stage["summary"]
    ops = {n.op_type for n in onnx.load(str(out / "model.onnx")).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    report = (out / "report.md").read_text()
    assert "output SQNR" in report and "## Latency" in report
    # A target the model cannot reach without fallback, and --int8 options without --int8, are refused.
    one_line_error(piu("deploy", model("resnet18.onnx"), "-o", tmp_path / "x", "--data", data), "--data only applies")


def test_deploy_fp16(tmp_path):
    out = tmp_path / "fp16"
    r = piu("deploy", model("resnet18.onnx"), "-o", out, "--fp16", "--no-bench", "--json")
    assert r.code == 0, r.err
    m = onnx.load(str(out / "model.onnx"))
    assert m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT  # float32 I/O kept
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in m.graph.initializer)

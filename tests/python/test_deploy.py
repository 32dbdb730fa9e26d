"""piu.deploy from Python: the stages and files of `piu deploy`, int8 on calibration arrays, progress
lines through a Python callable, nothing left behind by a deploy that fails, the GIL released."""
import os

import numpy as np
import pytest

import piu
from conftest import model, ticking


def items(count=8, seed=0):
    """`count` calibration items of shapes.onnx's input (3x64x64), float32."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 64, 64)).astype(np.float32) for _ in range(count)]


def test_deploy_writes_the_model_and_the_report(tmp_path):
    out = tmp_path / "deployed"
    lines = []
    report = piu.deploy(model("shapes.onnx"), str(out), bench=False, progress=lines.append)
    assert (out / "model.onnx").exists() and (out / "report.md").exists()
    assert not (out / "latency.png").exists()
    assert report["model"] == str(out / "model.onnx") and report["report"] == str(out / "report.md")
    assert {"input", "chart", "nodes_before", "nodes_after", "stages", "verification", "latency",
            "seconds"} <= set(report)
    names = [stage["name"] for stage in report["stages"]]
    assert "optimize" in names and "simplify" in names
    assert report["latency"] == [] and report["nodes_after"] <= report["nodes_before"]
    assert lines and all(isinstance(line, str) for line in lines)
    x = np.stack(items(2))
    (want,) = piu.Session(model("shapes.onnx")).run([x])
    (got,) = piu.Session(str(out / "model.onnx")).run([x])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_deploy_int8_on_a_list_of_arrays(tmp_path):
    out = tmp_path / "int8"
    report = piu.deploy(model("shapes.onnx"), str(out), int8=True, calibration=items(), batch_size=4, bench=False)
    assert (out / "model.onnx").exists()
    assert report["int8_sqnr_db"] > 15
    precision = next(stage for stage in report["stages"] if stage["name"] == "precision")
    assert not precision["skipped"]
    assert piu.Session(str(out / "model.onnx")).run([np.stack(items(2))])[0].shape == (2, 3)


def test_deploy_options_are_checked(tmp_path):
    with pytest.raises(piu.BadInputError, match="needs calibration"):
        piu.deploy(model("shapes.onnx"), str(tmp_path / "a"), int8=True)
    with pytest.raises(piu.BadInputError, match="exclude each other"):
        piu.deploy(model("shapes.onnx"), str(tmp_path / "a"), int8=True, fp16=True, calibration=items())
    assert not (tmp_path / "a").exists()


def test_a_failing_deploy_leaves_nothing(tmp_path):
    out = tmp_path / "failed"

    def load(item):
        raise ValueError(f"cannot read {item}")

    with pytest.raises(ValueError, match="cannot read"):
        piu.deploy(model("shapes.onnx"), str(out), int8=True, calibration=["a.png", "b.png"], load_item_func=load,
                   bench=False)
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_a_progress_callable_that_raises_stops_deploy(tmp_path):
    out = tmp_path / "stopped"

    def progress(line):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        piu.deploy(model("shapes.onnx"), str(out), bench=False, progress=progress)
    assert not out.exists()


def test_deploy_releases_the_gil(tmp_path):
    with ticking() as stamps:
        report = piu.deploy(model("shapes.onnx"), str(tmp_path / "out"), bench_batches=[1], bench_rounds=1,
                            bench_duration_s=0.2)
    assert len(stamps) > 20  # the benchmark alone runs 0.4 s
    assert [point["batch"] for point in report["latency"]] == [1]
    assert (tmp_path / "out" / "latency.png").exists() and report["chart"] == str(tmp_path / "out" / "latency.png")

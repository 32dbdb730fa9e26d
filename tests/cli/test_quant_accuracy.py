"""A real accuracy test of int8 and fp16: a small CNN trained here on scikit-learn's digits, exported
by piu, calibrated on the training split with each method, quantized, and scored on the test split
with ONNX Runtime. int8 may lose at most 0.5 points of accuracy, fp16 at most 0.1."""
import json
import os
import subprocess

import numpy as np
import onnxruntime as ort
import pytest

from conftest import BIN, piu

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SYSTEM_PYTHON = "/usr/bin/python3"


# Trained with Debian's python3-torch (scripts/bootstrap.sh installs it), exported by piu's exporter.
pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = tmp_path_factory.mktemp("digits")
    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[:, None]
    x_train, x_test, y_train, y_test = train_test_split(x, data.target.astype(np.int64), test_size=0.25,
                                                        random_state=0, stratify=data.target)
    np.save(d / "x_train.npy", x_train)
    np.save(d / "y_train.npy", y_train)
    subprocess.run([SYSTEM_PYTHON, os.path.join(ROOT, "tests", "quant", "train_digits.py"), str(d), str(d / "digits.pt")],
                   check=True, capture_output=True, timeout=600)
    r = piu("export", d / "digits.pt", "-o", d / "digits.onnx", "--shape", "-1x1x8x8")
    assert r.code == 0, r.err
    r = piu("optimize", d / "digits.onnx", "-o", d / "digits.opt.onnx")
    assert r.code == 0, r.err
    # Calibration data: the training split as .npy files of 128 items each.
    cal = d / "calibration"
    cal.mkdir()
    for i in range(0, len(x_train), 128):
        np.save(cal / f"train_{i // 128:03d}.npy", x_train[i:i + 128])
    return {"dir": d, "model": str(d / "digits.opt.onnx"), "cal": str(cal), "x": x_test, "y": y_test}


def accuracy(path, x, y):
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    i = s.get_inputs()[0]
    logits = s.run(None, {i.name: x.astype(np.float16 if "float16" in i.type else np.float32)})[0]
    return 100.0 * float((logits.argmax(1) == y).mean())


@pytest.mark.parametrize("method,target", [("entropy", "ort"), ("minmax", "ort"), ("percentile", "ort"),
                                           ("entropy", "tensorrt")])
def test_int8_accuracy_drop_at_most_half_a_point(digits, method, target):
    base = accuracy(digits["model"], digits["x"], digits["y"])
    assert base > 95, f"the float model is not trained well: {base:.2f}%"
    out = str(digits["dir"] / f"int8_{method}_{target}.onnx")
    r = piu("quantize", digits["model"], "-o", out, "--data", digits["cal"], "--method", method, "--target", target,
            "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["quantized_nodes"] == report["quantizable_nodes"] >= 6
    acc = accuracy(out, digits["x"], digits["y"])
    print(f"digits {method}/{target}: fp32 {base:.2f}%, int8 {acc:.2f}%, SQNR {report['sqnr_db']:.1f} dB")
    assert base - acc <= 0.5


@pytest.mark.parametrize("keep_io", [True, False])
def test_fp16_accuracy_drop_at_most_a_tenth(digits, keep_io):
    base = accuracy(digits["model"], digits["x"], digits["y"])
    out = str(digits["dir"] / f"fp16_{keep_io}.onnx")
    r = piu("fp16", digits["model"], "-o", out, *(["--keep-io-types"] if keep_io else []))
    assert r.code == 0, r.err
    acc = accuracy(out, digits["x"], digits["y"])
    print(f"digits fp16 (keep io {keep_io}): fp32 {base:.2f}%, fp16 {acc:.2f}%")
    assert base - acc <= 0.1


def test_fallback_keeps_sensitive_layers_in_float(digits):
    # A target above what full int8 reaches: the most sensitive layers stay float until it is met.
    out = str(digits["dir"] / "fallback.onnx")
    r = piu("quantize", digits["model"], "-o", out, "--data", digits["cal"], "--max-error", "48db", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["sqnr_all_quantized_db"] < 48
    assert report["sqnr_db"] >= 48
    assert 1 <= len(report["excluded"]) < report["quantizable_nodes"]
    # The excluded nodes are the most sensitive ones.
    assert set(f["node"] for f in report["fallback"][:len(report["excluded"])]) == set(report["excluded"])
    base = accuracy(digits["model"], digits["x"], digits["y"])
    assert base - accuracy(out, digits["x"], digits["y"]) <= 0.5


def test_fallback_narrows_down_spans(digits):
    # With a budget of 6 runs, spans of consecutive nodes are measured and split rather than every
    # node alone; the target is still met and the report says which nodes were measured alone.
    out = str(digits["dir"] / "fallback_spans.onnx")
    r = piu("quantize", digits["model"], "-o", out, "--data", digits["cal"], "--max-error", "48db",
            "--sensitivity-runs", "6", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["sqnr_db"] >= 48
    assert report["quantizable_nodes"] > 6
    alone = [f for f in report["fallback"] if f["sqnr_db_without"] is not None]
    spans = [f for f in report["fallback"] if f["span_sqnr_db_without"] is not None]
    assert 1 <= len(alone) <= 4 and len(alone) + len(spans) == report["quantizable_nodes"]
    assert report["fallback"][:len(alone)] == alone  # nodes measured alone rank first
    bad = piu("quantize", digits["model"], "-o", out + ".bad", "--data", digits["cal"], "--max-error", "48db",
              "--sensitivity-runs", "-1")
    assert bad.code != 0 and "--sensitivity-runs" in bad.err

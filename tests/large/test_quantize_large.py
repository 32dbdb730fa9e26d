"""piu quantize on a model whose weights exceed 2 GB (the 2.34 GiB model of test_simplify_large.py):
calibration and verification open the model in memory, which ONNX Runtime takes as one serialized
protobuf below 2 GiB and with its large initializers passed alongside above it. The int8 result
(weights a quarter of the size) is written inline, runs on ONNX Runtime, and nothing else is
written."""
import json
import os

import numpy as np
import onnxruntime as ort
import pytest

from test_export_large import mem_available
from test_simplify_large import BIN, ROWS, run_measured


def test_quantize_over_2gb(large_model, tmp_path):
    if mem_available() < 14 * 2**30:
        pytest.skip(f"needs 14 GiB of available memory, {mem_available() / 2**30:.1f} GiB here")
    src, weight_bytes = large_model
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(1)
    np.save(data / "items.npy", rng.standard_normal((8, ROWS)).astype(np.float32))
    out = tmp_path / "q" / "int8.onnx"
    out.parent.mkdir()
    code, stdout, stderr, peak = run_measured([os.path.join(BIN, "piu"), "quantize", src, "-o", str(out),
                                               "--data", str(data), "--batch", "4", "--method", "minmax",
                                               "--threads", "2", "--json"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert os.path.getsize(src + ".data") == weight_bytes, "the generator wrote what the model says"
    print(f"\npeak RSS of piu quantize: {peak / 2**30:.2f} GiB for {weight_bytes / 2**30:.2f} GiB of weights; "
          f"output SQNR {report['sqnr_db']:.1f} dB")
    assert report["quantized_nodes"] >= 3 and report["quantized_weights"] >= 3
    assert report["sqnr_db"] >= 25
    assert sorted(os.listdir(out.parent)) == ["int8.onnx"]
    assert os.path.getsize(out) < weight_bytes / 3  # int8 weights, inline
    x = rng.standard_normal((2, ROWS)).astype(np.float32)
    y = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert y.shape == (2, 32, 32) and np.isfinite(y).all()

"""The tensorrt backend on the GPU machine, through the piu CLI (PIU_BIN; scripts/device_gpu_run.sh).

There: a GPU and ONNX Runtime's GPU build (its TensorRT provider library beside libonnxruntime) but
no TensorRT, so `--backend tensorrt` must exit 2 with exactly the documented line (docs/gpu.md).
Where TensorRT runs, the same model runs on it and matches the CPU. Elsewhere (no GPU, or ONNX
Runtime's CPU build) every test skips with a reason starting "needs a GPU".
"""
import json
import os
import subprocess

import numpy as np
import pytest

BIN = os.environ.get("PIU_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
MODELS = os.environ.get("PIU_MODELS_DIR", os.path.join(os.path.dirname(__file__), "../../build/models"))

# docs/gpu.md, "The message": what the GPU machine (CUDA 13, ONNX Runtime 1.31's GPU build) lacks.
DOCUMENTED = ("TensorRT unavailable: libnvinfer.so.10 not found: install TensorRT 10 for CUDA 13 (NVIDIA's tar or "
              "deb packages) and put its lib folder on LD_LIBRARY_PATH")

pytestmark = pytest.mark.gpu


def piu(*args):
    return subprocess.run([os.path.join(BIN, "piu"), *map(str, args)], capture_output=True, text=True, timeout=900)


def shapes_onnx():
    path = os.path.join(MODELS, "shapes.onnx")
    if not os.path.exists(path):
        pytest.fail(f"missing {path}: run scripts/models.sh")
    return path


@pytest.fixture(scope="module")
def report():
    """piu doctor's report; skips unless there is a GPU and ONNX Runtime's TensorRT provider library."""
    proc = piu("doctor", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    if not report["cuda"]["available"]:
        pytest.skip(f"needs a GPU: CUDA is not usable here ({report['cuda']['problem']})")
    if not report["tensorrt"]["provider_library"]:
        pytest.skip("needs a GPU machine with ONNX Runtime's GPU build (its TensorRT provider library); this "
                    f"runtime has none ({report['tensorrt']['onnxruntime_library']})")
    return report


def test_without_tensorrt_the_backend_exits_2_with_the_documented_line(report):
    trt = report["tensorrt"]
    if trt["ok"]:
        pytest.skip(f"needs a GPU machine without TensorRT: TensorRT {trt['version']} runs here")
    assert trt["missing"] == [DOCUMENTED[len("TensorRT unavailable: "):]], trt["missing"]
    assert trt["message"] == DOCUMENTED
    for command in ("run", "bench"):
        r = piu(command, shapes_onnx(), "--backend", "tensorrt", "--device", "cuda:0",
                "--provider-option", "trt_fp16_enable=1")
        assert r.returncode == 2 and r.stderr.strip() == f"piu {command}: error: {DOCUMENTED}", r.stderr


def test_with_tensorrt_the_model_matches_the_cpu(report, tmp_path):
    trt = report["tensorrt"]
    if not trt["ok"]:
        pytest.skip(f"needs a GPU machine with TensorRT: {trt['message']}")
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    cpu = piu("run", shapes_onnx(), "--input", tmp_path / "x.npy", "-o", tmp_path / "cpu")
    assert cpu.returncode == 0, cpu.stderr
    for attempt in ("build", "cached"):  # the second session loads the engine the first one cached
        out = tmp_path / attempt
        r = piu("run", shapes_onnx(), "--backend", "tensorrt", "--device", "cuda:0", "--input", tmp_path / "x.npy",
                "-o", out, "--provider-option", "trt_engine_cache_enable=1",
                "--provider-option", f"trt_engine_cache_path={tmp_path / 'engines'}")
        assert r.returncode == 0, r.stderr
        for f in (tmp_path / "cpu").iterdir():
            a, b = np.load(f), np.load(out / f.name)
            # TensorRT may use TF32 for float32 layers: 1e-2 of the output scale.
            assert np.abs(a - b).max() <= 1e-2 * np.abs(a).max() + 1e-5, f.name
    assert any(name.endswith(".engine") for name in os.listdir(tmp_path / "engines"))

"""ONNX Runtime's CUDA provider through piu (the GPU tier): outputs against the CPU's, device-resident
I/O round trips, CUDA graphs on and off, float16 models with float16 I/O, int8 Q/DQ models, and
`piu bench` timed by CUDA events. Each test skips with a reason starting "needs a GPU" where there
is no GPU or no GPU build of ONNX Runtime (CI); scripts/device_gpu_run.sh runs them on the GPU machine."""
import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import model, piu

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cuda_ort():
    """Skips unless this machine has a GPU and piu's ONNX Runtime has the CUDA provider."""
    smi = shutil.which("nvidia-smi")
    if not smi or subprocess.run([smi, "-L"], capture_output=True).returncode != 0:
        pytest.skip("needs a GPU (no NVIDIA driver here: nvidia-smi -L fails)")
    version = piu("--version")
    runtime = next((l for l in version.out.splitlines() if "ONNX Runtime" in l), "")
    if "CUDA" not in runtime:
        pytest.skip(f"needs a GPU build of ONNX Runtime (piu --version: {runtime.strip()})")


def compare(*args):
    """piu compare --json; returns the report."""
    r = piu("compare", *args, "--json")
    assert r.code in (0, 1), r.err
    return json.loads(r.out)


def within_fp32(report):
    """True when every output is within 1e-4 of its scale (float32 verification)."""
    return all(o["max_abs"] <= 1e-4 * o["scale"] + 1e-6 for o in report["outputs"])


@pytest.mark.parametrize("name", ["shapes.onnx", "mobilenet_v3_small.onnx"])
def test_cuda_matches_cpu(cuda_ort, name):
    report = compare(model(name), "--batch", "4", "--device", "cpu", "--device-b", "cuda:0")
    assert report["device_b"] == "cuda:0" and within_fp32(report), report


def test_device_io_round_trip(cuda_ort, tmp_path):
    m = model("mobilenet_v3_small.onnx")
    x = np.random.default_rng(0).standard_normal((3, 3, 224, 224)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    host = piu("run", m, "--device", "cuda", "--input", tmp_path / "x.npy", "-o", tmp_path / "host")
    dev = piu("run", m, "--device", "cuda", "--io", "device", "--input", tmp_path / "x.npy", "-o", tmp_path / "dev")
    assert host.code == 0 and dev.code == 0, host.err + dev.err
    for f in (tmp_path / "host").iterdir():
        a, b = np.load(f), np.load(tmp_path / "dev" / f.name)
        assert a.shape == b.shape and np.abs(a - b).max() <= 1e-4 * np.abs(a).max() + 1e-6, f.name


def test_cuda_graph_on_and_off_agree(cuda_ort):
    m = model("mobilenet_v3_small.onnx")
    report = compare(m, "--batch", "2", "--device", "cuda", "--provider-option", "enable_cuda_graph=1",
                     "--device-b", "cuda:0")
    assert within_fp32(report), report
    # A captured graph runs one shape: a second shape in the same session is refused, not wrong.
    r = piu("bench", m, "--device", "cuda", "--provider-option", "enable_cuda_graph=1", "--batch", "1,2",
            "--iterations", "3")
    assert r.code == 2 and "the CUDA graph was captured for" in r.err.strip().splitlines()[-1], r.err


def test_fp16_model_runs_with_fp16_io(cuda_ort, tmp_path):
    # shapes.onnx: trained weights (random-weight MobileNet's outputs, ~1e-9, underflow in float16).
    m16 = tmp_path / "m16.onnx"
    r = piu("fp16", model("shapes.onnx"), "-o", m16)
    assert r.code == 0, r.err
    info = json.loads(piu("inspect", m16, "--json").out)
    assert {i["dtype"] for i in info["inputs"]} == {"float16"}
    report = compare(model("shapes.onnx"), m16, "--batch", "4", "--device-b", "cuda:0", "--min-sqnr", "40")
    assert report["pass"], report


def test_int8_qdq_model_runs_on_cuda(cuda_ort, tmp_path):
    data = tmp_path / "calib"
    data.mkdir()
    rng = np.random.default_rng(1)
    for i in range(8):
        np.save(data / f"{i}.npy", rng.standard_normal((3, 224, 224)).astype(np.float32))
    q = tmp_path / "q.onnx"
    r = piu("quantize", model("mobilenet_v3_small.onnx"), "-o", q, "--data", data, "--target", "tensorrt")
    assert r.code == 0, r.err
    # The same Q/DQ model on the CPU (integer kernels) and on CUDA (dequantized float kernels).
    report = compare(q, "--batch", "2", "--device", "cpu", "--device-b", "cuda:0", "--min-sqnr", "30")
    assert report["pass"], report


@pytest.mark.parametrize("io", ["host", "device"])
def test_bench_on_cuda_is_timed_by_cuda_events(cuda_ort, io):
    r = piu("bench", model("mobilenet_v3_small.onnx"), "--device", "cuda", "--io", io, "--batch", "1,8",
            "--iterations", "20", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["device"] == "cuda:0"
    assert [x["batch"] for x in report["results"]] == [1, 8]
    assert all(x["io"] == io and x["timing"] == "cuda-events" and x["p50_ms"] > 0 for x in report["results"])

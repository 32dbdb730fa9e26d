"""The tensorrt backend where TensorRT cannot run: piu doctor's report, the one-line error of
`--backend tensorrt` (exit 2), the order in which missing pieces are listed; and, with stand-in
TensorRT libraries (tests/fake_tensorrt, built by CMake), the version found and what is still missing.
On a machine where TensorRT runs, tests/gpu/test_tensorrt_gpu.py runs models on it instead."""
import json
import os
import re
import subprocess

import pytest

from conftest import BIN, model, piu

FAKE = os.environ.get("PIU_FAKE_TENSORRT", os.path.join(BIN, "..", "fake-tensorrt"))


def with_libraries(*folders):
    """The environment with the stand-in folders first on LD_LIBRARY_PATH."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join([os.path.join(FAKE, f) for f in folders] + [env.get("LD_LIBRARY_PATH", "")])
    return env


def run(*args, env=None):
    return subprocess.run([os.path.join(BIN, "piu"), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=env)


def doctor(env=None):
    proc = run("doctor", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_doctor_reports_what_the_tensorrt_backend_needs():
    report = doctor()
    assert list(report) == ["piu", "components", "cuda", "tensorrt"]
    assert list(report["components"]) == ["ONNX Runtime", "ONNX", "protobuf", "TensorRT", "LibTorch"]
    trt = report["tensorrt"]
    assert report["components"]["TensorRT"]["version"] == (trt["version"] or "not found")
    assert trt["cuda"] == report["cuda"]["available"] and trt["libnvinfer"] == "libnvinfer.so.10"
    text = piu("doctor")
    assert text.code == 0 and text.out.startswith(f"piu {report['piu']}\n")
    if trt["ok"]:
        assert trt["message"] == "" and "tensorrt backend: ready (TensorRT " in text.out
        return
    assert trt["message"] == "TensorRT unavailable: " + "; ".join(trt["missing"])
    assert "tensorrt backend: not usable; missing:\n" in text.out
    for line in trt["missing"]:
        assert f"  - {line}\n" in text.out


def test_missing_pieces_come_in_the_order_they_build_on():
    trt = doctor()["tensorrt"]
    if trt["ok"]:
        return  # TensorRT runs here: nothing is missing
    missing = trt["missing"]

    def index(prefix):
        return next(i for i, line in enumerate(missing) if line.startswith(prefix))

    order = []
    if not trt["provider_library"]:  # ONNX Runtime's CPU build: no TensorRT provider at all
        order.append(index("ONNX Runtime "))
        assert "has no TensorRT provider (libonnxruntime_providers_tensorrt.so is not beside" in missing[order[-1]]
        assert missing[order[-1]].endswith("install ONNX Runtime's GPU build (the onnxruntime-gpu runtime) and "
                                           "configure piu with -DONNXRUNTIME_ROOT at it")
    if not trt["cuda"]:
        order.append(index("CUDA"))
    if not trt["found_libnvinfer"]:
        order.append(index("libnvinfer.so.10 not found: "))
        cuda = f" for CUDA {trt['cuda_version'].split('.')[0]}" if trt["cuda_version"] else ""
        assert missing[order[-1]] == (f"libnvinfer.so.10 not found: install TensorRT 10{cuda} (NVIDIA's tar or deb "
                                      "packages) and put its lib folder on LD_LIBRARY_PATH")
    assert order == sorted(order) and len(order) >= 1


@pytest.mark.parametrize("command", ["run", "bench"])
def test_backend_tensorrt_exits_2_with_the_health_line(command):
    trt = doctor()["tensorrt"]
    if trt["ok"]:
        return  # TensorRT runs here: tests/gpu/test_tensorrt_gpu.py runs models on it
    r = piu(command, model("shapes.onnx"), "--backend", "tensorrt", "--device", "cuda",
            "--provider-option", "trt_fp16_enable=1")
    assert r.code == 2 and one_line(r.err) == f"piu {command}: error: {trt['message']}"


def test_backend_tensorrt_refuses_the_cpu_and_auto_never_picks_it():
    r = piu("run", model("shapes.onnx"), "--backend", "tensorrt")
    assert r.code == 2
    assert one_line(r.err) == "piu run: error: backend 'tensorrt' runs on a CUDA device (--device cuda or cuda:N), not cpu"
    r = piu("run", model("shapes.onnx"), "--json")
    assert r.code == 0 and json.loads(r.out)["backend"] == "ort"
    assert re.search(r"--backend NAME\s+backend: .*tensorrt", piu("run", "--help").out)


def test_version_has_a_tensorrt_line():
    r = piu("--version")
    assert r.code == 0 and re.search(r"^  TensorRT\s+(not found|\d+\.\d+\.\d+) \(", r.out, re.M), r.out


def test_a_found_libnvinfer_reports_its_version_and_what_is_still_missing():
    assert os.path.isdir(FAKE), f"missing {FAKE}: the stand-in TensorRT libraries are built with the tests"
    trt = doctor(with_libraries("nvinfer10"))["tensorrt"]
    assert trt["version"] == "10.14.1" and trt["found_libnvinfer"] == "libnvinfer.so.10"  # 101401 decoded
    assert not any(line.startswith("libnvinfer") for line in trt["missing"])
    assert ("libnvonnxparser.so.10 not found beside TensorRT 10.14.1: install TensorRT's ONNX parser (in NVIDIA's "
            "TensorRT 10 packages) and put its folder on LD_LIBRARY_PATH") in trt["missing"]
    version = run("--version", env=with_libraries("nvinfer10")).stdout
    assert re.search(r"^  TensorRT\s+10\.14\.1 \(libnvinfer, loaded at run time", version, re.M), version

    both = doctor(with_libraries("nvinfer10", "nvonnxparser10"))["tensorrt"]
    assert both["onnx_parser"] is True and both["plugins"] is False
    assert not any("libnvonnxparser" in line or line.startswith("libnvinfer") for line in both["missing"])
    assert both["ok"] is (both["cuda"] and bool(both["provider_library"]) and not both["missing"])


def test_a_libnvinfer_of_another_major_version_is_named_with_what_is_needed():
    assert os.path.isdir(FAKE), f"missing {FAKE}: the stand-in TensorRT libraries are built with the tests"
    trt = doctor(with_libraries("nvinfer8"))["tensorrt"]
    assert trt["version"] == "8.6.1" and trt["found_libnvinfer"] == "libnvinfer.so.8"  # 8601 decoded
    assert any(line.startswith("libnvinfer.so.10 not found (TensorRT 8.6.1 is there as libnvinfer.so.8; ONNX "
                               "Runtime's TensorRT provider needs TensorRT 10): install TensorRT 10")
               for line in trt["missing"]), trt["missing"]
    r = run("run", model("shapes.onnx"), "--backend", "tensorrt", "--device", "cuda:0", env=with_libraries("nvinfer8"))
    assert r.returncode == 2 and one_line(r.stderr) == f"piu run: error: {trt['message']}"

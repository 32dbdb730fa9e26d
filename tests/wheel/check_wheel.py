"""Checks a piu wheel installed into a venv, run by that venv's python from outside the source tree
(tests/wheel/test_wheel.sh): the packages import from site-packages, the console script is the
bundled CLI and lists the runtimes it loads, and with the torch plugin a TorchScript module made
here exports and runs, in the CLI and in Python, like torch.

    check_wheel.py WORK_DIR ORT_VERSION WITH_TORCH(ON|OFF) MODELS_DIR
"""
import importlib.metadata
import os
import re
import subprocess
import sys
import sysconfig

import numpy as np


def check(condition, message):
    if not condition:
        sys.exit(f"wheel check failed: {message}")


def run(*args, expect=0):
    proc = subprocess.run(args, capture_output=True, text=True)
    check(proc.returncode == expect,
          f"{' '.join(map(str, args))}: exit {proc.returncode}, expected {expect}\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def check_imports():
    import piu
    import pytorch_infer_utils

    site_packages = os.path.realpath(sysconfig.get_paths()["platlib"])
    for module in (piu, pytorch_infer_utils):
        check(os.path.realpath(module.__file__).startswith(site_packages + os.sep),
              f"{module.__name__} imported from {module.__file__}, not from {site_packages}")
    check(importlib.metadata.version("piu") == piu.__version__,
          f"wheel version {importlib.metadata.version('piu')} != piu.__version__ {piu.__version__}")
    print(f"import piu {piu.__version__}, pytorch_infer_utils: from {site_packages}")
    return piu


def check_cli(ort_version, torch_version):
    cli = os.path.join(os.path.dirname(sys.executable), "piu")  # the console script, not piu/bin/piu
    version = run(cli, "--version")
    check(re.search(rf"^\s*ONNX Runtime\s+{re.escape(ort_version)}\s", version, re.M), f"ONNX Runtime {ort_version}?\n{version}")
    expected_torch = re.escape(torch_version) if torch_version else "not built"
    check(re.search(rf"^\s*LibTorch\s+{expected_torch}", version, re.M), f"LibTorch {torch_version}?\n{version}")
    check(run(sys.executable, "-m", "piu", "--version") == version, "python -m piu --version differs from piu --version")
    run(cli, "inspect", "missing.onnx", expect=2)  # the CLI's exit status comes through the console script
    print("piu --version:", " | ".join(line.strip() for line in version.splitlines()))
    return cli


def check_export(piu, cli, work):
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                                 torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2)).eval()
    x = torch.rand(2, 3, 8, 8)
    scripted = os.path.join(work, "tiny.pt")
    torch.jit.trace(module, x).save(scripted)
    with torch.no_grad():
        expected = module(x).numpy()
    exported = os.path.join(work, "tiny.onnx")
    run(cli, "export", scripted, "-o", exported, "--shape", "input:-1x3x8x8", "--threads", "1")
    (out,) = piu.Session(exported).run([x.numpy()])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    (out,) = piu.Session(scripted).run([x.numpy()])  # the torch plugin, in this process beside torch
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    piu.export(scripted, os.path.join(work, "tiny2.onnx"), shapes="input:-1x3x8x8", threads=1)
    print("piu export of a TorchScript module: ONNX Runtime and LibTorch outputs match torch")


def check_without_torch(piu, work, models):
    try:
        piu.export(os.path.join(work, "any.pt"), os.path.join(work, "any.onnx"))
        check(False, "piu.export worked in a wheel without the torch plugin")
    except piu.UnsupportedError as e:
        check("built without LibTorch" in str(e), f"unclear message: {e}")
    session = piu.Session(os.path.join(models, "shapes.onnx"))
    shape = [1 if d < 0 else d for d in session.inputs[0]["shape"]]
    (out,) = session.run([np.random.default_rng(0).random(shape, dtype=np.float32)])
    check(np.isfinite(out).all(), "shapes.onnx gave non-finite outputs")
    print("without the torch plugin: piu.export raises UnsupportedError; an ONNX model runs")


def main(work, ort_version, with_torch, models):
    piu = check_imports()
    torch_version = None
    if with_torch == "ON":
        import torch
        torch_version = ".".join(torch.__version__.split(".")[:2])
    cli = check_cli(ort_version, torch_version)
    if torch_version:
        check_export(piu, cli, work)
    else:
        check_without_torch(piu, work, models)


if __name__ == "__main__":
    main(*sys.argv[1:])

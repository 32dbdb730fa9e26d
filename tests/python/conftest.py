import contextlib
import os
import subprocess
import threading
import time

import numpy as np
import pytest

# Tests that build or read ONNX files with the onnx package run under the venv's Python (CTest's
# python_onnx); Debian's python3 has no onnx, so there they are not collected rather than skipped.
ONNX_TESTS = ["test_bad_input_table.py", "test_seed_int8.py"]
try:
    import onnx  # noqa: F401
    collect_ignore = []
except ImportError:
    collect_ignore = ONNX_TESTS

BIN = os.environ.get("PIU_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
MODELS = os.environ.get("PIU_MODELS_DIR", os.path.join(os.path.dirname(__file__), "../../build/models"))


def model(name):
    path = os.path.join(MODELS, name)
    if not os.path.exists(path):
        pytest.fail(f"missing {path}: run scripts/models.sh")
    return path


def piu_cli(*args):
    """Runs the piu command line; returns the completed process (stdout and stderr as text)."""
    return subprocess.run([os.path.join(BIN, "piu"), *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture
def resnet_io():
    """resnet18's stored input and the reference output computed for it when the model was generated."""
    return np.load(model("resnet18.input.npy")), np.load(model("resnet18.output.npy"))


@contextlib.contextmanager
def ticking():
    """Runs a Python thread that appends time.monotonic() about every millisecond while the block runs;
    yields that list. The thread can only take timestamps while the block's C++ call released the GIL."""
    stamps, done = [], threading.Event()

    def ticker():
        while not done.is_set():
            stamps.append(time.monotonic())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        yield stamps
    finally:
        done.set()
        thread.join()

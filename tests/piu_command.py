"""Running the piu CLI from Python tests (tests/cli, tests/gpu): PIU_BIN and PIU_MODELS_DIR say where
the binary and the test models are (default: build/bin, build/models)."""
import os
import subprocess

import pytest

BIN = os.environ.get("PIU_BIN", os.path.join(os.path.dirname(__file__), "../build/bin"))
MODELS = os.environ.get("PIU_MODELS_DIR", os.path.join(os.path.dirname(__file__), "../build/models"))


class Result:
    """A finished piu command: exit code, stdout, stderr."""

    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr


def piu(*args, timeout=600):
    """Runs `piu ARGS...` and returns its Result."""
    proc = subprocess.run([os.path.join(BIN, "piu"), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    return Result(proc)


def model(name):
    """The path of a test model; fails the test's setup with how to make it when it is missing."""
    path = os.path.join(MODELS, name)
    if not os.path.exists(path):
        pytest.skip(f"missing {path}: run scripts/models.sh")
    return path

import os
import subprocess

import pytest

BIN = os.environ.get("PIU_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
MODELS = os.environ.get("PIU_MODELS_DIR", os.path.join(os.path.dirname(__file__), "../../build/models"))


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr


def piu(*args, timeout=300):
    proc = subprocess.run([os.path.join(BIN, "piu"), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    return Result(proc)


def model(name):
    path = os.path.join(MODELS, name)
    if not os.path.exists(path):
        pytest.skip(f"missing {path}: run scripts/models.sh")
    return path


@pytest.fixture
def run_piu():
    return piu

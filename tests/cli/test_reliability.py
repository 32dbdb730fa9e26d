"""The exit-code contract on bad input, and nothing left behind (docs/reliability.md).

test_bad_input: every kind of bad input (tests/cli/reliability_cases.py) through every command that
reads it: exit 2, one clean line on stderr, nothing written. The cases run once, in parallel, when
the first one is asked for. Then signals (SIGINT/SIGTERM/SIGHUP remove staged temp files and
created folders) and kill -9 (the previous output intact, at most a hidden temp file beside it).
"""
import atexit
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import reliability_cases as rc
from piu_command import BIN, MODELS

PIU = os.path.join(BIN, "piu")
ROOT = tempfile.mkdtemp(prefix="piu-reliability-")
atexit.register(shutil.rmtree, ROOT, True)
INPUTS = rc.make_inputs(os.path.join(ROOT, "inputs"), MODELS)
CASES = rc.cases(INPUTS)
_results = {}


def _params():
    for i, case in enumerate(CASES):
        marks = []
        if case.xfail or not case.run:
            marks.append(pytest.mark.xfail(strict=True, run=case.run, reason=case.xfail or "would hang"))
        yield pytest.param(i, id=case.id, marks=marks)


def _result(i):
    """Runs every runnable case on first use (4 at a time), then answers from the results."""
    if not _results:
        runnable = [j for j, c in enumerate(CASES) if c.run]
        with ThreadPoolExecutor(4) as pool:
            done = pool.map(lambda j: rc.run_case(PIU, CASES[j], os.path.join(ROOT, "out", str(j))), runnable)
            _results.update(zip(runnable, done))
    return _results[i]


def test_table_has_forty_kinds():
    assert len({c.kind for c in CASES}) >= 40


@pytest.mark.parametrize("i", list(_params()))
def test_bad_input(i):
    case = CASES[i]
    result = _result(i)
    assert rc.problems(case, result) == [], f"{case.args}: {result.err!r}"


# ------------------------------------------------------------------------------------------------
# Signals and kill -9
# ------------------------------------------------------------------------------------------------

TEMP_NAME = re.compile(r"^\.[^/]+\.tmp\.[A-Za-z0-9]{6}$")  # AtomicFile's ".NAME.tmp.XXXXXX"


def _big_model():
    path = os.path.join(MODELS, "resnet18.onnx")
    if not os.path.exists(path):
        pytest.skip(f"missing {path}: run scripts/models.sh")
    return path


def _wait_for(predicate, proc, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_signal_during_verification_leaves_nothing(tmp_path, sig):
    out = tmp_path / "out.onnx"
    proc = subprocess.Popen([PIU, "optimize", _big_model(), "-o", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    # The staged model is complete (verification runs on it) once it is as large as the input.
    size = os.path.getsize(_big_model()) * 0.9
    def size_of(f):  # the staged file may be renamed or removed between listing and stat
        try:
            return os.path.getsize(tmp_path / f)
        except FileNotFoundError:
            return 0
    staged = lambda: [f for f in os.listdir(tmp_path) if TEMP_NAME.match(f) and size_of(f) > size]  # noqa: E731
    if not _wait_for(staged, proc):
        proc.kill()
        pytest.fail(f"no staged file appeared; piu exited {proc.wait()}: {proc.stderr.read()!r}")
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == -sig  # ended by the signal, as its default action would
    assert os.listdir(tmp_path) == []


def test_signal_during_deploy_removes_its_folder(tmp_path):
    out = tmp_path / "deployed"
    proc = subprocess.Popen([PIU, "deploy", _big_model(), "-o", str(out), "--no-bench"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if not _wait_for(lambda: out.exists() and any(TEMP_NAME.match(f) for f in os.listdir(out)), proc):
        proc.kill()
        pytest.fail(f"deploy staged nothing; it exited {proc.wait()}: {proc.stderr.read()!r}")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == -signal.SIGTERM
    assert os.listdir(tmp_path) == []


def test_kill_9_during_write_keeps_the_previous_file(tmp_path):
    out = tmp_path / "out.onnx"
    previous = b"the previous output, which must survive\n" * 1000
    out.write_bytes(previous)
    proc = subprocess.Popen([PIU, "round-weights", _big_model(), "-o", str(out), "--no-verify"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    writing = lambda: [f for f in os.listdir(tmp_path) if TEMP_NAME.match(f) and  # noqa: E731
                       os.path.getsize(tmp_path / f) > 0]
    if not _wait_for(writing, proc):
        proc.kill()
        pytest.fail(f"no temp file appeared; piu exited {proc.wait()}: {proc.stderr.read()!r}")
    proc.kill()  # SIGKILL: no handler runs
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert out.read_bytes() == previous
    left = sorted(os.listdir(tmp_path))
    assert all(f == "out.onnx" or TEMP_NAME.match(f) for f in left), left

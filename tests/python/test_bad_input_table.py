"""The CLI's bad-input table (tests/cli/reliability_cases.py) through the Python API.

Every case whose command has a Python function (piu.inspect, Session(...).run, bench, compare,
optimize, simplify, round_weights, fp16, calibrate, quantize, deploy, export) is run both ways: the
Python call raises the class of the CLI's exit status (2: BadInputError, UnsupportedError or
IoError) with the CLI's error line, less its "piu CMD: error: " prefix, as its one-line message, and
leaves the case's output folder empty as the CLI does. Where the CLI refuses its own option
("option --batch: ..."), Python's message names the keyword instead (batches). Cases Python has no
spelling for are not registered: an unknown option, an option value that is not a number (a
TypeError in Python), and `run`'s --input, --shape, --batch and output folder (Session.run takes
arrays and writes nothing): 443 of the table's 486 cases, 67 of its 71 kinds, are.

Runs under the venv's Python (CTest's python_onnx): reliability_cases builds its files with onnx.
"""
import atexit
import os
import re
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import piu
from piu_command import BIN, MODELS

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import reliability_cases as rc  # noqa: E402  (tests/cli, appended above)

ROOT = tempfile.mkdtemp(prefix="piu-python-bad-input-")
atexit.register(shutil.rmtree, ROOT, True)
INPUTS = rc.make_inputs(os.path.join(ROOT, "inputs"), MODELS)

# The Python classes of the error codes the CLI's exit 2 stands for (include/piu/core.hpp: bad input,
# unsupported, i/o error; 1 is a verification failure, 3 a runtime's or piu's own bug).
EXIT_2_CLASSES = (piu.BadInputError, piu.UnsupportedError, piu.IoError)
VALUE_OPTIONS = {"-o", "--input", "--shape", "-b", "-t", "--seed", "--data", "--cache", "--from-cache", "-n",
                 "--warmup"}
FLAGS = {"--json", "--no-bench", "--int8"}  # --json: Python returns the report as a dict anyway


def _parse(args):
    """(positionals, {option: value}) of a case's arguments after the command; None for an option
    outside VALUE_OPTIONS and FLAGS (Python has no keyword for it)."""
    positionals, options = [], {}
    rest = iter(args)
    for arg in rest:
        if arg in VALUE_OPTIONS:
            options[arg] = next(rest)
        elif arg in FLAGS:
            options[arg] = True
        elif arg.startswith("-"):
            return None
        else:
            positionals.append(arg)
    return positionals, options


def _number(text):
    """An int option's value as Python passes it; None when it is not a number (a TypeError in Python)."""
    return int(text) if re.fullmatch(r"-?[0-9]+", text) else None


def _run_session(model, threads):
    """`piu run`: a Session, then one run on zeros (dynamic dims 1)."""
    session = piu.Session(model, threads=threads)
    session.run([np.zeros([d if d >= 0 else 1 for d in i["shape"]], i["dtype"]) for i in session.inputs])


def expected_message(case, cli_line):
    """The CLI's error line as Python says it: without "piu CMD: error: ", and where the CLI refused
    its own option ("option --batch: '0' is not ..."), that option spelled as Python's keyword."""
    message = cli_line[len(f"piu {case.command}: error: "):]
    for option, keyword in (("--batch", "batch" if case.command == "compare" else "batches"), ("--threads", "threads")):
        message = re.sub(f"^option {option}: ", f"{keyword}: ", message)
    return message


def python_call(case, out):
    """A function doing in Python what `case` asks of the CLI (outputs under `out`), or None."""
    parsed = _parse([a.replace("{out}", out) for a in case.args[1:]])
    if parsed is None:
        return None
    (model, *more), o = parsed
    numbers = {k: _number(o[k]) for k in ("-b", "-t", "--seed", "-n", "--warmup") if k in o}
    if None in numbers.values():
        return None
    threads = numbers.get("-t", 0)
    given = [o["--input"]] if "--input" in o else []
    verify = dict(threads=threads, inputs=given or None, verify_shapes=o.get("--shape"))
    if "-b" in numbers:
        verify["batches"] = [numbers["-b"]]
    writers = {"optimize": piu.optimize, "simplify": piu.simplify, "round-weights": piu.round_weights,
               "fp16": piu.fp16}
    command = case.command
    if command in writers and "--seed" not in o:
        return lambda: writers[command](model, o["-o"], **verify)
    if command == "inspect":
        return lambda: piu.inspect(model)
    # run: a Session opens the model and runs it on zeros, writing nothing: the cases of a bad model
    # (--shape only with a TorchScript file, which a Session opens or refuses without it).
    run_options = {"-o", "-t", "--json"} | ({"--shape"} if model.endswith(".pt") else set())
    if command == "run" and o["-o"] == f"{out}/result" and not set(o) - run_options:
        return lambda: _run_session(model, threads)
    extra = {"shapes": o.get("--shape"), "inputs": given, "seed": numbers.get("--seed", 0), "threads": threads}
    if command == "bench":
        batches = [numbers.get("-b", 1)]
        return lambda: piu.bench(model, batches=batches, iterations=numbers["-n"], warmup=numbers["--warmup"], **extra)
    if command == "compare":
        return lambda: piu.compare(model, more[0], batch=numbers.get("-b", 1), **extra)
    if command == "calibrate":
        return lambda: piu.calibrate(model, calibration=o["--data"], cache=o["--cache"])
    if command == "quantize":
        return lambda: piu.quantize(model, o["-o"], calibration=o.get("--data"), from_cache=o.get("--from-cache"))
    if command == "deploy":
        return lambda: piu.deploy(model, o["-o"], shapes=o.get("--shape"), int8="--int8" in o,
                                  calibration=o.get("--data"), bench="--no-bench" not in o)
    if command == "export":
        return lambda: piu.export(model, o["-o"], shapes=o["--shape"])
    return None


CASES = [case for case in rc.cases(INPUTS) if case.run and not case.xfail
         and python_call(case, "{out}") is not None]


def test_most_of_the_table_has_a_python_call():
    assert len(CASES) >= 350 and len({c.kind for c in CASES}) >= 40


_cli_results = {}


def _cli_result(i):
    """Runs every case's CLI command on first use (4 at a time, as tests/cli/test_reliability.py),
    each in its own output folder ROOT/out/i; then answers from the results."""
    if not _cli_results:
        with ThreadPoolExecutor(4) as pool:
            done = pool.map(lambda j: rc.run_case(os.path.join(BIN, "piu"), CASES[j], _out(j)), range(len(CASES)))
            _cli_results.update(enumerate(done))
    return _cli_results[i]


def _out(i):
    return os.path.join(ROOT, "out", str(i))


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c.id for c in CASES])
def test_python_raises_the_cli_error(i):
    case, cli, out = CASES[i], _cli_result(i), _out(i)  # the same folder both ways: messages name paths under it
    assert cli.code == 2, (cli.code, cli.err)  # the table's contract (tests/cli/test_reliability.py)
    assert cli.err.startswith(f"piu {case.command}: error: ") and cli.err.count("\n") == 1, cli.err
    assert cli.left == []
    call = python_call(case, out)
    with pytest.raises(piu.Error) as info:
        call()
    assert isinstance(info.value, EXIT_2_CLASSES), type(info.value)
    assert str(info.value) == expected_message(case, cli.err[:-1])
    assert os.listdir(out) == []

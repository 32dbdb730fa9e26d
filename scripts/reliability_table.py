#!/usr/bin/env python3
"""Runs the bad-input table (tests/cli/reliability_cases.py) and prints docs/reliability.md's case table
as Markdown: kind, command, exit code, the stderr line, and whether anything was left behind.

    .deps/venv/bin/python scripts/reliability_table.py [--bin build/bin/piu] [--models build/models] [--jobs 4]
        [--full | --only-failing]

By default one row per kind (its commands, their exit codes, one command's message); --full gives a
row per case.
"""
import argparse
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
import reliability_cases as rc  # noqa: E402


def run_all(binary, models, jobs, root):
    """Runs every runnable case; returns [(case, Result or None)] in table order."""
    inputs = rc.make_inputs(os.path.join(root, "inputs"), models)
    cases = rc.cases(inputs)
    out_root = os.path.join(root, "out")

    def one(item):
        i, case = item
        if not case.run:
            return None
        return rc.run_case(binary, case, os.path.join(out_root, str(i)))

    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, enumerate(cases)))
    return list(zip(cases, results)), inputs


MODELS = ""  # the --models folder, shown as $MODELS


def _message(result, root):
    message = result.err.strip().replace(root, "$TMP").replace("|", "\\|")
    if MODELS:
        message = message.replace(MODELS, "$MODELS")
    return message if len(message) <= 160 else message[:157] + "..."


def print_cases(rows, root, only_failing):
    print("| kind | command | exit | message | nothing left |")
    print("|---|---|---|---|---|")
    for case, result in rows:
        if result is None:
            if not only_failing:
                print(f"| {case.kind} | {case.command} | not run | ({case.xfail or 'would hang'}) | |")
            continue
        bad = rc.problems(case, result)
        if only_failing and not bad:
            continue
        code = result.code if not bad or not case.xfail else f"{result.code} (xfail: {case.xfail})"
        left = "yes" if not result.left else "NO: " + ", ".join(result.left)
        print(f"| {case.kind} | {case.command} | {code} | `{_message(result, root)}` | {left} |")


def print_kinds(rows, root):
    """One row per kind: the commands (with their exit code where it is not 2), one message."""
    kinds = {}
    for case, result in rows:
        kinds.setdefault(case.kind, []).append((case, result))
    print("| kind | commands (exit 2 unless noted) | message (first command) | nothing left |")
    print("|---|---|---|---|")
    for kind, entries in kinds.items():
        commands, message, left = [], "", []
        for case, result in entries:
            if result is None:
                commands.append(f"{case.command} (not run: {case.xfail})")
                continue
            note = "" if result.code == 2 else f" ({result.code}{', xfail: ' + case.xfail if case.xfail else ''})"
            commands.append(case.command + note)
            message = message or _message(result, root)
            left += [f"{case.command}: {', '.join(result.left)}"] if result.left else []
        print(f"| {kind} | {', '.join(commands)} | `{message}` | {'yes' if not left else 'NO: ' + '; '.join(left)} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "piu"))
    parser.add_argument("--models", default=os.path.join(ROOT, "build", "models"))
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--only-failing", action="store_true", help="print only cases that break the contract")
    parser.add_argument("--full", action="store_true", help="one row per case instead of one per kind")
    args = parser.parse_args()
    global MODELS
    MODELS = os.path.abspath(args.models)
    with tempfile.TemporaryDirectory(prefix="piu-reliability-") as root:
        rows, inputs = run_all(os.path.abspath(args.bin), args.models, args.jobs, root)
        failing = sum(bool(r is not None and rc.problems(c, r)) for c, r in rows)
        if args.full or args.only_failing:
            print_cases(rows, root, args.only_failing)
        else:
            print_kinds(rows, root)
        unmarked = sum(bool(not c.xfail and r is not None and rc.problems(c, r)) for c, r in rows)
        print(f"\n{len(rows)} cases of {len({c.kind for c, _ in rows})} kinds: {failing} run and break the contract, "
              f"{unmarked} of them not marked xfail; {sum(r is None for _, r in rows)} not run (xfail)", file=sys.stderr)


if __name__ == "__main__":
    main()

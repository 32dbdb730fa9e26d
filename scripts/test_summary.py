#!/usr/bin/env python3
"""Counts what a test run ran and skipped, from CTest's and pytest's JUnit files.

    scripts/test_summary.py BUILD/test-results

CTest's file (ctest.xml) lists every registered test; a CTest entry that runs a pytest suite
(pytest-<name>.xml beside it) is replaced by that suite's own cases. A skipped test counts as a
failure unless its reason starts with "needs a GPU" (hardware this machine may lack). Prints each
skip with its reason, then one last line: "piu tests: N ran, M skipped (K need a GPU), F failed".
Exit status 1 when anything failed, a test was skipped for another reason, or nothing ran.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

GPU_REASON = re.compile(r"^\s*(skipped:?\s*)?needs a gpu", re.IGNORECASE)


def cases(path):
    """(name, outcome, reason) per testcase of a JUnit file; outcome is ran, skipped or failed."""
    for case in ET.parse(path).getroot().iter("testcase"):
        name, classname = case.get("name", ""), case.get("classname", "")
        if classname and classname != name:  # pytest: module path + test name; CTest: both the test's name
            name = f"{classname}.{name}"
        status = case.get("status", "")
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None or status == "fail":
            yield name, "failed", ""
        elif skipped is not None or status in ("notrun", "disabled"):
            reason = skipped.get("message", "") if skipped is not None else ""
            if not reason or reason.lower() in ("skipped", "disabled", "skip_regular_expression_matched"):
                out = case.findtext("system-out") or ""
                # GoogleTest prints the reason on the line after "Skipped" ("[  SKIPPED ]" follows).
                m = re.search(r"Skipped\s*\n(.+)", out)
                reason = m.group(1).strip() if m else (reason or "no reason given")
            yield name, "skipped", reason
        else:
            yield name, "ran", ""


def main(folder):
    ctest = os.path.join(folder, "ctest.xml")
    if not os.path.exists(ctest):
        print(f"piu tests: no results in {ctest}", file=sys.stderr)
        return 1
    rows = []
    for name, outcome, reason in cases(ctest):
        suite = os.path.join(folder, f"pytest-{name}.xml")
        if outcome != "skipped" and os.path.exists(suite):
            rows += [(f"{name}: {n}", o, r) for n, o, r in cases(suite)]
            if outcome == "failed" and not any(o == "failed" for _, o, _ in cases(suite)):
                rows.append((name, "failed", ""))  # the suite itself failed (collection, crash)
        else:
            rows.append((name, outcome, reason))
    ran = sum(o == "ran" for _, o, _ in rows)
    failed = [n for n, o, _ in rows if o == "failed"]
    skipped = [(n, r) for n, o, r in rows if o == "skipped"]
    gpu = [(n, r) for n, r in skipped if GPU_REASON.match(r)]
    for n, r in skipped:
        print(f"skipped: {n}: {r}" + ("" if GPU_REASON.match(r) else "   <- counts as a failure"))
    for n in failed:
        print(f"failed: {n}")
    print(f"piu tests: {ran} ran, {len(skipped)} skipped ({len(gpu)} need a GPU), {len(failed)} failed")
    return 1 if failed or len(skipped) > len(gpu) or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/test-results"))

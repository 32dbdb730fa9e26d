#!/usr/bin/env python3
"""The code layout rules that keep piu readable, checked on every test run:

- no file in src/ or include/ over 600 lines (split by responsibility past 500);
- no tools/piu/cmd_*.cpp over 80 lines (a command is option parsing + one library call + printing);
- no file in src/backends/ includes an exporter header (src/export/*, piu/export.hpp), and no file
  in src/export/ includes a backend's header (src/backends/*): the two modules never depend on each
  other; what both need lives below them (src/ir, piu/session.hpp).

    check_layout.py [REPO_ROOT]
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().count("\n")


def sources(root, folder):
    for base, _, files in os.walk(os.path.join(root, folder)):
        for name in sorted(files):
            if name.endswith((".cpp", ".hpp", ".h", ".cc")):
                yield os.path.join(base, name)


def main(root):
    problems = []
    for folder in ("src", "include"):
        for path in sources(root, folder):
            n = lines(path)
            if n > 600:
                problems.append(f"{os.path.relpath(path, root)}: {n} lines (at most 600)")
    for path in sources(root, "tools/piu"):
        n = lines(path)
        if os.path.basename(path).startswith("cmd_") and n > 80:
            problems.append(f"{os.path.relpath(path, root)}: {n} lines (a command file has at most 80)")
    rules = [("src/backends", ("export/", "piu/export.hpp"), "an exporter header"),
             ("src/export", ("backends/",), "a backend's header")]
    for folder, banned, what in rules:
        for path in sources(root, folder):
            with open(path, encoding="utf-8", errors="replace") as f:
                for inc in INCLUDE.findall(f.read()):
                    if inc.startswith(banned):
                        problems.append(f"{os.path.relpath(path, root)}: includes {what} ({inc})")
    for p in problems:
        print(p)
    print(f"layout: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")))

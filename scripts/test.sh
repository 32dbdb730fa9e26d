#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite (CTest: GoogleTest, CLI and
# install tests). The last line counts the tests that ran and were skipped; a skip fails the run
# unless the test needs a GPU (scripts/test_summary.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
DEPS="${PIU_DEPS:-$ROOT/.deps}"
bash "$ROOT/scripts/build.sh"
bash "$ROOT/scripts/models.sh"
rm -rf "$BUILD/test-results"
mkdir -p "$BUILD/test-results"
cd "$BUILD"
rc=0
ctest --output-on-failure -j "${PIU_TEST_JOBS:-2}" --output-junit "$BUILD/test-results/ctest.xml" "$@" || rc=$?
"$DEPS/venv/bin/python" "$ROOT/scripts/test_summary.py" "$BUILD/test-results" || rc=1
exit $rc

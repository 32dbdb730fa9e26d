#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite (CTest: GoogleTest + CLI tests).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/build.sh"
bash "$ROOT/scripts/models.sh"
cd "$BUILD"
ctest --output-on-failure -j "${PIU_TEST_JOBS:-2}" "$@"

#!/usr/bin/env bash
# Installs dependencies (scripts/bootstrap.sh) and builds piu into build/ (override with PIU_BUILD_DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/bootstrap.sh"
if [ ! -f "$BUILD/build.ninja" ]; then
  # Warnings are errors here (and so in CI); PIU_WERROR=0 builds with them as warnings.
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPIU_WARNINGS_AS_ERRORS="$([ "${PIU_WERROR:-1}" = 0 ] && echo OFF || echo ON)" ${PIU_CMAKE_ARGS:-} | grep -vE '^-- (Caffe2|Found|Performing|Looking|Detecting|Check)' || true
  [ -f "$BUILD/build.ninja" ] || { echo "[build] configure failed" >&2; exit 1; }
fi
echo "[build] building in $BUILD" >&2
# Progress lines are dropped; warnings, errors and the build's own exit status are kept.
set +e
cmake --build "$BUILD" -j "${PIU_JOBS:-$(nproc)}" | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)'
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "[build] failed (exit $status)" >&2; exit "$status"; }
test -x "$BUILD/bin/piu"

#!/usr/bin/env bash
# Installs dependencies (scripts/bootstrap.sh) and builds piu into build/ (override with PIU_BUILD_DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/bootstrap.sh"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release ${PIU_CMAKE_ARGS:-} >/dev/null
fi
echo "[build] building in $BUILD" >&2
cmake --build "$BUILD" -j "${PIU_JOBS:-$(nproc)}" | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)' || true
test -x "$BUILD/bin/piu"

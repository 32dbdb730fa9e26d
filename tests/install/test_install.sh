#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs out-of-tree consumers against it:
# one with find_package(piu REQUIRED) + piu::piu, one with pkg-config --cflags --libs piu; and runs
# the installed CLI (its version lines and, with the torch plugin, an export).
#   test_install.sh BUILD_DIR CMAKE MODELS_DIR WITH_TORCH
set -euo pipefail
BUILD="$1"; CMAKE="$2"; MODELS="$3"; WITH_TORCH="$4"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/piu-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"
MODEL="$MODELS/shapes.onnx"
[ -f "$MODEL" ] || { echo "missing $MODEL: run scripts/models.sh" >&2; exit 1; }

"$CMAKE" --install "$BUILD" --prefix "$PREFIX" >/dev/null
# The prefix must work wherever it is: move it before anything uses it.
mv "$PREFIX" "$WORK/moved"; PREFIX="$WORK/moved"
sed -i "s#^prefix=.*#prefix=$PREFIX#" "$PREFIX/lib/pkgconfig/piu.pc"

echo "== find_package(piu)"
"$CMAKE" -S "$HERE/consumer" -B "$WORK/consumer-build" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
"$CMAKE" --build "$WORK/consumer-build" >/dev/null
"$WORK/consumer-build/consumer" "$MODEL" "$WORK/optimized.onnx"
test -s "$WORK/optimized.onnx"

echo "== pkg-config piu"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
# shellcheck disable=SC2046
g++ -O1 -o "$WORK/consumer-pc" "$HERE/consumer/main.cpp" $(pkg-config --cflags --libs piu)
"$WORK/consumer-pc" "$MODEL"

echo "== installed CLI"
"$PREFIX/bin/piu" --version
if [ "$WITH_TORCH" = ON ]; then
  "$PREFIX/bin/piu" export "$MODELS/shapes.pt" -o "$WORK/shapes.onnx" --shape x:-1x3x64x64 --threads 1 >/dev/null
  "$WORK/consumer-build/consumer" "$WORK/shapes.onnx"
fi
echo "install test passed"

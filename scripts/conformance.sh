#!/usr/bin/env bash
# The conformance tier: every ONNX backend node test (onnx 1.22's onnx/backend/test/data/node,
# installed by bootstrap) through `piu optimize`'s default pass list and --fixed-point.
#   scripts/conformance.sh [--filter TEXT] [--json FILE]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/build.sh"
DATA=$(ls -d "$ROOT"/.deps/venv/lib/python3*/site-packages/onnx/backend/test/data/node | head -1)
"$BUILD/tests/piu_conformance" "$DATA" "$@"

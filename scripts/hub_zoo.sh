#!/usr/bin/env bash
# The zoo beyond torchvision (opt-in, slow: about an hour on 16 cores for the whole list): timm image
# models and small random-init transformers models, each traced, exported and verified by `piu export`,
# then `piu optimize`, `piu simplify` and onnxslim with node counts (tests/zoo/hub_zoo.py).
#
# timm and transformers go into their own venv, .deps-zoo/venv, made with the system site packages so
# that it traces with Debian's torch 1.13 (the torch piu's plugin links here). Versions that still
# support torch 1.13: timm 0.9.16, transformers 4.40.2. "numpy<2" keeps Debian's NumPy 1.24 (torch 1.13
# is built against NumPy 1.x: with NumPy 2 it says "Numpy is not available"); onnx and onnxslim would
# pull NumPy 2, so they are not installed there. onnxslim
# is only measured, from .deps/venv-peers (scripts/zoo.sh installs it).
#   scripts/hub_zoo.sh [--json OUT.jsonl] [--markdown] [--source timm|transformers] [MODEL ...]
# Elsewhere (e.g. a machine with torch, timm and transformers already installed and no network):
#   python3 tests/zoo/hub_zoo.py --piu PATH/TO/piu --checker-python PY_WITH_ONNX --slim-python PY_WITH_ONNXSLIM ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/build.sh"
ZOO="$ROOT/.deps-zoo/venv"
if [ ! -x "$ZOO/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$ZOO"
  "$ZOO/bin/pip" install -q --disable-pip-version-check "timm==0.9.16" "transformers==4.40.2" "numpy<2"
fi
PEERS="$ROOT/.deps/venv-peers"
if [ ! -x "$PEERS/bin/python" ]; then
  /usr/bin/python3 -m venv "$PEERS"
  "$PEERS/bin/pip" install -q --disable-pip-version-check "onnx==1.22.0" onnxoptimizer onnxsim onnxslim numpy
fi
"$ZOO/bin/python" -W ignore "$ROOT/tests/zoo/hub_zoo.py" --piu "$BUILD/bin/piu" --slim-python "$PEERS/bin/python" "$@"

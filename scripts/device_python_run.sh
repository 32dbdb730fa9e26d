#!/usr/bin/env bash
# Runs THERE (the GPU machine, from the repo root; pack the bundle here first with
# scripts/device_python.sh): builds piu's wheel with `pip wheel .` for the torch venv's Python
# against its torch (2.11), installs it into a fresh folder, and runs tests/python with it.
#
# Through the device tool (`run`), carry [".device-bundle"], timeout_s 600:
#   bash scripts/device_python_run.sh
# What comes back in $OUT: run.log (versions, build, install, versions of the installed package,
# the tests' output) and pytest.xml.
# Environment: PYTHON (default: python3 on PATH, the torch venv's there).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
B="$ROOT/.device-bundle"
OUT="${OUT:-$ROOT/.device-out}"
PY="${PYTHON:-python3}"
W=/tmp/piu-python
mkdir -p "$OUT" "$W"
LOG="$OUT/run.log"
: >"$LOG"
say() { echo "$@" | tee -a "$LOG"; }
logrun() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }
[[ -f "$B/deps.tgz" && -f "$B/models.tgz" ]] || { say "no .device-bundle (run scripts/device_python.sh here and carry it)"; exit 1; }

say "== versions"
logrun bash -c 'grep PRETTY_NAME /etc/os-release; g++ --version | head -1; cmake --version | head -1; echo "nproc $(nproc)"'
logrun "$PY" -c 'import sys, torch, numpy; print("python", sys.version.split()[0], sys.executable); print("torch", torch.__version__, "numpy", numpy.__version__)'

say "== unpacking"
tar -xzf "$B/deps.tgz" -C "$W" && tar -xzf "$B/models.tgz" -C "$W" || { say "unpack FAILED"; exit 1; }
rm -rf "$ROOT/.deps" && ln -s "$W/deps" "$ROOT/.deps"
# CMAKE_POLICY_VERSION_MINIMUM: CMake 4 there refuses package files that ask for policies < 3.5.
export CPATH="$W/include${CPATH:+:$CPATH}" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" CMAKE_POLICY_VERSION_MINIMUM=3.5

# The venv's cmake and ninja are PyPI wrapper scripts that import their Python package, which pip's
# build isolation hides: put the real binaries first on PATH.
for tool in cmake ninja; do
  pkg="$("$PY" -c "import os, $tool; print(os.path.dirname($tool.__file__))" 2>/dev/null)"
  real="$([[ -n "$pkg" ]] && find "$pkg" -type f -name "$tool" -perm -u+x 2>/dev/null | head -1)"
  [[ -n "$real" ]] && PATH="$(dirname "$real"):$PATH"
done
export PATH
say "cmake: $(command -v cmake), ninja: $(command -v ninja)"

say "== pip wheel . (build isolation, requirements from .deps/wheelhouse)"
t0=$SECONDS
rm -rf "$W/dist" "$W/site"
logrun "$PY" -m pip wheel -v . --no-deps --no-index --find-links .deps/wheelhouse -w "$W/dist" -C build-dir="$W/build" \
  || { say "pip wheel FAILED"; exit 2; }
say "built in $((SECONDS - t0)) s: $(ls "$W"/dist)"
logrun "$PY" -m pip install --no-deps --no-index --target "$W/site" "$W"/dist/piu-*.whl || { say "install FAILED"; exit 2; }

say "== the installed package"
cd /tmp
logrun env PYTHONPATH="$W/site" "$PY" -c 'import piu, pytorch_infer_utils; print(piu.__file__); print(piu.versions())'
logrun env PYTHONPATH="$W/site" "$W/site/bin/piu" --version
logrun bash -c "ldd $W/site/piu/lib/*.so $W/site/piu/_piu*.so | grep -E 'not found|torch|onnxruntime|piu' | sort -u"
cd "$ROOT"

say "== tests/python (one pytest per file, so that a crash in one file does not hide the others)"
rc=0
has_onnx=$("$PY" -c 'import onnx' >/dev/null 2>&1 && echo 1 || echo 0)
for f in tests/python/test_*.py; do
  name="$(basename "$f" .py)"
  # conftest.py's ONNX_TESTS need the onnx package (CTest runs them under the venv's Python).
  if [[ $has_onnx = 0 ]] && sed -n 's/^ONNX_TESTS = //p' tests/python/conftest.py | grep -q "\"$name.py\""; then
    say "$name: not run ($PY has no onnx package)"
    continue
  fi
  logrun env PYTHONPATH="$W/site:$ROOT/tests" PIU_BIN="$W/site/piu/bin" PIU_MODELS_DIR="$W/models" PIU_WITH_TORCH=ON \
    ${PIU_PRELOAD:+LD_PRELOAD="$PIU_PRELOAD"} "$PY" -m pytest -q -rs -p no:cacheprovider -p piu_pytest \
    --junitxml="$OUT/pytest-$name.xml" "$f"
  code=$?
  say "$name: exit code $code"
  [[ $code -eq 0 ]] || rc=1
done
say "tests/python exit code $rc"
exit $rc

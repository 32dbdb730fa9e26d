#!/usr/bin/env bash
# `pip wheel` of the source tree (pyproject.toml, scikit-build-core), offline, then the wheel in a
# fresh venv outside the source tree: `pip install`, ldd of every installed binary, and, from a
# folder outside the source tree with no PYTHONPATH, check_wheel.py (imports, the `piu` console
# script, export and runs). The source tree must be left as it was (ignored build folders aside).
#   test_wheel.sh SOURCE_DIR WHEEL_BUILD_DIR WHEELHOUSE CXX WARNINGS_AS_ERRORS PYBIND11_DIR WITH_TORCH ORT_LIBRARY MODELS_DIR
# WHEEL_BUILD_DIR persists between runs (incremental rebuilds); CXX, WARNINGS_AS_ERRORS and
# PYBIND11_DIR are the main build's, so that the wheel's compile commands equal it and ccache hits.
set -euo pipefail
SRC="$1"; BUILD="$2"; WHEELHOUSE="$3"; CXX_COMPILER="$4"; WERROR="$5"; PYBIND11_DIR="$6"; WITH_TORCH="$7"
ORT_LIBRARY="$8"; MODELS="$9"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/piu-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
unset PYTHONPATH
[ -d "$WHEELHOUSE" ] || { echo "missing $WHEELHOUSE: run scripts/bootstrap.sh" >&2; exit 1; }
ORT_VERSION="$(basename "$(readlink -f "$ORT_LIBRARY")" | sed -n 's/^libonnxruntime\.so\.//p')"
source_state() { git -C "$SRC" status --porcelain --untracked-files=all 2>/dev/null || true; }
before="$(source_state)"

echo "== pip wheel (build folder $BUILD)"
start=$SECONDS
# pip 23.0 (Debian 12) takes --config-settings, not -C; it builds in the source tree.
if ! (cd "$WORK" && CXX="$CXX_COMPILER" /usr/bin/python3 -m pip wheel "$SRC" --no-deps --no-index \
      --find-links "$WHEELHOUSE" -w "$WORK/dist" --disable-pip-version-check --no-cache-dir -v \
      --config-settings=build-dir="$BUILD" \
      --config-settings=cmake.define.PIU_WARNINGS_AS_ERRORS="$WERROR" \
      --config-settings=cmake.define.PIU_WITH_TORCH="$WITH_TORCH" \
      --config-settings=cmake.define.pybind11_DIR="$PYBIND11_DIR" >"$WORK/pip.log" 2>&1); then
  tail -60 "$WORK/pip.log" >&2; exit 1
fi
wheel=$(ls "$WORK"/dist/piu-*.whl)
echo "$(basename "$wheel"): $(du -h "$wheel" | cut -f1), built in $((SECONDS - start)) s"

echo "== pip install into a fresh venv"
/usr/bin/python3 -m venv --system-site-packages "$WORK/venv"  # Debian's numpy and torch, offline
"$WORK/venv/bin/pip" install -q --disable-pip-version-check --no-cache-dir --no-index --no-deps "$wheel"
package="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')/piu"
binaries=("$package"/_piu*.so "$package/lib/libpiu.so" "$package/lib/libonnxruntime.so.1" "$package/bin/piu")
[ "$WITH_TORCH" = ON ] && binaries+=("$package/lib/libpiu_torch.so")
for f in "${binaries[@]}"; do
  [ -f "$f" ] || { echo "missing from the wheel: $f" >&2; exit 1; }
  if ldd "$f" | grep -q "not found"; then echo "$f:" >&2; ldd "$f" >&2; exit 1; fi
  # $ORIGIN-relative: nothing may be found through the build or source folder.
  if readelf -d "$f" | grep -E "R(UN)?PATH" | grep -qF -e "$BUILD" -e "$SRC"; then
    echo "$f: rpath into the build: $(readelf -d "$f" | grep -E "R(UN)?PATH")" >&2; exit 1
  fi
done
echo "ldd: every library of ${#binaries[@]} installed binaries resolves, no rpath into the build"

echo "== from $WORK, no PYTHONPATH"
(cd "$WORK" && "$WORK/venv/bin/python" "$HERE/check_wheel.py" "$WORK" "$ORT_VERSION" "$WITH_TORCH" "$MODELS")

after="$(source_state)"
if [ "$before" != "$after" ]; then
  echo "the wheel build changed the source tree:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "wheel test passed"

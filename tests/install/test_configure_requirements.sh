#!/usr/bin/env bash
# LibTorch and pybind11 are required unless explicitly opted out: configuring with one hidden fails
# with a message naming it and where it comes from; -DPIU_WITH_TORCH=OFF configures without the
# torch plugin and the TorchScript test cases, -DPIU_BUILD_PYTHON=OFF without the Python module
# and its tests. A wheel's configure (SKBUILD) follows the torch of its Python instead.
#   test_configure_requirements.sh SOURCE_DIR CMAKE PIU_DEPS_DIR
set -euo pipefail
SRC="$1"; CMAKE="$2"; DEPS="$3"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/piu-configure.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
configure() {  # configure DIR ARGS...: configures into $WORK/DIR, its output in $WORK/DIR.log
  local dir="$1"; shift
  "$CMAKE" -S "$SRC" -G Ninja -DPIU_DEPS_DIR="$DEPS" "$@" -B "$WORK/$dir" >"$WORK/$dir.log" 2>&1
}
# expect_refusal DIR MESSAGE PACKAGE ARGS...: configuring fails, saying MESSAGE and naming PACKAGE.
expect_refusal() {
  local dir="$1" message="$2" package="$3"; shift 3
  if configure "$dir" "$@"; then echo "configure succeeded although it should say: $message" >&2; exit 1; fi
  grep -q "$message" "$WORK/$dir.log" || { cat "$WORK/$dir.log" >&2; exit 1; }
  grep -q "$package" "$WORK/$dir.log" || { echo "the message does not name $package" >&2; exit 1; }
  echo "configure fails: $message (naming $package)"
}
no_torch=(-DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON)
expect_refusal a "LibTorch not found" libtorch-dev "${no_torch[@]}"
configure b "${no_torch[@]}" -DPIU_WITH_TORCH=OFF -DPIU_BUILD_PYTHON=OFF || { cat "$WORK/b.log" >&2; exit 1; }
if grep -q "libpiu_torch\|test_torch_session" "$WORK/b/build.ninja"; then
  echo "PIU_WITH_TORCH=OFF still builds the torch plugin or its tests" >&2; exit 1
fi
grep -q "PIU_WITH_TORCH=OFF" "$WORK/b/tests/CTestTestfile.cmake" || { echo "pytest suites do not see PIU_WITH_TORCH=OFF" >&2; exit 1; }
echo "with -DPIU_WITH_TORCH=OFF: configures without the torch plugin and its tests"
if grep -q "piu_module.cpp" "$WORK/b/build.ninja" || grep -q "tests/python" "$WORK/b/tests/CTestTestfile.cmake"; then
  echo "PIU_BUILD_PYTHON=OFF still builds the Python module or registers its tests" >&2; exit 1
fi
echo "with -DPIU_BUILD_PYTHON=OFF: configures without the Python module and its tests"
expect_refusal c "pybind11 >= 2.12 not found" bootstrap.sh -DPIU_WITH_TORCH=OFF -DCMAKE_DISABLE_FIND_PACKAGE_pybind11=ON

# A wheel (SKBUILD, as scikit-build-core configures it) takes LibTorch from the torch of the Python
# it is for: without torch it configures without the plugin, saying so in one line; a LibTorch that
# is not the library that torch loads is refused.
wheel=(-DSKBUILD=2 -DPIU_BUILD_TESTS=OFF -DPIU_BUILD_EXAMPLES=OFF)
configure d "${wheel[@]}" -DPython_EXECUTABLE="$DEPS/venv/bin/python" || { cat "$WORK/d.log" >&2; exit 1; }
[ "$(grep -c "No torch in" "$WORK/d.log")" = 1 ] || { cat "$WORK/d.log" >&2; echo "no single line saying there is no torch" >&2; exit 1; }
if grep -q "libpiu_torch" "$WORK/d/build.ninja"; then echo "a wheel for a Python without torch builds the plugin" >&2; exit 1; fi
echo "a wheel for a Python without torch: $(grep -o "No torch in.*" "$WORK/d.log")"
mkdir -p "$WORK/other-torch"
touch "$WORK/other-torch/libtorch.so"
# shellcheck disable=SC2016  # CMake expands it
echo 'set(TORCH_LIBRARY "${CMAKE_CURRENT_LIST_DIR}/libtorch.so")' > "$WORK/other-torch/TorchConfig.cmake"
expect_refusal e "must link the libtorch that torch uses" Torch_DIR "${wheel[@]}" \
  -DPython_EXECUTABLE=/usr/bin/python3 -DTorch_DIR="$WORK/other-torch"

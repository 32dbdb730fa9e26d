#!/usr/bin/env bash
# LibTorch is required unless explicitly opted out: configuring with LibTorch hidden fails with a
# message naming it; adding -DPIU_WITH_TORCH=OFF configures without the torch plugin and without
# the TorchScript test cases.
#   test_configure_without_torch.sh SOURCE_DIR CMAKE PIU_DEPS_DIR
set -euo pipefail
SRC="$1"; CMAKE="$2"; DEPS="$3"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/piu-configure.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
args=(-S "$SRC" -G Ninja -DPIU_DEPS_DIR="$DEPS" -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON)
if "$CMAKE" "${args[@]}" -B "$WORK/a" >"$WORK/a.log" 2>&1; then
  echo "configure succeeded without LibTorch" >&2; exit 1
fi
grep -q "LibTorch not found" "$WORK/a.log" || { cat "$WORK/a.log" >&2; exit 1; }
grep -q "libtorch-dev" "$WORK/a.log" || { echo "the message does not name the package" >&2; exit 1; }
echo "without LibTorch: configure fails naming it"
"$CMAKE" "${args[@]}" -DPIU_WITH_TORCH=OFF -B "$WORK/b" >"$WORK/b.log" 2>&1 || { cat "$WORK/b.log" >&2; exit 1; }
if grep -q "libpiu_torch\|test_torch_session" "$WORK/b/build.ninja"; then
  echo "PIU_WITH_TORCH=OFF still builds the torch plugin or its tests" >&2; exit 1
fi
grep -q "PIU_WITH_TORCH=OFF" "$WORK/b/tests/CTestTestfile.cmake" || { echo "pytest suites do not see PIU_WITH_TORCH=OFF" >&2; exit 1; }
echo "with -DPIU_WITH_TORCH=OFF: configures without the torch plugin and its tests"

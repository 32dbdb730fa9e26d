#!/usr/bin/env bash
# Compiles the torch plugin's sources (-fsyntax-only, warnings as errors) against another LibTorch's
# headers than the one this machine builds with, e.g. the GPU machine's torch 2.11 (a CUDA build):
# its CUDA-graph code (PIU_TORCH_CUDA) and AOTInductor code (found by __has_include) are then
# compiled too. The headers come from a torch wheel; no GPU and no linking needed.
#
#   pip download torch==2.11.0 --no-deps -d /tmp/torchwheel --python-version 311 --only-binary :all: \
#       --platform manylinux_2_28_x86_64
#   mkdir -p /tmp/torch211 && unzip -q -o /tmp/torchwheel/torch-2.11.0-*.whl 'torch/include/*' -d /tmp/torch211
#   scripts/check_torch_headers.sh /tmp/torch211/torch/include [CUDA_INCLUDE_DIR, default /usr/local/cuda/include]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="${1:?usage: check_torch_headers.sh TORCH_INCLUDE_DIR [CUDA_INCLUDE_DIR]}"
CUDA_INC="${2:-/usr/local/cuda/include}"
cd "$ROOT"
# The plugin's sources as CMakeLists.txt's add_library(piu_torch SHARED ...) lists them.
mapfile -t SRCS < <(python3 -c '
import re, sys
m = re.search(r"add_library\(\s*piu_torch\s+SHARED\s+([^)]*)\)", open(sys.argv[1]).read())
print("\n".join(s for s in m.group(1).split() if s.endswith(".cpp")))' CMakeLists.txt)
rc=0
for src in "${SRCS[@]}"; do
  if g++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -D_GLIBCXX_USE_CXX11_ABI=1 -DPIU_TORCH_CUDA \
      -DONNX_ML=1 -DONNX_NAMESPACE=piu_onnx -isystem "$T" -isystem "$T/torch/csrc/api/include" \
      -isystem "$CUDA_INC" -I include -I src -isystem .deps/onnx/include "$src"; then
    echo "ok      $src"
  else
    echo "FAILED  $src"
    rc=1
  fi
done
exit $rc

#!/usr/bin/env bash
# Runs THERE (the GPU machine, from the repo root), after the c1..c3 calls of scripts/device_gpu.sh
# and with .device-bundle/c4 carried: assembles ONNX Runtime's GPU build in /tmp/g/ort, builds piu
# from these sources against it and against that machine's torch (LibTorch with CUDA, AOTInductor),
# and runs the GPU tier: tests/cli/test_device.py, tests/cli/test_gpu_*.py and tests/gpu (pytest), plus a few
# commands whose output docs/gpu.md quotes. The build stays in /tmp/piu-gpu/build for
# scripts/device_gpu_bench.sh (next call, while the machine is warm).
#
# What comes back in $OUT: run.log (versions, configure summary, build, commands, tests) and
# pytest-gpu.xml. Environment: PYTHON (default: the torch venv's python3), PIU_GPU_TESTS (pytest
# arguments instead of the whole tier).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/.device-out}"
G=/tmp/g
W=/tmp/piu-gpu
PY="${PYTHON:-$(command -v python3)}"
NV="$("$PY" -c 'import nvidia; print(list(nvidia.__path__)[0])' 2>/dev/null)"
[[ -n "$NV" ]] || NV=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
mkdir -p "$OUT" "$W"
LOG="$OUT/run.log"
: >"$LOG"
say() { echo "$@" | tee -a "$LOG"; }
logrun() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }

say "== versions ($(date -u +%FT%TZ))"
logrun bash -c 'nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; grep PRETTY_NAME /etc/os-release; g++ --version | head -1; echo "nproc $(nproc)"'
logrun "$PY" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)'

say "== ONNX Runtime's GPU build"
[[ -f "$G/ort.so.zst" && -f "$G/ORT_VERSION" && -f .device-bundle/c4/deps.tgz ]] || { say "missing the c1..c3 parts in $G or c4 (see scripts/device_gpu.sh)"; exit 1; }
V="$(cat "$G/ORT_VERSION")"
cp .device-bundle/c4/cuda.so.zst.03 "$G/"
mkdir -p "$G/ort"
(cd "$G" && chmod +x zstd && cat cuda.so.zst.0* > cuda.so.zst && ./zstd -d -q -f cuda.so.zst -o ort/libonnxruntime_providers_cuda.so \
  && rm -f cuda.so.zst cuda.so.zst.0* && ./zstd -d -q -f ort.so.zst -o "ort/libonnxruntime.so.$V" && ln -sf "libonnxruntime.so.$V" ort/libonnxruntime.so.1 \
  && mv -f libonnxruntime_providers_shared.so libonnxruntime_providers_tensorrt.so ort/) || { say "assembling FAILED"; exit 1; }
logrun ls -la "$G/ort"
tar -xzf .device-bundle/c4/deps.tgz -C "$W" || { say "unpacking deps FAILED"; exit 1; }

say "== configure and build (LibTorch from $PY's torch)"
for tool in cmake ninja; do  # the venv's are PyPI wrappers; the real binaries first on PATH
  pkg="$("$PY" -c "import os, $tool; print(os.path.dirname($tool.__file__))" 2>/dev/null)"
  real="$([[ -n "$pkg" ]] && find "$pkg" -type f -name "$tool" -perm -u+x 2>/dev/null | head -1)"
  [[ -n "$real" ]] && PATH="$(dirname "$real"):$PATH"
done
export PATH CPATH="$W/include${CPATH:+:$CPATH}" CMAKE_POLICY_VERSION_MINIMUM=3.5
TORCH_PREFIX="$("$PY" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"
t0=$SECONDS
logrun cmake -S "$ROOT" -B "$W/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPIU_DEPS_DIR="$W/deps" \
  -DONNXRUNTIME_ROOT="$G/ort" -DPIU_BUILD_TESTS=OFF -DPIU_BUILD_EXAMPLES=OFF -DPIU_BUILD_PYTHON=OFF \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" 2>&1 | grep -vE '^-- (Found|Performing|Looking|Detecting|Check)' >/dev/null
[[ -f "$W/build/build.ninja" ]] || { say "configure FAILED"; exit 2; }
grep -E "ONNX Runtime:|LibTorch|piu_torch|AOT|CUDA" "$W/build/CMakeCache.txt" | grep -vE "^//|_DIR:|INTERNAL" | head -20 | tee -a "$LOG" >/dev/null
logrun cmake --build "$W/build" -j "$(nproc)" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)' | tail -40
[[ -x "$W/build/bin/piu" ]] || { say "build FAILED"; exit 2; }
say "built in $((SECONDS - t0)) s"

export LD_LIBRARY_PATH="$G/ort:$NV/cu13/lib:$NV/cudnn/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
P="$W/build/bin/piu"
M="$G/models"
# The torch tests' ResNet-18 (47 MB: more than a carry has room for), made there with its torchvision.
"$PY" - "$M" <<'PY' 2>&1 | tee -a "$LOG"
import sys, numpy as np, torch, torchvision
d = sys.argv[1]
torch.manual_seed(0)
m = torchvision.models.resnet18().eval()
x = torch.randn(2, 3, 224, 224)
with torch.no_grad():
    torch.jit.save(torch.jit.trace(m, x), f"{d}/resnet18.pt")
np.save(f"{d}/resnet18.input.npy", x.numpy())
print("made resnet18.pt and resnet18.input.npy")
PY
say "== commands"
logrun "$P" --version
logrun "$P" doctor
logrun "$P" compare "$M/mobilenet_v3_small.onnx" --batch 8 --device cpu --device-b cuda:0
logrun "$P" compare "$M/resnet18.pt" --input "$M/resnet18.input.npy" --device cpu --device-b cuda:0
logrun "$P" compare "$M/resnet18.pt" --input "$M/resnet18.input.npy" --device cpu --device-b cuda:0 --provider-option-b tf32=1
logrun "$P" fp16 "$M/shapes.onnx" -o "$W/shapes_fp16.onnx"
logrun "$P" compare "$M/shapes.onnx" "$W/shapes_fp16.onnx" --batch 8 --device-b cuda:0 --min-sqnr 40
logrun "$P" compare "$M/mobilenet_v3_small.onnx" --batch 8 --device cuda --provider-option enable_cuda_graph=1 --device-b cuda:0
logrun "$P" run "$M/shapes.onnx" --backend tensorrt --device cuda:0
logrun "$P" bench "$M/mobilenet_v3_small.onnx" --device cuda:0 --io host --batch 1,32 --duration 1
logrun "$P" bench "$M/mobilenet_v3_small.onnx" --device cuda:0 --io device --batch 1,32 --duration 1

say "== GPU tier (pytest)"
tests=(tests/cli/test_device.py tests/cli/test_gpu_*.py tests/gpu)
[[ -n "${PIU_GPU_TESTS:-}" ]] && read -r -a tests <<<"$PIU_GPU_TESTS"  # a subset, e.g. to rerun what failed
logrun env PYTHONPATH="$ROOT/tests" PIU_BIN="$W/build/bin" PIU_MODELS_DIR="$M" "$PY" -m pytest -q -rs -p no:cacheprovider \
  -p piu_pytest --junitxml="$OUT/pytest-gpu.xml" "${tests[@]}"
rc=$?
say "GPU tier exit code $rc"
exit $rc

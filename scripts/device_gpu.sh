#!/usr/bin/env bash
# Packs the GPU tier for the GPU machine, which builds piu from these sources against ITS LibTorch
# (torch 2.x with CUDA) and ONNX Runtime's GPU build (onnxruntime-gpu from PyPI, the same version
# as the CPU runtime bootstrap.sh installs), then runs the GPU tests and the GPU benchmark. The
# CUDA provider library is 284 MB; the device tool carries 64 MiB a call, so the bundle is four
# folders, each carried by one call, back to back (the machine keeps /tmp only 30 s after a call):
#
#   .device-bundle/c1   zstd chunk 0 of libonnxruntime_providers_cuda.so, the runtime (zstd), zstd
#   .device-bundle/c2   chunk 1, the shared and TensorRT provider libraries, ORT_VERSION
#   .device-bundle/c3   chunk 2, the small test models
#   .device-bundle/c4   chunk 3, deps.tgz: the namespaced ONNX library, ONNX Runtime's headers, stb
#
# Usage: here, after scripts/build.sh and scripts/models.sh (needs PyPI, or PIU_ORT_GPU_WHEEL=path
# of an onnxruntime_gpu wheel already downloaded):
#   bash scripts/device_gpu.sh
# then through the device tool `run`, one call each, with carry [".device-bundle/cK"]:
#   rm -rf /tmp/g && mkdir -p /tmp/g && cp -r .device-bundle/c1/* /tmp/g/
#   cp -r .device-bundle/c2/* /tmp/g/
#   cp -r .device-bundle/c3/* /tmp/g/
#   bash scripts/device_gpu_run.sh            (carry .device-bundle/c4: builds, runs tests/gpu)
#   bash scripts/device_gpu_bench.sh export, then piu, then torch   (no carry: the GPU benchmark)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
MODELS="${PIU_MODELS_DIR:-$BUILD/models}"
DEPS="${PIU_DEPS:-$ROOT/.deps}"
ORT_VERSION="$(sed -n 's/^ORT_VERSION=//p' "$ROOT/scripts/bootstrap.sh")"
B="$ROOT/.device-bundle"
for f in "$MODELS/shapes.onnx" "$MODELS/shapes.pt" "$MODELS/mobilenet_v3_small.onnx" "$DEPS/onnx" \
         "$DEPS/onnxruntime/include" /usr/include/stb; do
  [[ -e "$f" ]] || { echo "device_gpu.sh: missing $f (run scripts/build.sh and scripts/models.sh)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wheel="${PIU_ORT_GPU_WHEEL:-}"
if [[ -z "$wheel" ]]; then
  "$DEPS/venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$work" "onnxruntime-gpu==$ORT_VERSION" \
    --python-version 311 --only-binary :all: --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64
  wheel="$(ls "$work"/onnxruntime_gpu-*.whl)"
fi
(cd "$work" && unzip -q -o "$wheel" 'onnxruntime/capi/libonnxruntime*')
capi="$work/onnxruntime/capi"
zstd -q -19 -T0 "$capi/libonnxruntime_providers_cuda.so" -o "$work/cuda.so.zst"
zstd -q -19 -T0 "$capi/libonnxruntime.so.$ORT_VERSION" -o "$work/ort.so.zst"
split -n 4 -d "$work/cuda.so.zst" "$work/cuda.so.zst."
rm -rf "$B" && mkdir -p "$B/c1" "$B/c2" "$B/c3/models" "$B/c4"
cp "$work/cuda.so.zst.00" "$work/ort.so.zst" "$(command -v zstd)" "$B/c1/"
cp "$work/cuda.so.zst.01" "$capi/libonnxruntime_providers_shared.so" "$capi/libonnxruntime_providers_tensorrt.so" "$B/c2/"
echo "$ORT_VERSION" > "$B/c2/ORT_VERSION"
cp "$work/cuda.so.zst.02" "$B/c3/"
cp -a "$MODELS/shapes.onnx" "$MODELS/shapes.pt" "$MODELS/mobilenet_v3_small.onnx" "$B/c3/models/"
cp "$work/cuda.so.zst.03" "$B/c4/"
mkdir -p "$work/deps/onnxruntime" "$work/include"
cp -a "$DEPS/onnx" "$work/deps/"
cp -a "$DEPS/onnxruntime/include" "$work/deps/onnxruntime/"
cp -a /usr/include/stb "$work/include/"
tar -C "$work" -czf "$B/c4/deps.tgz" deps include
du -sm "$B"/c* | while read -r size dir; do
  [[ $size -le 62 ]] || { echo "device_gpu.sh: $dir is $size MiB (over what one call carries)" >&2; exit 1; }
  echo "device_gpu.sh: $dir $size MiB"
done

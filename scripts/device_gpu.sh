#!/usr/bin/env bash
# Packs the GPU tier for the GPU machine: this build's piu CLI and libpiu.so, ONNX Runtime's GPU
# build (onnxruntime-gpu from PyPI, same version as the CPU runtime bootstrap.sh installs: the C API
# is the same, so libpiu runs on either), zstd, and the models the tier reads. The CUDA provider
# library is 284 MB; the device tool carries 64 MiB a call, so the bundle is four folders, each
# carried by one call, back to back (the machine keeps /tmp only 30 s after a call ends):
#
#   .device-bundle/c1 .. c3   a zstd chunk of libonnxruntime_providers_cuda.so each (+ the rest)
#   .device-bundle/c4         the last chunk, the models and run.sh (scripts/device_gpu_run.sh)
#
# Usage: here, after scripts/build.sh and scripts/models.sh (needs PyPI):
#   bash scripts/device_gpu.sh
# then through the device tool `run`, one call each, with carry [".device-bundle/cK"]:
#   mkdir -p /tmp/g && cp .device-bundle/c1/* /tmp/g/      (c1: also rm -rf /tmp/g first)
#   cp .device-bundle/c2/* /tmp/g/
#   cp .device-bundle/c3/* /tmp/g/
#   bash scripts/device_gpu_run.sh                          (carry .device-bundle/c4)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
MODELS="${PIU_MODELS_DIR:-$BUILD/models}"
VENV="${PIU_DEPS:-$ROOT/.deps}/venv"
ORT_VERSION="$(sed -n 's/^ORT_VERSION=//p' "$ROOT/scripts/bootstrap.sh")"
B="$ROOT/.device-bundle"
for f in "$BUILD/bin/piu" "$BUILD/libpiu.so" "$MODELS/shapes.onnx" "$MODELS/mobilenet_v3_small.onnx"; do
  [[ -e "$f" ]] || { echo "device_gpu.sh: missing $f (run scripts/build.sh and scripts/models.sh)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$work" "onnxruntime-gpu==$ORT_VERSION" \
  --python-version 311 --only-binary :all: --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64
(cd "$work" && unzip -q -o onnxruntime_gpu-*.whl 'onnxruntime/capi/libonnxruntime*')
capi="$work/onnxruntime/capi"
zstd -q -19 -T0 "$capi/libonnxruntime_providers_cuda.so" -o "$work/cuda.so.zst"
zstd -q -19 -T0 "$capi/libonnxruntime.so.$ORT_VERSION" -o "$work/ort.so.zst"
split -n 4 -d "$work/cuda.so.zst" "$work/cuda.so.zst."
rm -rf "$B" && mkdir -p "$B/c1" "$B/c2" "$B/c3" "$B/c4/models"
cp "$work/cuda.so.zst.00" "$work/ort.so.zst" "$(command -v zstd)" "$B/c1/"
cp "$work/cuda.so.zst.01" "$BUILD/bin/piu" "$BUILD/libpiu.so" "$capi/libonnxruntime_providers_shared.so" "$B/c2/"
cp "$work/cuda.so.zst.02" "$B/c3/"
cp "$work/cuda.so.zst.03" "$B/c4/"
cp "$MODELS/shapes.onnx" "$MODELS/mobilenet_v3_small.onnx" "$B/c4/models/"
echo "$ORT_VERSION" > "$B/c4/ORT_VERSION"
du -sm "$B"/c* | while read -r size dir; do
  [[ $size -le 62 ]] || { echo "device_gpu.sh: $dir is $size MiB (over what one call carries)" >&2; exit 1; }
  echo "device_gpu.sh: $dir $size MiB"
done

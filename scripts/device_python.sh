#!/usr/bin/env bash
# Packs what the GPU machine needs to build piu's Python package (pip wheel .) against ITS torch
# (a pip torch, 2.11 as of 2026-12) and run tests/python there. That machine has no network: the
# wheel's build requirements come from .deps/wheelhouse (scripts/bootstrap.sh fills it).
#
#   .device-bundle/deps.tgz        deps/{onnx,onnxruntime,wheelhouse}: the namespaced ONNX library,
#                                  ONNX Runtime 1.31.1 (headers + runtime), scikit-build-core and
#                                  pybind11 wheels; include/stb (Debian's libstb-dev headers)
#   .device-bundle/models.tgz      the models tests/python reads (scripts/models.sh made them here)
#
# Usage: here, after scripts/build.sh and scripts/models.sh:
#   bash scripts/device_python.sh
# then through the device tool `run`, carry [".device-bundle"], timeout_s 600:
#   bash scripts/device_python_run.sh
# .device-bundle/ is ignored by git; the device tool carries at most 64 MiB.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${PIU_DEPS:-$ROOT/.deps}"
MODELS="${PIU_MODELS_DIR:-$ROOT/build/models}"
OUTDIR="$ROOT/.device-bundle"
LIMIT_MIB=60
for f in "$DEPS/onnx" "$DEPS/onnxruntime" "$DEPS/wheelhouse" /usr/include/stb "$MODELS/shapes.onnx" "$MODELS/resnet18.onnx"; do
  [[ -e "$f" ]] || { echo "device_python.sh: missing $f (run scripts/bootstrap.sh, scripts/build.sh, scripts/models.sh)" >&2; exit 1; }
done
rm -rf "$OUTDIR"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$OUTDIR" "$stage/deps" "$stage/include" "$stage/models"
cp -a "$DEPS/onnx" "$DEPS/onnxruntime" "$DEPS/wheelhouse" "$stage/deps/"
cp -a /usr/include/stb "$stage/include/"
tar -C "$stage" -czf "$OUTDIR/deps.tgz" deps include
# What tests/python reads through conftest.model().
for f in shapes.onnx shapes.pt shapes.labels.txt cases resnet18.onnx resnet18.input.npy resnet18.output.npy \
         circle.png square.png triangle.png; do
  cp -a "$MODELS/$f" "$stage/models/"
done
tar -C "$stage" -czf "$OUTDIR/models.tgz" models
size=$(du -sm "$OUTDIR" | cut -f1)
echo "device_python.sh: $OUTDIR is $size MiB ($(git -C "$ROOT" rev-parse --short HEAD))"
[[ $size -le $LIMIT_MIB ]] || { echo "device_python.sh: over $LIMIT_MIB MiB" >&2; exit 1; }

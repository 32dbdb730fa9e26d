#!/usr/bin/env bash
# Sets everything up and runs piu's main job on the embedded demo model: a small image classifier
# that the project trains from its own generator (tests/gen_models.py). Prints the model's
# component versions, its export from TorchScript, its inspection, predictions for three images,
# a benchmark table and a deploy report.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/build.sh"
bash "$ROOT/scripts/models.sh" demo
M="$BUILD/models"
step() { if [ -t 1 ]; then printf '\n\033[1m$ %s\033[0m\n' "$*"; else printf '\n$ %s\n' "$*"; fi; }
step piu --version
"$BUILD/bin/piu" --version
step piu export models/shapes.pt -o demo/shapes.onnx --shape x:-1x3x64x64 --opset 17
mkdir -p "$BUILD/demo"
"$BUILD/bin/piu" export "$M/shapes.pt" -o "$BUILD/demo/shapes.onnx" --shape x:-1x3x64x64 --opset 17
step piu inspect models/shapes.onnx
"$BUILD/bin/piu" inspect "$M/shapes.onnx"
step classify_image models/shapes.onnx circle.png square.png triangle.png
"$BUILD/bin/classify_image" "$M/shapes.onnx" "$M/circle.png" "$M/square.png" "$M/triangle.png" --labels "$M/shapes.labels.txt"
step piu bench models/shapes.onnx --batch 1,8 --duration 2
"$BUILD/bin/piu" bench "$M/shapes.onnx" --batch 1,8 --duration 2
step piu deploy models/shapes.onnx -o deploy/shapes
"$BUILD/bin/piu" deploy "$M/shapes.onnx" -o "$BUILD/deploy/shapes" --duration 0.5
echo "report: $BUILD/deploy/shapes/report.md (chart: latency.png)"

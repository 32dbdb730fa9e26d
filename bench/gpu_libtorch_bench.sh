#!/usr/bin/env bash
# The LibTorch half of the GPU benchmark (issue 15) in one device call, without ONNX Runtime's GPU
# build: PyTorch eager and eager with CUDA graphs from Python, then piu's torch backend (TorchScript
# with CUDA graphs) and aoti backend (AOTInductor packages compiled for one batch each, with and
# without CUDA graphs) on the same models, dtypes and batches, side by side in one run; then the
# LibTorch GPU tests (tests/gpu/test_torch_cuda.py).
#
# Runs on the GPU machine through scripts/device_libtorch_run.sh, which compiles the torch plugin
# there first (carry [".device-bundle"] after scripts/device_libtorch.sh here):
#   ZOO_SCRIPT=bench/gpu_libtorch_bench.sh MODELS=vit_b_16 bash scripts/device_libtorch_run.sh
# Arguments: PIU OUT. Environment: MODELS (resnet50 vit_b_16), DTYPES (fp16,fp32), BATCHES (1,64),
# EXPORT_KINDS (pt,aoti-static), CONFIGS (gpu_bench.sh's filter; default the libtorch CUDA-graph and static AOTInductor configs),
# PYTEST (0 skips the tests), PYTEST_K (a -k selection), PYTHON (python3).
# What comes back in OUT: torch_gpu.json (PyTorch), piu_gpu.jsonl (piu), export.log, pytest-torch-gpu.xml;
# here: python3 bench/gpu_report.py --torch OUT/torch_gpu.json --piu OUT/piu_gpu.jsonl
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIU="${1:?usage: gpu_libtorch_bench.sh PIU OUT}" OUT="${2:?usage: gpu_libtorch_bench.sh PIU OUT}"
PY="${PYTHON:-python3}"
MODELS="${MODELS:-resnet50 vit_b_16}" DTYPES="${DTYPES:-fp16,fp32}" BATCHES="${BATCHES:-1,64}"
W="$(mktemp -d /tmp/piu-lt.XXXX)"
mkdir -p "$OUT"
t0=$SECONDS
"$PY" "$ROOT/bench/gpu_torch_baselines.py" --models "${MODELS// /,}" --dtypes "$DTYPES" --batches "$BATCHES" \
  --modes eager,cudagraph --json "$OUT/torch_gpu.json" 2>&1 | tail -12
echo "PyTorch side: $((SECONDS - t0)) s"
"$PY" "$ROOT/bench/gpu_torch_baselines.py" --models "${MODELS// /,}" --dtypes "$DTYPES" --batches "$BATCHES" \
  --modes none --export-dir "$W" --export-kinds "${EXPORT_KINDS:-pt,aoti-static}" 2>&1 | tee "$OUT/export.log"
echo "exports: $((SECONDS - t0)) s"
CONFIGS="${CONFIGS:-^(libtorch-graph|libtorch-graph-cl|aoti-static|aoti-static-graph):}" BATCHES="$BATCHES" \
  BENCH_ARGS="--warmup 10 --duration 1" bash "$ROOT/bench/gpu_bench.sh" "$PIU" "$W" "$OUT/piu_gpu.jsonl" $MODELS
echo "piu side: $((SECONDS - t0)) s"
if [[ "${PYTEST:-1}" != 0 ]]; then
  # The tests' models: shapes.pt (the demo model, carried in the bundle) for the CUDA probe; tests
  # that need the 47 MB ResNet-18 skip as "missing" here (scripts/device_gpu_run.sh runs them all).
  mkdir -p "$W/models" && cp "$(dirname "$PIU")/../models/shapes.pt" "$W/models/" 2>/dev/null
  PYTHONPATH="$ROOT/tests" PIU_BIN="$(dirname "$PIU")" PIU_MODELS_DIR="$W/models" "$PY" -m pytest -q -rs \
    -p no:cacheprovider -p piu_pytest --junitxml="$OUT/pytest-torch-gpu.xml" "$ROOT/tests/gpu/test_torch_cuda.py" \
    ${PYTEST_K:+-k "$PYTEST_K"} 2>&1 | tail -25
fi
echo "total: $((SECONDS - t0)) s"

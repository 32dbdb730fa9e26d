#!/usr/bin/env bash
# Runs THERE (the GPU machine, from the repo root) right after scripts/device_gpu_run.sh, while the
# machine is warm (its build in /tmp/piu-gpu/build and ONNX Runtime's GPU build in /tmp/g/ort): the
# GPU benchmark of one model (resnet50 or vit_b_16), PyTorch's side (bench/gpu_torch_baselines.py:
# eager, eager with CUDA graphs, torch.compile reduce-overhead; max-autotune when MODES says so)
# and piu's (bench/gpu_bench.sh), joined by bench/gpu_report.py.
#   bash scripts/device_gpu_bench.sh resnet50        (device tool, no carry, timeout 600)
# What comes back in $OUT: torch_MODEL.json, piu_MODEL.jsonl, report_MODEL.md, bench_MODEL.log.
# Environment: MODES (eager,cudagraph,reduce-overhead), CONFIGS and BENCH_ARGS for gpu_bench.sh.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODEL="${1:?usage: device_gpu_bench.sh resnet50|vit_b_16}"
OUT="${OUT:-$ROOT/.device-out}"
W=/tmp/piu-gpu
PY="${PYTHON:-$(command -v python3)}"
NV="$("$PY" -c 'import nvidia; print(list(nvidia.__path__)[0])' 2>/dev/null)"
[[ -x "$W/build/bin/piu" && -d /tmp/g/ort ]] || { echo "no build in $W (run scripts/device_gpu_run.sh first, in the call before)"; exit 1; }
export LD_LIBRARY_PATH="/tmp/g/ort:$NV/cu13/lib:$NV/cudnn/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$OUT"
LOG="$OUT/bench_$MODEL.log"
t0=$SECONDS
"$PY" bench/gpu_torch_baselines.py --models "$MODEL" --modes "${MODES:-eager,cudagraph,reduce-overhead}" \
  --export-dir "$W/export" --json "$OUT/torch_$MODEL.json" 2>&1 | tee "$LOG"
echo "PyTorch side and exports: $((SECONDS - t0)) s" | tee -a "$LOG"
BENCH_ARGS="${BENCH_ARGS:---warmup 10 --duration 1}" bash bench/gpu_bench.sh "$W/build/bin/piu" "$W/export" \
  "$OUT/piu_$MODEL.jsonl" "$MODEL" 2>&1 | tee -a "$LOG"
echo "total: $((SECONDS - t0)) s" | tee -a "$LOG"
"$PY" bench/gpu_report.py --torch "$OUT/torch_$MODEL.json" --piu "$OUT/piu_$MODEL.jsonl" -o "$OUT/report_$MODEL.md" 2>&1 | tail -40

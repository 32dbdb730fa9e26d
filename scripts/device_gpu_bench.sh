#!/usr/bin/env bash
# Runs THERE (the GPU machine, from the repo root) right after scripts/device_gpu_run.sh, while the
# machine is warm (its build in /tmp/piu-gpu/build and ONNX Runtime's GPU build in /tmp/g/ort): the
# GPU benchmark of issue 15 in three steps, one device call each (a call may run 10 minutes):
#   bash scripts/device_gpu_bench.sh export   # the model files piu reads (.pt, .onnx, AOTInductor .pt2)
#   bash scripts/device_gpu_bench.sh piu      # bench/gpu_bench.sh: piu bench on every GPU backend
#   bash scripts/device_gpu_bench.sh torch    # bench/gpu_torch_baselines.py: eager, CUDA graphs, torch.compile
# then here: python3 bench/gpu_report.py --torch torch_gpu.json --piu piu_gpu.jsonl
# What comes back in $OUT: torch_gpu.json, piu_gpu.jsonl, export.log / piu.log / torch.log, and with
# the last step report.md. Environment: MODELS (resnet50 vit_b_16), MODES (eager,cudagraph,
# reduce-overhead), DTYPES, BATCHES, CONFIGS and BENCH_ARGS for gpu_bench.sh.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STEP="${1:?usage: device_gpu_bench.sh export|piu|torch}"
OUT="${OUT:-$ROOT/.device-out}"
W=/tmp/piu-gpu
PY="${PYTHON:-$(command -v python3)}"
NV="$("$PY" -c 'import nvidia; print(list(nvidia.__path__)[0])' 2>/dev/null)"
MODELS="${MODELS:-resnet50 vit_b_16}"
[[ -x "$W/build/bin/piu" && -d /tmp/g/ort ]] || { echo "no build in $W (run scripts/device_gpu_run.sh first, in the call before)"; exit 1; }
export LD_LIBRARY_PATH="/tmp/g/ort:$NV/cu13/lib:$NV/cudnn/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$OUT"
t0=$SECONDS
case "$STEP" in
  export)
    "$PY" bench/gpu_torch_baselines.py --models "${MODELS// /,}" --modes none --export-dir "$W/export" 2>&1 | tee "$OUT/export.log"
    for m in $MODELS; do  # where torch.onnx fails (ViT on torch 2.11), piu's exporter makes the ONNX file
      [[ -f "$W/export/$m.onnx" || ! -f "$W/export/$m.export.pt" ]] && continue
      "$W/build/bin/piu" export "$W/export/$m.export.pt" -o "$W/export/$m.onnx" --shape input:-1x3x224x224 \
        --opset 17 --input-names input --output-names output 2>&1 | tail -5 | tee -a "$OUT/export.log"
    done
    cp "$W/export/export.json" "$OUT/" 2>/dev/null ;;
  piu)
    BENCH_ARGS="${BENCH_ARGS:---warmup 10 --duration 1}" bash bench/gpu_bench.sh "$W/build/bin/piu" "$W/export" \
      "$OUT/piu_gpu.jsonl" $MODELS 2>&1 | tee "$OUT/piu.log" ;;
  torch)
    "$PY" bench/gpu_torch_baselines.py --models "${MODELS// /,}" --modes "${MODES:-eager,cudagraph,reduce-overhead}" \
      ${DTYPES:+--dtypes "$DTYPES"} ${BATCHES:+--batches "$BATCHES"} --json "$OUT/torch_gpu.json" 2>&1 | tee "$OUT/torch.log" ;;
  *) echo "unknown step $STEP"; exit 2 ;;
esac
echo "$STEP: $((SECONDS - t0)) s" | tee -a "$OUT/$STEP.log"

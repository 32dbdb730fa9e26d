#!/usr/bin/env bash
# piu's side of the GPU benchmark (issue 15): `piu bench` on every GPU backend for the model files
# bench/gpu_torch_baselines.py --export-dir wrote, results appended as JSON lines to one file that
# bench/gpu_report.py joins with PyTorch's results.
#
# Usage (on the GPU machine, piu's runtime libraries on LD_LIBRARY_PATH as scripts/device_gpu_run.sh sets them):
#   bash bench/gpu_bench.sh PIU EXPORT_DIR OUT.jsonl [MODEL ...]        # models: resnet50 vit_b_16
#   python3 bench/gpu_report.py --torch torch_gpu.json --piu OUT.jsonl  # the markdown tables
# Environment: DEVICE (cuda:0), BATCHES (1,64), BENCH_ARGS ("--warmup 20 --duration 2"), CONFIGS (an
# extended regex on "config:dtype", e.g. 'ort|aoti' or ':fp16$'; default all), TIMEOUT (300 s a call),
# PYTHON (python3), SHAPE (-1x3x224x224: TorchScript files record no input shape).
#
# What runs, per model M (the table below): ONNX Runtime's CUDA provider with host I/O, with device I/O
# (I/O binding), with CUDA graphs (one session per batch size: a captured graph has fixed shapes), and
# on M_fp16.onnx (made here by `piu fp16`: float16 inputs and outputs, verified on the CPU; retried
# with --no-verify, and noted, where verification fails); LibTorch on CUDA in fp32 and fp16, with and
# without CUDA graphs and channels_last; AOTInductor packages M_fp32.pt2 and M_fp16.pt2 (a dynamic
# batch) and M_<dtype>_b<batch>.pt2 (compiled for one batch: --export-kinds aoti-static), each with
# and without a CUDA graph (AOTInductor packages record no input dtype: fp16 ones get
# --shape input:...:float16). One line of
# JSON per call: the config, the command, its exit status and time, and piu's JSON (or the error's
# last lines): a call that fails is logged and the next one runs. The first line of each run holds
# `piu --version`, the GPU (nvidia-smi), the date and these settings. OUT.jsonl is appended to, so
# that runs split across calls (one model each) land in one file.
set -uo pipefail
[[ $# -ge 3 ]] || { sed -n 2,10p "$0" >&2; exit 2; }
PIU="$1" DIR="$2" OUT="$3"
shift 3
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(resnet50 vit_b_16)
DEVICE="${DEVICE:-cuda:0}" BATCHES="${BATCHES:-1,64}" BENCH_ARGS="${BENCH_ARGS:---warmup 20 --duration 2}"
CONFIGS="${CONFIGS:-.}" TIMEOUT="${TIMEOUT:-300}" PYTHON="${PYTHON:-python3}" SHAPE="${SHAPE:--1x3x224x224}"
TS="--shape $SHAPE"
LIMIT=""
command -v timeout >/dev/null && LIMIT="timeout $TIMEOUT"
# config           dtype  file        batches  piu bench options (besides --device, --batch, BENCH_ARGS, --json)
read -r -d '' TABLE <<EOF
ort                fp32   .onnx       joint    --io host
ort-iobind         fp32   .onnx       joint    --io device
ort-graph          fp32   .onnx       each     --io device --provider-option enable_cuda_graph=1
ort-fp16           fp16   _fp16.onnx  joint    --io device
ort-fp16-graph     fp16   _fp16.onnx  each     --io device --provider-option enable_cuda_graph=1
libtorch           fp32   .pt         joint    --io device $TS
libtorch-cl        fp32   .pt         joint    --io device $TS --provider-option channels_last=1
libtorch-graph     fp32   .pt         each     --io device $TS --provider-option cuda_graph=1
libtorch-graph-cl  fp32   .pt         each     --io device $TS --provider-option cuda_graph=1 --provider-option channels_last=1
libtorch           fp16   .pt         joint    --io device $TS --provider-option dtype=float16
libtorch-cl        fp16   .pt         joint    --io device $TS --provider-option dtype=float16 --provider-option channels_last=1
libtorch-graph     fp16   .pt         each     --io device $TS --provider-option dtype=float16 --provider-option cuda_graph=1
libtorch-graph-cl  fp16   .pt         each     --io device $TS --provider-option dtype=float16 --provider-option cuda_graph=1 --provider-option channels_last=1
aoti               fp32   _fp32.pt2   joint    --io device --shape input:$SHAPE
aoti               fp16   _fp16.pt2   joint    --io device --shape input:$SHAPE:float16
aoti-graph         fp32   _fp32.pt2   each     --io device --shape input:$SHAPE --provider-option cuda_graph=1
aoti-graph         fp16   _fp16.pt2   each     --io device --shape input:$SHAPE:float16 --provider-option cuda_graph=1
aoti-static        fp32   _fp32_b@B@.pt2 each  --io device --shape input:$SHAPE
aoti-static        fp16   _fp16_b@B@.pt2 each  --io device --shape input:$SHAPE:float16
aoti-static-graph  fp32   _fp32_b@B@.pt2 each  --io device --shape input:$SHAPE --provider-option cuda_graph=1
aoti-static-graph  fp16   _fp16_b@B@.pt2 each  --io device --shape input:$SHAPE:float16 --provider-option cuda_graph=1
EOF
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# record KEY=VALUE... -- CMD...: appends one JSON line to OUT (piu's JSON from $tmp/out) and prints a summary.
record() {
  env "$@" OUTF="$tmp/out" ERRF="$tmp/err" "$PYTHON" - >>"$OUT" <<'PY'
import json, os, shlex, sys
e = os.environ
line = {k: e[k.upper()] for k in ("config", "model", "dtype", "io", "file") if k.upper() in e}
line.update(rc=int(e.get("RC", 0)), seconds=float(e.get("SECS", 0)), command=e.get("CMD", ""))
text = open(e["OUTF"]).read() if os.path.exists(e["OUTF"]) else ""
try:
    line["piu"] = json.loads(text) if line["rc"] == 0 else None
except ValueError:
    line["piu"] = None
if line["piu"] is None:
    err = open(e["ERRF"]).read() if os.path.exists(e["ERRF"]) else ""
    line["error"] = e.get("ERROR") or " | ".join((err or text).strip().splitlines()[-3:]) or f"exit {line['rc']}"
print(json.dumps(line))
tag = f"{line.get('model')} {line.get('config')} {line.get('dtype')}"
if line["piu"] is None:
    print(f"[failed] {tag}: {line['error'][:300]}", file=sys.stderr)
for r in (line["piu"] or {}).get("results", []):
    print(f"[ok] {tag} batch {r.get('batch')}: p50 {r.get('p50_ms', 0):.3f} ms, {r.get('items_per_s', 0):.1f} items/s "
          f"({line['seconds']:.1f} s)", file=sys.stderr)
PY
}

# bench_one CONFIG DTYPE FILE BATCH OPTIONS...: one `piu bench` call, recorded.
bench_one() {
  local config="$1" dtype="$2" file="$3" batch="$4" io="host"
  shift 4
  [[ " $* " == *" --io device "* ]] && io=device
  local extra cmd
  read -r -a extra <<<"$BENCH_ARGS"
  cmd=("$PIU" bench "$file" --device "$DEVICE" --batch "$batch" "$@" "${extra[@]}" --json)
  rm -f "$tmp/out" "$tmp/err"
  if [[ ! -e "$file" ]]; then
    record CONFIG="$config" MODEL="$model" DTYPE="$dtype" IO="$io" FILE="$file" RC=127 CMD="${cmd[*]}" \
      ERROR="missing $file"
    return
  fi
  local t0=$SECONDS
  $LIMIT "${cmd[@]}" >"$tmp/out" 2>"$tmp/err"
  record CONFIG="$config" MODEL="$model" DTYPE="$dtype" IO="$io" FILE="$file" RC=$? SECS=$((SECONDS - t0)) \
    CMD="${cmd[*]}"
}

export DEVICE BENCH_ARGS BATCHES
gpu="$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
version="$("$PIU" --version 2>&1 | head -3 | tr -s '\n ' '  ')"
META="$(PIU_VERSION="$version" GPU="$gpu" "$PYTHON" -c 'import datetime, json, os, sys
print(json.dumps({"meta": {"piu": os.environ["PIU_VERSION"].strip(), "gpu": os.environ["GPU"],
    "date": datetime.datetime.now().isoformat(timespec="seconds"), "command": " ".join(sys.argv[1:]),
    "device": os.environ["DEVICE"], "bench_args": os.environ["BENCH_ARGS"], "batches": os.environ["BATCHES"]}}))' \
    bash "$0" "$PIU" "$DIR" "$OUT" "${models[@]}")"
echo "$META" >>"$OUT"
echo "gpu_bench: $gpu; $version" >&2
for model in "${models[@]}"; do
  onnx="$DIR/$model.onnx" fp16="$DIR/${model}_fp16.onnx"
  if [[ -e "$onnx" && ! -e "$fp16" ]] && [[ "ort-fp16:fp16" =~ $CONFIGS ]]; then
    if ! "$PIU" fp16 "$onnx" -o "$fp16" >"$tmp/fp16.log" 2>&1; then
      note="piu fp16 $onnx failed ($(tail -2 "$tmp/fp16.log" | tr '\n' ' ')); retried with --no-verify"
      "$PIU" fp16 "$onnx" -o "$fp16" --no-verify >>"$tmp/fp16.log" 2>&1 || note="$note, which failed too"
      echo "gpu_bench: $note" >&2
      NOTE="$note" MODEL="$model" "$PYTHON" -c 'import json, os
print(json.dumps({"model": os.environ["MODEL"], "note": os.environ["NOTE"]}))' >>"$OUT"
    fi
  fi
  while read -r config dtype suffix batching options; do
    [[ -n "$config" && "$config:$dtype" =~ $CONFIGS ]] || continue
    # shellcheck disable=SC2086  # the options are words
    if [[ "$batching" == each ]]; then
      for b in ${BATCHES//,/ }; do bench_one "$config" "$dtype" "$DIR/$model${suffix//@B@/$b}" "$b" $options; done
    else
      bench_one "$config" "$dtype" "$DIR/$model$suffix" "$BATCHES" $options
    fi
  done <<<"$TABLE"
done
echo "gpu_bench: appended to $OUT" >&2

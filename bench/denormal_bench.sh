#!/usr/bin/env bash
# Does rounding denormal weights away make inference faster? Builds a model with planted denormal
# weights, rounds it with `piu round-weights`, and benchmarks both side by side, alternating, with
# the same settings. Usage: bench/denormal_bench.sh [repeats=5] [threads=1]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIU="$ROOT/build/bin/piu"
REPEATS="${1:-5}"
THREADS="${2:-1}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$ROOT/.deps/venv/bin/python" "$ROOT/bench/gen_denormal_model.py" "$TMP/denormal.onnx"
"$PIU" round-weights "$TMP/denormal.onnx" -o "$TMP/rounded.onnx"
p50() { "$PIU" bench "$1" --batch 8 --threads "$THREADS" --duration 2 --json | "$ROOT/.deps/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["p50_ms"])'; }
echo "repeat  denormal_p50_ms  rounded_p50_ms  ratio"
for r in $(seq 1 "$REPEATS"); do
  if [ $((r % 2)) -eq 1 ]; then a=$(p50 "$TMP/denormal.onnx"); b=$(p50 "$TMP/rounded.onnx");
  else b=$(p50 "$TMP/rounded.onnx"); a=$(p50 "$TMP/denormal.onnx"); fi
  python3 -c "print(f'$r       {float($a):.3f}          {float($b):.3f}          {float($a)/float($b):.2f}')"
done

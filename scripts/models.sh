#!/usr/bin/env bash
# Generates the test/demo models into build/models (skipped when the generators did not change).
#   scripts/models.sh [demo] [torchvision] [cases] [torch] [ops] [scripted]    (default: all)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${PIU_DEPS:-$ROOT/.deps}"
OUT="${PIU_MODELS_DIR:-${PIU_BUILD_DIR:-$ROOT/build}/models}"
mkdir -p "$OUT"
want=("$@"); [ ${#want[@]} -gt 0 ] || want=(demo torchvision cases torch ops scripted)
for part in "${want[@]}"; do
  case "$part" in
    demo|torchvision) gen="$ROOT/tests/gen_models.py"; py=/usr/bin/python3 ;;
    cases) gen="$ROOT/tests/gen_onnx_cases.py"; py="$DEPS/venv/bin/python" ;;
    torch) gen="$ROOT/tests/gen_torch_cases.py"; py=/usr/bin/python3 ;;
    ops) gen="$ROOT/tests/gen_op_cases.py"; py=/usr/bin/python3 ;;
    scripted) gen="$ROOT/tests/gen_scripted_cases.py"; py=/usr/bin/python3 ;;
    *) echo "unknown model set '$part'" >&2; exit 2 ;;
  esac
  hash=$(cat "$gen" $([ "$part" = ops ] && ls "$ROOT"/tests/op_cases/*.py) | sha256sum | cut -c1-16)
  stamp="$OUT/.stamp-$part"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then continue; fi
  echo "[models] generating '$part' into $OUT" >&2
  "$py" -W ignore "$gen" "$OUT" "$part"
  echo "$hash" > "$stamp"
done

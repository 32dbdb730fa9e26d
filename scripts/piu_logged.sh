#!/usr/bin/env bash
# Runs piu and appends its whole stderr to a log, one line per call, so that zoo runs keep every
# unsupported op (tests/zoo/export_zoo.py stores only the last 1200 characters of an error):
#   PIU_REAL=build/bin/piu PIU_STDERR_LOG=/tmp/zoo_stderr.log \
#     python3 tests/zoo/export_zoo.py --piu scripts/piu_logged.sh ...
# Log line: <file name of the first .pt/.onnx argument> TAB <opset or -> TAB <exit code> TAB <stderr,
# newlines and tabs as spaces>. stdout passes through untouched (export --json reads it).
set -u
: "${PIU_REAL:?set PIU_REAL to the piu binary}" "${PIU_STDERR_LOG:?set PIU_STDERR_LOG to the log file}"
err="$(mktemp)"
"$PIU_REAL" "$@" 2>"$err"
rc=$?
cat "$err" >&2
model="-"; opset="-"; prev=""
for a in "$@"; do
  [[ "$model" == "-" && "$a" == *.pt ]] && model="$(basename "$a")"
  [[ "$prev" == "--opset" ]] && opset="$a"
  prev="$a"
done
printf '%s\t%s\t%s\t%s\n' "$model" "$opset" "$rc" "$(tr '\n\t' '  ' <"$err")" >>"$PIU_STDERR_LOG"
rm -f "$err"
exit "$rc"

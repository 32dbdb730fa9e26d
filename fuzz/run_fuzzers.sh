#!/usr/bin/env bash
# Runs libFuzzer harnesses and prints, per harness: seconds, execs, CPU-seconds, corpus size and the
# new findings. Used by scripts/fuzz.sh here and as the run script of a bundle (scripts/fuzz.sh
# --bundle) on a machine without clang.
#   run_fuzzers.sh BIN_DIR SEEDS_DIR WORK_DIR CRASH_DIR SECONDS_PER_HARNESS JOBS [HARNESS...]
# Each harness fuzzes WORK_DIR/<name>/corpus: the seeds (SEEDS_DIR/<name>) copied in on top of what
# earlier runs grew there, so the repository's corpus only grows by hand-picked files. libFuzzer runs
# in fork mode (-fork=JOBS): findings are collected and fuzzing goes on. Crashes, leaks, OOMs and
# timeouts land in CRASH_DIR/<name>/ (libFuzzer names them by kind and content hash).
set -uo pipefail
if [ $# -lt 6 ]; then
  sed -n 2,10p "$0" >&2
  exit 2
fi
mkdir -p "$3" "$4"
# Absolute paths: each harness runs in its own work folder.
BIN="$(cd "$1" && pwd)"; SEEDS="$(cd "$2" && pwd)"; WORK="$(cd "$3" && pwd)"; CRASHES="$(cd "$4" && pwd)"
SECONDS_EACH="$5"; JOBS="$6"; shift 6
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$BIN"/fuzz_*; do names+=("${f##*/fuzz_}"); done
fi
# Leaks are findings too (piu's readers own everything they allocate); UBSan's are fatal by build.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
# Leaks of the uninstrumented runtimes, each justified in lsan.supp (beside this script, here and in a bundle).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0}"
summary="$WORK/summary.txt"
printf '%-12s %7s %12s %9s %15s %s\n' harness seconds execs cpu_s corpus new_findings | tee "$summary"
for name in "${names[@]}"; do
  exe="$BIN/fuzz_$name"
  [ -x "$exe" ] || { echo "no harness $exe" >&2; continue; }
  dir="$WORK/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts" "$CRASHES/$name"
  [ -d "$SEEDS/$name" ] && cp -n "$SEEDS/$name"/* "$dir/corpus/" 2>/dev/null
  before=$(ls "$dir/corpus" | wc -l)
  rm -f "$dir/artifacts"/*
  TIMEFORMAT='%U %S'
  # The harnesses' scratch files, in memory where there is /dev/shm, in a folder removed after the
  # harness: an input that crashes leaves its scratch folder behind.
  base="${PIU_FUZZ_TMP:-/dev/shm}"; [ -d "$base" ] && [ -w "$base" ] || base="${TMPDIR:-/tmp}"
  scratch=$(mktemp -d "$base/piu-fuzz-run.XXXXXX")
  { time (cd "$dir" && PIU_FUZZ_TMP="$scratch" nice -n "${PIU_FUZZ_NICE:-10}" "$exe" \
      -fork="$JOBS" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -max_total_time="$SECONDS_EACH" \
      -rss_limit_mb="${PIU_FUZZ_RSS_MB:-2560}" -timeout="${PIU_FUZZ_TIMEOUT_S:-20}" -artifact_prefix="$dir/artifacts/" \
      "$dir/corpus" > "$dir/log.txt" 2>&1); } 2> "$dir/cpu.txt"
  rm -rf "$scratch"
  cpu=$(awk '{printf "%.0f", $1 + $2}' "$dir/cpu.txt")
  # Fork mode's status lines start "#<total execs>:"; the last one is the total.
  execs=$(grep -oE '^#[0-9]+' "$dir/log.txt" | tail -1 | tr -d '#')
  after=$(ls "$dir/corpus" | wc -l)
  found=()
  for f in "$dir/artifacts"/*; do
    [ -f "$f" ] || continue
    base=${f##*/}
    [ -e "$CRASHES/$name/$base" ] || { cp "$f" "$CRASHES/$name/"; found+=("$base"); }
  done
  # New findings by kind (crash, leak, oom, timeout, slow-unit: libFuzzer's file name prefixes).
  kinds=$(printf '%s\n' "${found[@]}" | grep -v '^$' | sed 's/-[0-9a-f]*$//' | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
  printf '%-12s %7s %12s %9s %15s %s\n' "$name" "$SECONDS_EACH" "${execs:-?}" "$cpu" "$before->$after" \
    "${#found[@]}${kinds:+ ($kinds)}" | tee -a "$summary"
done
echo "logs: $WORK/<harness>/log.txt; findings: $CRASHES/<harness>/; table: $summary"

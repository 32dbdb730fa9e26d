#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang into build-fuzz/ and runs each one.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS] [JOBS]   (default 60 s, 1 job; names in PIU_FUZZ_ONLY="onnx npy")
#   scripts/fuzz.sh --build                          build only
#   scripts/fuzz.sh --bundle DIR                     harnesses + their shared libraries + seeds + run.sh in
#                                                    DIR, to run on another x86-64 Linux (glibc >= this one's)
# New findings are saved to fuzz/crashes/<name>/, which CTest replays (fuzz_regress_<name>): fix them,
# or move the file to fuzz/crashes-open/<name>/ and report it. The corpus each run grows stays in
# build-fuzz/runs/; the repository's fuzz/corpus/ grows only by hand-picked, minimized files
# (build-fuzz/fuzz/bin/fuzz_<name> -merge=1 or -minimize_crash=1). docs/reliability.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_FUZZ_BUILD:-$ROOT/build-fuzz}"
log() { printf '[fuzz] %s\n' "$*" >&2; }

mode=run; bundle=""
case "${1:-}" in
  --build) mode=build ;;
  --bundle) mode=bundle; bundle="${2:?--bundle needs a folder}" ;;
  -h|--help) sed -n 2,11p "$0"; exit 0 ;;
esac
SECONDS_EACH="${1:-60}"; JOBS="${2:-1}"
[ "$mode" = run ] || { SECONDS_EACH=60; JOBS=1; }

# clang and its runtime libraries (libFuzzer, ASan, UBSan): Debian 12's clang 14. Installed here,
# not by bootstrap.sh: only fuzzing needs them.
fuzzer_lib() { clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null; }
if ! command -v clang++ > /dev/null || [ ! -f "$(fuzzer_lib)" ]; then
  log "apt: installing clang libclang-rt-dev"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
fi
bash "$ROOT/scripts/bootstrap.sh"

if [ ! -f "$BUILD/build.ninja" ]; then
  # -O1 -g: the usual fuzzing trade (fast enough, exact stacks). PIU_FUZZ_TORCH=0 leaves out the
  # TorchScript harness (it links LibTorch).
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DPIU_FUZZ=ON -DPIU_BUILD_TESTS=OFF -DPIU_BUILD_PYTHON=OFF \
    -DPIU_BUILD_EXAMPLES=OFF -DPIU_WITH_TORCH="$([ "${PIU_FUZZ_TORCH:-1}" = 0 ] && echo OFF || echo ON)" \
    | grep -vE '^-- (Caffe2|Found|Performing|Looking|Detecting|Check)' || true
  [ -f "$BUILD/build.ninja" ] || { log "configure failed"; exit 1; }
fi
log "building the harnesses in $BUILD"
start=$(date +%s)
set +e
cmake --build "$BUILD" --target fuzz_harnesses -j "${PIU_JOBS:-$(nproc)}" | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)'
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { log "build failed (exit $status)"; exit "$status"; }
log "built in $(( $(date +%s) - start )) s"
BIN="$BUILD/fuzz/bin"

if [ "$mode" = build ]; then exit 0; fi

if [ "$mode" = bundle ]; then
  # Every shared library the harnesses load but the C library's own (glibc is the target's), so the
  # bundle runs where neither clang, LibTorch nor protobuf is installed. rpath $ORIGIN/../lib is
  # built in (fuzz/CMakeLists.txt); run.sh also sets LD_LIBRARY_PATH.
  mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/seeds"
  cp "$BIN"/fuzz_* "$bundle/bin/"
  for exe in "$BIN"/fuzz_*; do
    ldd "$exe" | awk '/=> \// {print $3}'
  done | sort -u | while read -r lib; do
    case "${lib##*/}" in
      libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*|ld-linux*) ;;
      *) cp -L "$lib" "$bundle/lib/" ;;
    esac
  done
  cp -r "$ROOT/fuzz/corpus/." "$bundle/seeds/"
  cp "$ROOT/fuzz/run_fuzzers.sh" "$ROOT/fuzz/lsan.supp" "$bundle/"
  cat > "$bundle/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs every harness of this bundle: run.sh [SECONDS_PER_HARNESS] [JOBS] [HARNESS...]
# Findings land in crashes/<name>/ (copy them to piu's fuzz/crashes/<name>/), the grown corpus in work/.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export LD_LIBRARY_PATH="$HERE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
secs="${1:-3600}"; jobs="${2:-$(nproc)}"; shift 2 2>/dev/null || shift $#
exec bash "$HERE/run_fuzzers.sh" "$HERE/bin" "$HERE/seeds" "$HERE/work" "$HERE/crashes" "$secs" "$jobs" "$@"
RUN
  chmod +x "$bundle/run.sh"
  log "bundle in $bundle ($(du -sh "$bundle" | cut -f1)): $bundle/run.sh [SECONDS_PER_HARNESS] [JOBS]"
  exit 0
fi

# shellcheck disable=SC2086
bash "$ROOT/fuzz/run_fuzzers.sh" "$BIN" "$ROOT/fuzz/corpus" "$BUILD/runs" "$ROOT/fuzz/crashes" "$SECONDS_EACH" "$JOBS" \
  ${PIU_FUZZ_ONLY:-}

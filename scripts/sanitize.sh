#!/usr/bin/env bash
# The ASan + UBSan tier: builds piu into build-asan/ with PIU_SANITIZE=ON and runs the tests under it.
#   scripts/sanitize.sh               build, then the default test selection below
#   scripts/sanitize.sh --build       build only
#   scripts/sanitize.sh -R REGEX ...  build, then ctest with these arguments instead
# What runs (docs/reliability.md, "Sanitizers"): every GoogleTest case, the fuzz corpora
# and crash files (fuzz_regress_*), ONNX's node-test sample, and the CLI suite, whose Python starts
# the instrumented piu binary for each command. Left out: the Python module's suites (an
# instrumented extension inside an uninstrumented interpreter needs libasan preloaded into Python
# and reports Python's own leaks), the >2 GB tests (ASan's shadow memory and redzones on 2.4 GB),
# the GPU suite (skips here), the install test and the converter cases (PIU_SANITIZE_ALL=1 runs
# the last two too).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_ASAN_BUILD:-$ROOT/build-asan}"
log() { printf '[sanitize] %s\n' "$*" >&2; }
bash "$ROOT/scripts/bootstrap.sh"

if [ ! -f "$BUILD/build.ninja" ]; then
  # -O1 -g: exact stacks at a bearable speed. Warnings stay warnings here: GCC's sanitizer
  # instrumentation makes its flow-based warnings (-Wmaybe-uninitialized, -Wstringop-overflow)
  # report code the normal build (-Werror, CI) compiles cleanly.
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DPIU_SANITIZE=ON -DPIU_WARNINGS_AS_ERRORS=OFF -DPIU_BUILD_PYTHON=OFF -DPIU_BUILD_EXAMPLES=OFF \
    -DPIU_MODELS_DIR="${PIU_MODELS_DIR:-$ROOT/build/models}" \
    | grep -vE '^-- (Caffe2|Found|Performing|Looking|Detecting|Check)' || true
  [ -f "$BUILD/build.ninja" ] || { log "configure failed"; exit 1; }
fi
start=$(date +%s)
set +e
cmake --build "$BUILD" -j "${PIU_JOBS:-$(nproc)}" | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)'
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { log "build failed (exit $status)"; exit "$status"; }
log "built in $(( $(date +%s) - start )) s"
[ "${1:-}" = --build ] && exit 0
# The test models of the normal build (scripts/models.sh writes them; the same files serve both).
[ -d "${PIU_MODELS_DIR:-$ROOT/build/models}" ] || PIU_BUILD_DIR="$ROOT/build" bash "$ROOT/scripts/models.sh"

# halt_on_error: the first finding ends the process (UBSan's too: the build has no recovery).
# detect_leaks=1: piu owns what it allocates; the few leaks of the uninstrumented runtimes we link
# (LibTorch, ONNX Runtime, protobuf) are named one by one in fuzz/lsan.supp, each with its reason.
# exitcode=86: a sanitizer's exit is never mistaken for one of piu's codes (0-3) in the CLI tests.
# max_allocation_size_mb + allocator_may_return_null: the CLI's bad-input cases run piu under an
# 8 GiB address-space limit (RLIMIT_AS), which ASan's terabytes of reserved shadow memory cannot
# live under; PIU_SANITIZED=1 tells them to leave it off, and ASan refuses allocations over 8 GiB
# instead (std::bad_alloc, as the limit would give).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:exitcode=86:symbolize=1:detect_stack_use_after_return=0:allocator_may_return_null=1:max_allocation_size_mb=8192${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export PIU_SANITIZED=1
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# use_tls=0: LSan's stop-the-world tracer crashes reading the threads' TLS in processes that run
# LibTorch models here ("Tracer caught signal 11" at exit, after every check passed); without TLS
# as a root, glibc's loader blocks kept there look leaked: fuzz/lsan.supp names them.
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0:use_tls=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
excluded='python|python_numpy2|python_onnx|gpu|large_model_over_2gb|large_model_simplify'
[ "${PIU_SANITIZE_ALL:-0}" = 1 ] || excluded="$excluded|install_consumer|op_cases"
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(-E "^($excluded)\$")
start=$(date +%s)
set +e
(cd "$BUILD" && ctest --output-on-failure -j "${PIU_TEST_JOBS:-1}" "${args[@]}")
status=$?
set -e
log "tests ran in $(( $(date +%s) - start )) s (exit $status)"
exit "$status"

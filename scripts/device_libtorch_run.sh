#!/usr/bin/env bash
# Runs the export zoo (tests/zoo/export_zoo.py) on the GPU machine against ITS LibTorch (the pip
# torch there, 2.11 as of 2026-11): compiles the torch plugin there, then exports with the carried
# piu. Runs THERE, from the repo root; pack the bundle here first with scripts/device_libtorch.sh.
#
# Through the device tool (`run`), carry [".device-bundle"], timeout_s e.g. 540:
#   bash scripts/device_libtorch_run.sh --group classification --group segmentation --group extra \
#        resnet18 mobilenet_v2 ...        # arguments go to export_zoo.py as they are
# With no arguments the whole zoo runs (far longer than one 10-minute call: name models).
#
# Steps: print versions (OS, g++, python, torch and its _GLIBCXX_USE_CXX11_ABI, torchvision, onnx,
# onnxruntime, nproc); compile the piu_torch target's sources (the add_library(piu_torch ...) list of
# CMakeLists.txt; with -DPIU_TORCH_CUDA when that torch has CUDA) as of the packed build (the bundle's tree/ snapshot, so that
# they match the carried libpiu.so) (g++ -std=c++20 -O2 -fPIC -shared, include/ src/ the bundle's
# ONNX+protobuf headers and torch's headers, torch's C++ ABI) into .device-bundle/libpiu_torch.so,
# beside the carried libpiu.so, where piu's load_plugin looks first (src/session/session.cpp);
# link it to libpiu.so, libtorch, libtorch_cpu, libc10 (and libtorch_cuda, libc10_cuda) with rpaths; smoke-test one tiny export; run
# tree/'s export_zoo.py with the local python3 (it traces with torch 2.11, piu verifies against LibTorch 2.11,
# onnx.checker checks) through scripts/piu_logged.sh so every error is kept whole.
#
# What comes back in $OUT (set by the device tool; elsewhere defaults to ./.device-out):
#   run.log         versions, compile and smoke-test output, the zoo's progress lines
#   zoo.jsonl       export_zoo.py's result rows (one JSON line per model and opset)
#   piu_stderr.log  piu's whole stderr per export (scripts/piu_logged.sh format)
#   opkinds.json    each model's TorchScript op kinds under this torch (scripts/zoo_opkinds.py)
# Compare with a LibTorch 1.13 run here: scripts/zoo_compare.py (see its header).
# Environment: PYTHON (default python3), ZOO_MODEL_TIMEOUT (seconds per export, default 300),
# ZOO_SCRIPT (default export_zoo.py; quant_zoo.py runs the int8 zoo instead: its arguments then,
# e.g. --workers 4 --threads 4, and no op-kind listing; a path ending in .sh, relative to the repo,
# runs that script with the bundle's piu and $OUT instead, e.g. bench/gpu_libtorch_bench.sh).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
B="$ROOT/.device-bundle"
T="$B/tree"  # the sources as of the packed build (scripts/device_libtorch.sh)
OUT="${OUT:-$ROOT/.device-out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
LOG="$OUT/run.log"
: >"$LOG"
say() { echo "$@" | tee -a "$LOG"; }
logrun() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }

[[ -x "$B/bin/piu" && -f "$B/libpiu.so" && -d "$T/src" ]] || { say "no .device-bundle (run scripts/device_libtorch.sh here and carry it)"; exit 1; }

say "== versions"
logrun bash -c 'grep PRETTY_NAME /etc/os-release; ldd --version | head -1; g++ --version | head -1; echo "nproc $(nproc)"'
logrun "$PY" - <<'EOF'
import sys, torch, torchvision
print("python", sys.version.split()[0], sys.executable)
print("torch", torch.__version__, "_GLIBCXX_USE_CXX11_ABI", int(torch._C._GLIBCXX_USE_CXX11_ABI),
      "cuda", torch.version.cuda, "threads", torch.get_num_threads())
print("torchvision", torchvision.__version__)
for m in ("onnx", "onnxruntime"):
    try:
        print(m, __import__(m).__version__)
    except Exception as e:
        print(m, "missing:", e)
EOF
say "bundle: $(head -2 "$B/MANIFEST" 2>/dev/null | tr '\n' ' ')"

say "== compiling libpiu_torch.so"
TORCH_DIR="$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
ABI="$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
if [[ "$ABI" != 1 ]]; then
  # libpiu.so (Debian, GCC 12) uses the C++11 std::string ABI; the plugin passes std::string to it.
  say "torch uses _GLIBCXX_USE_CXX11_ABI=$ABI but the carried libpiu.so uses 1: the plugin cannot link both"
  exit 1
fi
OBJ="$(mktemp -d /tmp/piu_torch_build.XXXX)"
CXXFLAGS=(-std=c++20 -O2 -fPIC -Wall -Wextra -D_GLIBCXX_USE_CXX11_ABI="$ABI" -DONNX_ML=1 -DONNX_NAMESPACE=piu_onnx
          -I"$T/src" -I"$T/include" -I"$B/include"
          -isystem "$TORCH_DIR/include" -isystem "$TORCH_DIR/include/torch/csrc/api/include")
# A torch with CUDA: the plugin's CUDA-graph code (PIU_TORCH_CUDA, as CMakeLists.txt defines it) needs
# the CUDA runtime's headers (a toolkit's, or those of the nvidia-* packages beside torch) and links
# torch_cuda and c10_cuda. Without the headers the plugin is built without CUDA graphs (said below).
CUDA_LIBS=()
if "$PY" -c 'import sys, torch; sys.exit(0 if torch.version.cuda else 1)'; then
  CUDA_INC=""
  for d in "${CUDA_HOME:-/usr/local/cuda}/include" "$TORCH_DIR"/../nvidia/*/include; do
    if [[ -f "$d/cuda_runtime_api.h" && -z "$CUDA_INC" ]]; then CUDA_INC="$d"; fi
  done
  CUDA_LIBS=(-ltorch_cuda -lc10_cuda)
  if [[ -n "$CUDA_INC" ]]; then
    CXXFLAGS+=(-DPIU_TORCH_CUDA -isystem "$CUDA_INC")
    say "CUDA: PIU_TORCH_CUDA with the CUDA runtime headers of $CUDA_INC"
  else
    say "CUDA: no cuda_runtime_api.h found (CUDA_HOME, nvidia/*/include): built without CUDA graphs"
  fi
fi
t0=$SECONDS
pids=()
# The plugin's sources as CMakeLists.txt's add_library(piu_torch SHARED ...) lists them (snapshot).
mapfile -t SRCS < <("$PY" -c '
import re, sys
m = re.search(r"add_library\(\s*piu_torch\s+SHARED\s+([^)]*)\)", open(sys.argv[1]).read())
print("\n".join(m.group(1).split()) if m else "")' "$T/CMakeLists.txt" 2>/dev/null | grep '\.cpp$')
[[ ${#SRCS[@]} -gt 0 ]] || SRCS=(src/backends/torch/torch_session.cpp src/export/torchscript_reader.cpp)
say "sources: ${SRCS[*]}"
for rel in "${SRCS[@]}"; do
  src="$T/$rel"
  g++ "${CXXFLAGS[@]}" -c "$src" -o "$OBJ/$(basename "$src" .cpp).o" >"$OBJ/$(basename "$src").log" 2>&1 &
  pids+=($!)
done
ok=1
for p in "${pids[@]}"; do wait "$p" || ok=0; done
cat "$OBJ"/*.cpp.log | tee -a "$LOG" | head -200
if [[ $ok != 1 ]]; then say "compile FAILED (full errors in run.log)"; exit 2; fi
logrun g++ -shared -o "$B/libpiu_torch.so" "$OBJ"/*.o \
  -L"$B" -lpiu -L"$TORCH_DIR/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 "${CUDA_LIBS[@]}" -Wl,--as-needed \
  -Wl,-rpath,"$TORCH_DIR/lib" -Wl,-rpath,'$ORIGIN' -Wl,-rpath-link,"$B/lib" \
  || { say "link FAILED"; exit 2; }
say "compiled and linked in $((SECONDS - t0)) s"

export LD_LIBRARY_PATH="$B/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
say "== ldd libpiu_torch.so (torch, piu, onnxruntime, protobuf)"
ldd "$B/libpiu_torch.so" | grep -E 'torch|c10|piu|onnxruntime|protobuf|not found' | tee -a "$LOG"

say "== smoke test: a tiny conv net"
SMOKE="$(mktemp -d /tmp/piu_smoke.XXXX)"
logrun "$PY" -c "
import torch
m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
torch.jit.trace(m, torch.randn(1, 3, 8, 8)).save('$SMOKE/tiny.pt')"
logrun "$B/bin/piu" export "$SMOKE/tiny.pt" -o "$SMOKE/tiny.onnx" --shape -1x3x8x8 --opset 17 \
  || say "smoke export FAILED (the zoo runs anyway)"

ZOO="${ZOO_SCRIPT:-export_zoo.py}"
if [[ "$ZOO" == *.sh ]]; then  # a benchmark driver of this tree instead of a zoo: PIU OUT ARGS...
  say "== $ZOO: $*"
  logrun bash "$ROOT/$ZOO" "$B/bin/piu" "$OUT" "$@"
  exit "$?"
fi
say "== $ZOO: $*"
chmod +x "$ROOT/scripts/piu_logged.sh"
export PIU_REAL="$B/bin/piu" PIU_STDERR_LOG="$OUT/piu_stderr.log" PYTHONUNBUFFERED=1
: >"$PIU_STDERR_LOG"
rm -f "$OUT/zoo.jsonl"
t0=$SECONDS
logrun "$PY" -W ignore "$T/tests/zoo/$ZOO" --piu "$ROOT/scripts/piu_logged.sh" --checker-python "$PY" \
  --timeout "${ZOO_MODEL_TIMEOUT:-300}" --json "$OUT/zoo.jsonl" "$@"
rc=$?
say "zoo finished with exit code $rc in $((SECONDS - t0)) s; $(wc -l <"$OUT/zoo.jsonl" 2>/dev/null || echo 0) rows"
if [[ "$ZOO" != export_zoo.py ]]; then exit "$rc"; fi
say "== TorchScript op kinds per model (scripts/zoo_opkinds.py)"
logrun "$PY" -W ignore "$ROOT/scripts/zoo_opkinds.py" --zoo "$T/tests/zoo/export_zoo.py" --json "$OUT/opkinds.json" "$@" \
  || say "zoo_opkinds.py failed"
"$PY" - "$OUT/zoo.jsonl" <<'EOF' | tee -a "$LOG"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['model']:32} {r['group']:14} {r['status']:10} nodes={r.get('nodes', '-')}")
EOF
exit "$rc"

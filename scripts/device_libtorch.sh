#!/usr/bin/env bash
# Packs what the GPU machine needs to run piu's exporter against *its* LibTorch (a pip torch, 2.11
# as of 2026-11), without building all of piu there (it has no protobuf/ONNX C++ dev files):
#
#   .device-bundle/bin/piu                     this build's CLI (RUNPATH $ORIGIN/../ finds libpiu.so)
#   .device-bundle/libpiu.so                   the core; the torch plugin is dlopen'ed from beside it
#   .device-bundle/lib/libonnxruntime.so.1     ONNX Runtime (the real file, not the link)
#   .device-bundle/lib/libprotobuf.so.32       Debian's protobuf (plus any other non-glibc lib ldd
#                                              shows outside the system's base set)
#   .device-bundle/include/onnx/*.h            the generated ONNX headers piu/onnx.hpp includes
#   .device-bundle/include/google/protobuf/    the matching protobuf headers (3.21)
#   .device-bundle/tree/{src,include,CMakeLists.txt,tests/zoo/*.py,bench/*.py}  the sources as of
#                                              this build
#   .device-bundle/models/shapes.pt            the demo model (the GPU tests' CUDA probe)
#   .device-bundle/MANIFEST                    what was packed, from which commit, sizes
#   .device-bundle-host/{bin/piu,libpiu.so,libpiu_torch.so}      the same build with its LibTorch
#                                              1.13 plugin, for the host side (not carried)
#
# The plugin libpiu_torch.so is NOT packed: scripts/device_libtorch_run.sh compiles it there from
# tree/ (the piu_torch target's sources in CMakeLists.txt) against the local torch.
#
# Usage (here, from anywhere; build/ must hold a current build of piu and libpiu.so):
#   scripts/device_libtorch.sh
# then, through the device tool `run`, with carry [".device-bundle"]:
#   bash scripts/device_libtorch_run.sh [export_zoo.py arguments...]
# then the same models here with LibTorch 1.13 and the same build (nice: the machine is shared):
#   PIU_REAL=.device-bundle-host/bin/piu PIU_STDERR_LOG=/tmp/zoo113_stderr.log nice -n 10 \
#     /usr/bin/python3 -W ignore .device-bundle/tree/tests/zoo/export_zoo.py --piu scripts/piu_logged.sh \
#     --json /tmp/zoo113.jsonl <the same export_zoo.py arguments>
#   nice -n 10 /usr/bin/python3 -W ignore scripts/zoo_opkinds.py --zoo .device-bundle/tree/tests/zoo/export_zoo.py \
#     --json /tmp/opkinds113.json <the same export_zoo.py arguments>
# and compare (D = the folder the device run's files came back to):
#   scripts/zoo_compare.py D/zoo.jsonl /tmp/zoo113.jsonl --a-log D/piu_stderr.log \
#     --b-log /tmp/zoo113_stderr.log --a-ops D/opkinds.json --b-ops /tmp/opkinds113.json \
#     --a-name 2.11 --b-name 1.13
# .device-bundle/ is ignored by git (.gitignore) and must stay under the 64 MiB the device tool
# carries with the tree; this script refuses to leave a bundle over 55 MiB.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PIU_BUILD_DIR:-$ROOT/build}"
OUTDIR="$ROOT/.device-bundle"
ORT_LIB="${PIU_ORT_LIB:-$ROOT/.deps/onnxruntime/lib/libonnxruntime.so.1}"
ONNX_INC="${PIU_ONNX_INCLUDE:-$ROOT/.deps/onnx/include}"
PROTOBUF_INC="${PIU_PROTOBUF_INCLUDE:-/usr/include/google/protobuf}"
LIMIT_MIB=55

for f in "$BUILD/bin/piu" "$BUILD/libpiu.so" "$ORT_LIB" "$ONNX_INC/onnx/onnx_pb.h" "$PROTOBUF_INC/message.h"; do
  [[ -e "$f" ]] || { echo "device_libtorch.sh: missing $f (build piu first)" >&2; exit 1; }
done

rm -rf "$OUTDIR"
mkdir -p "$OUTDIR/bin" "$OUTDIR/lib" "$OUTDIR/include/onnx" "$OUTDIR/include/google"

cp "$BUILD/bin/piu" "$OUTDIR/bin/piu"
cp "$BUILD/libpiu.so" "$OUTDIR/libpiu.so"
cp -L "$ORT_LIB" "$OUTDIR/lib/libonnxruntime.so.1"  # -L: the real file behind the soname link

# Every library ldd resolves for piu and libpiu.so, except glibc's own and the GCC runtime (Ubuntu
# 24.04 has newer ones of both; an older libstdc++ carried along would be the wrong choice there),
# and except what is already packed.
BASE_RE='^(linux-vdso|ld-linux|libc|libm|libdl|librt|libpthread|libutil|libresolv|libstdc\+\+|libgcc_s|libz)\.so'
while read -r name path; do
  [[ -n "$path" && -f "$path" ]] || continue
  [[ "$name" =~ $BASE_RE ]] && continue
  [[ "$name" == libonnxruntime.so.1 || "$name" == libpiu.so ]] && continue
  cp -L "$path" "$OUTDIR/lib/$name"
done < <(ldd "$BUILD/bin/piu" "$BUILD/libpiu.so" | awk '$2 == "=>" {print $1, $3}' | sort -u)

# Headers the plugin's sources reach through piu/onnx.hpp (only the top-level onnx/*.h are needed).
cp "$ONNX_INC"/onnx/*.h "$OUTDIR/include/onnx/"
cp -r "$PROTOBUF_INC" "$OUTDIR/include/google/protobuf"

# A snapshot of the sources, taken with the build: the plugin compiled there must agree with the
# packed libpiu.so on every shared type (export/ir.hpp, piu/*.hpp), and the tree keeps changing
# while the device call is prepared. device_libtorch_run.sh compiles from tree/ and runs tree/'s
# export_zoo.py.
mkdir -p "$OUTDIR/tree/tests/zoo" "$OUTDIR/tree/bench"
cp -r "$ROOT/src" "$ROOT/include" "$ROOT/CMakeLists.txt" "$OUTDIR/tree/"
cp "$ROOT"/tests/zoo/*.py "$OUTDIR/tree/tests/zoo/"
cp "$ROOT"/bench/*.py "$OUTDIR/tree/bench/"  # the hub zoo's onnxslim step (bench/zoo_simplify.py)
# The demo model, for the LibTorch GPU tests' CUDA probe (bench/gpu_libtorch_bench.sh).
mkdir -p "$OUTDIR/models" && cp "$BUILD/models/shapes.pt" "$OUTDIR/models/"
newer="$(find "$ROOT/src" "$ROOT/include" -newer "$BUILD/libpiu.so" -type f | sed "s|^$ROOT/||")"
if [[ -n "$newer" ]]; then
  echo "device_libtorch.sh: WARNING: edited after build/libpiu.so was linked (rebuild first for a" \
       "consistent bundle):" $newer >&2
fi

# The host side of the comparison (LibTorch 1.13 here) must run the same build: a copy of piu,
# libpiu.so and the 1.13 plugin in .device-bundle-host/ (ignored, not carried). piu finds libpiu.so
# through its RUNPATH $ORIGIN/../ and the plugin beside it; ONNX Runtime through libpiu.so's RUNPATH.
HOST="$ROOT/.device-bundle-host"
rm -rf "$HOST"
mkdir -p "$HOST/bin"
cp "$BUILD/bin/piu" "$HOST/bin/piu"
cp "$BUILD/libpiu.so" "$HOST/libpiu.so"
if [[ -f "$BUILD/libpiu_torch.so" ]]; then cp "$BUILD/libpiu_torch.so" "$HOST/libpiu_torch.so"; fi

chmod -R u+w "$OUTDIR"
strip --strip-unneeded "$OUTDIR/bin/piu" "$OUTDIR/libpiu.so" "$OUTDIR"/lib/*.so* 2>/dev/null || true

{
  echo "packed $(date -u +%FT%TZ) from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
       "($(git -C "$ROOT" status --porcelain 2>/dev/null | wc -l) uncommitted paths)"
  echo "piu built $(date -u -r "$BUILD/libpiu.so" +%FT%TZ), libpiu.so md5 $(md5sum <"$BUILD/libpiu.so" | cut -c1-12)"
  [[ -z "$newer" ]] || echo "sources edited after that build:" $newer
  (cd "$OUTDIR" && find . -type f -not -path './include/*' -not -path './tree/*' -printf '%s\t%p\n' | sort -k2)
  echo "include/: $(du -sh "$OUTDIR/include" | cut -f1), tree/: $(du -sh "$OUTDIR/tree" | cut -f1)"
} > "$OUTDIR/MANIFEST"

size_mib=$(( $(du -sb "$OUTDIR" | cut -f1) / 1048576 ))
cat "$OUTDIR/MANIFEST"
echo "bundle: $OUTDIR, ${size_mib} MiB"
if (( size_mib > LIMIT_MIB )); then
  echo "device_libtorch.sh: bundle is ${size_mib} MiB, over ${LIMIT_MIB} MiB" >&2
  exit 1
fi

#!/usr/bin/env python3
"""`piu optimize` vs onnxoptimizer on the model zoo, side by side, same pass list.

For each model in the zoo folder: piu optimize with verification on ONNX Runtime at batch 1 and 4
(outputs must match the unoptimized model within 1e-4 x output scale), then both optimizers timed
without verification (median of --repeats runs each, alternating; wall time of the whole process,
so onnxoptimizer's includes starting Python and importing onnx, as its users experience it), peak
resident memory of each process, and node counts of both results (subgraphs included).

  .deps/venv-peers/bin/python bench/zoo_optimize.py [--zoo build/zoo] [--repeats 3] [--markdown]
Needs onnxoptimizer in the Python that runs it (scripts/zoo.sh makes .deps/venv-peers for that).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED_PASSES = [
    "eliminate_deadend", "eliminate_duplicate_initializer", "eliminate_identity", "eliminate_if_with_const_cond",
    "eliminate_nop_cast", "eliminate_nop_dropout", "eliminate_nop_flatten", "eliminate_nop_monotone_argmax",
    "eliminate_nop_pad", "eliminate_nop_transpose", "eliminate_unused_initializer", "extract_constant_to_initializer",
    "fuse_add_bias_into_conv", "fuse_bn_into_conv", "fuse_consecutive_concats", "fuse_consecutive_log_softmax",
    "fuse_consecutive_reduce_unsqueeze", "fuse_consecutive_squeezes", "fuse_consecutive_transposes",
    "fuse_matmul_add_bias_into_gemm", "fuse_pad_into_conv", "fuse_transpose_into_gemm", "lift_lexical_references",
    "nop",
]
ONNXOPTIMIZER_SNIPPET = """
import sys, onnx, onnxoptimizer
m = onnx.load(sys.argv[1])
m = onnxoptimizer.optimize(m, sys.argv[3].split(","), fixed_point=False)
onnx.save(m, sys.argv[2])
"""


# Runs argv[2:] and writes its peak RSS (KiB) to the file argv[1]. Started as a fresh, small
# process, so the forked child's RSS before exec is tiny (a child forked from this benchmark, which
# holds models in memory, would report this process's RSS as its peak).
RSS_WRAPPER = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(r.returncode)
"""


def run_with_rusage(cmd):
    """Runs cmd; returns (seconds, peak RSS in MiB of that process, stdout). Output goes through
    temp files: a child that writes more than a pipe holds would block on a pipe we do not read."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        code = subprocess.run(["/usr/bin/python3", "-S", "-c", RSS_WRAPPER, rss.name, *cmd], stdout=out,
                              stderr=err).returncode
        elapsed = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        peak_kib = int(rss.read() or 0)
    if code != 0:
        raise RuntimeError(f"{cmd[0]} failed: {stderr.strip()}")
    return elapsed, peak_kib / 1024, stdout


def count_nodes(path):
    import onnx
    def walk(g):
        n = len(g.node)
        for node in g.node:
            for a in node.attribute:
                if a.HasField("g"):
                    n += walk(a.g)
                for sg in a.graphs:
                    n += walk(sg)
        return n
    return walk(onnx.load(path, load_external_data=False).graph)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", default=os.path.join(ROOT, "build", "zoo"))
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    names = args.models or sorted(f[:-5] for f in os.listdir(args.zoo) if f.endswith(".onnx"))
    rows = []
    tmp = tempfile.mkdtemp()
    for name in names:
        src = os.path.join(args.zoo, name + ".onnx")
        ours, theirs = os.path.join(tmp, "piu.onnx"), os.path.join(tmp, "oo.onnx")
        # Correctness: piu's own verification at batch 1 and 4.
        _, _, out = run_with_rusage([args.piu, "optimize", src, "-o", ours, "--batch", "1,4", "--json"])
        report = json.loads(out)
        worst = max((c["max_abs"] / c["scale"] if c["scale"] else c["max_abs"]) for c in report["verification"])
        # onnxoptimizer's lift_lexical_references fails on models whose initializers are not graph
        # inputs (every IR >= 4 export): "Unresolved value references". Then measure it without.
        oo_passes = SEED_PASSES
        oo_note = ""
        try:
            run_with_rusage([sys.executable, "-c", ONNXOPTIMIZER_SNIPPET, src, theirs, ",".join(oo_passes)])
        except RuntimeError as e:
            if "Unresolved value references" not in str(e):
                raise
            oo_passes = [p for p in SEED_PASSES if p != "lift_lexical_references"]
            oo_note = "fails with the full list; measured without lift_lexical_references"
        piu_t, piu_m, oo_t, oo_m = [], [], [], []
        for r in range(args.repeats):
            for who in (("piu", "oo") if r % 2 == 0 else ("oo", "piu")):
                if who == "piu":
                    t, m, _ = run_with_rusage([args.piu, "optimize", src, "-o", ours, "--no-verify", "--json"])
                    piu_t.append(t), piu_m.append(m)
                else:
                    t, m, _ = run_with_rusage([sys.executable, "-c", ONNXOPTIMIZER_SNIPPET, src, theirs,
                                               ",".join(oo_passes)])
                    oo_t.append(t), oo_m.append(m)
        row = dict(model=name, nodes_in=report["nodes_before"], piu_nodes=report["nodes_after"],
                   oo_nodes=count_nodes(theirs), worst_rel_err=worst, piu_s=statistics.median(piu_t),
                   oo_s=statistics.median(oo_t), piu_mib=max(piu_m), oo_mib=max(oo_m), oo_note=oo_note)
        rows.append(row)
        print(f"{name}: nodes {row['nodes_in']} -> piu {row['piu_nodes']} / onnxoptimizer {row['oo_nodes']}, "
              f"err {worst:.2e}, time {row['piu_s']:.2f}s vs {row['oo_s']:.2f}s", file=sys.stderr, flush=True)
    if args.markdown:
        print("| model | nodes | piu nodes | onnxoptimizer nodes | piu ≤ onnxoptimizer | max err / scale (batch 1, 4) "
              "| piu s | onnxoptimizer s | time ratio | piu MiB | onnxoptimizer MiB | onnxoptimizer note |")
        print("|---|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---|")
        for r in rows:
            print(f"| {r['model']} | {r['nodes_in']} | {r['piu_nodes']} | {r['oo_nodes']} | "
                  f"{'yes' if r['piu_nodes'] <= r['oo_nodes'] else '**no**'} | {r['worst_rel_err']:.1e} | "
                  f"{r['piu_s']:.2f} | {r['oo_s']:.2f} | {r['piu_s'] / r['oo_s']:.2f} | {r['piu_mib']:.0f} | "
                  f"{r['oo_mib']:.0f} | {r['oo_note']} |")
        total_piu = sum(r["piu_s"] for r in rows)
        total_oo = sum(r["oo_s"] for r in rows)
        print(f"\nTotal time: piu {total_piu:.1f} s, onnxoptimizer {total_oo:.1f} s, ratio {total_piu / total_oo:.2f}.")
    else:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`piu simplify` vs onnx-simplifier and onnxslim on the model zoo (dynamic batch kept).

For each zoo model: piu simplify, verified by piu on ONNX Runtime at batch 1, 3 and 8 against the
original (max abs error <= 1e-4 x output scale); then onnxsim.simplify and onnxslim.slim on the
same file, each in its own process, and their results compared with the original by `piu compare`
at batch 1, 3 and 8. A model with other dynamic dims has a MODEL.shapes file beside it (one
NAME:DIMS a line, the batch left at -1; tests/zoo/real_models.py writes them): both verifications
run at those sizes. Reports node counts (subgraphs included), whether each result kept every dynamic
input dim of the original and still computes the right outputs at each batch, wall times and peak resident
memory per process. piu runs twice: once verified (its node counts and errors), once with
--no-verify, which is the work the peers do and is what the time and memory columns compare. A
peer result that is wrong at some batch size does not count against piu in the "piu ≤ both" column.

  .deps/venv-peers/bin/python bench/zoo_simplify.py [--zoo build/zoo] [--markdown] [MODEL ...]
Needs onnxsim and onnxslim in the Python that runs it (scripts/zoo.sh installs them in .deps/venv-peers).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = """
import sys, onnx
m = onnx.load(sys.argv[2])
if sys.argv[1] == "onnxsim":
    import onnxsim
    m, ok = onnxsim.simplify(m)
    assert ok, "onnxsim could not validate its result"
else:
    import onnxslim
    m = onnxslim.slim(m)
onnx.save(m, sys.argv[3])
"""


def run(cmd):
    """Runs cmd; returns (exit code, wall seconds, stdout, stderr, peak RSS MiB of that process).

    Peak RSS comes from GNU time wrapping the command: a child forked from this (large) Python
    process would report the parent's resident size copied at fork as its own maximum."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        code = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *cmd], stdout=out, stderr=err).returncode
        elapsed = time.perf_counter() - t0
        out.seek(0), err.seek(0)
        text = rss.read().strip().splitlines()
        kib = int(text[-1]) if text and text[-1].isdigit() else 0
        return code, elapsed, out.read().decode(), err.read().decode(), kib / 1024


def dynamic_dims(model):
    """(input name, axis) of every input dim without a fixed size."""
    inits = {t.name for t in model.graph.initializer}
    return {(v.name, i) for v in model.graph.input if v.name not in inits
            for i, d in enumerate(v.type.tensor_type.shape.dim) if not d.HasField("dim_value") or d.dim_value < 0}


def summary(path, original=None):
    """(node count, True when every dynamic input dim of `original` (default: the model itself) is
    still dynamic)."""
    import onnx
    m = onnx.load(path, load_external_data=False)
    wanted = dynamic_dims(onnx.load(original, load_external_data=False)) if original else dynamic_dims(m)
    def walk(g):
        n = len(g.node)
        for node in g.node:
            for a in node.attribute:
                if a.HasField("g"):
                    n += walk(a.g)
                n += sum(walk(sg) for sg in a.graphs)
        return n
    return walk(m.graph), bool(wanted) and wanted <= dynamic_dims(m)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", default=os.path.join(ROOT, "build", "zoo"))
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    names = args.models or sorted(f[:-5] for f in os.listdir(args.zoo) if f.endswith(".onnx"))
    tmp = tempfile.mkdtemp()
    rows = []
    for name in names:
        src = os.path.join(args.zoo, name + ".onnx")
        shapes = []
        if os.path.exists(os.path.join(args.zoo, name + ".shapes")):
            with open(os.path.join(args.zoo, name + ".shapes")) as f:
                shapes = [a for line in f if line.strip() for a in ("--shape", line.strip())]
        row = {"model": name, "nodes": summary(src)[0]}
        out = os.path.join(tmp, "piu.onnx")
        code, t, stdout, stderr, _ = run([args.piu, "simplify", src, "-o", out, "--json", *shapes])
        if code == 0:
            j = json.loads(stdout)
            row["piu"] = summary(out, src)
            row["piu_verified_s"] = t
            # Timed and measured like the peers: the same work without piu's own verification.
            _, row["piu_s"], _, _, row["piu_mib"] = run([args.piu, "simplify", src, "-o", out, "--no-verify", *shapes])
            row["err"] = max((c["max_abs"] / c["scale"] if c["scale"] else c["max_abs"]) for c in j["verification"])
        else:
            row["piu"] = None
            row["piu_error"] = stderr.strip().splitlines()[-1][:200]
        for peer in ("onnxsim", "onnxslim"):
            out = os.path.join(tmp, peer + ".onnx")
            code, t, _, stderr, mib = run([sys.executable, "-c", PEER, peer, src, out])
            row[peer] = summary(out, src) if code == 0 else None
            row[peer + "_s"] = t
            row[peer + "_mib"] = mib
            if code != 0:
                row[peer + "_error"] = (stderr.strip().splitlines() or ["?"])[-1][:120]
                continue
            # Does the peer's model still compute the same outputs at other batch sizes?
            wrong = [b for b in (1, 3, 8)
                     if run([args.piu, "compare", src, out, "--batch", str(b), "--atol", "1e-4", "--rtol", "1e-3",
                             *shapes])[0]]
            row[peer + "_wrong_batches"] = wrong
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    def cell(r, key):
        v = r.get(key)
        if v is None:
            return "fails"
        note = "" if v[1] else " (dynamic dim fixed!)"
        wrong = r.get(key + "_wrong_batches")
        if wrong:
            note += " (wrong at batch " + ",".join(map(str, wrong)) + ")"
        return f"{v[0]}{note}"

    if args.markdown:
        print("| model | nodes | piu | onnxsim | onnxslim | piu ≤ both | max err / scale (batch 1, 3, 8) "
              "| piu s verified | piu s | onnxsim s | onnxslim s | piu MiB | onnxsim MiB | onnxslim MiB |")
        print("|---|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            p = r.get("piu")
            ok = p is not None and all(r.get(k) is None or r.get(k + "_wrong_batches") or p[0] <= r[k][0]
                                       for k in ("onnxsim", "onnxslim"))
            err = f"{r['err']:.1e}" if "err" in r else r.get("piu_error", "")
            print(f"| {r['model']} | {r['nodes']} | {cell(r, 'piu')} | {cell(r, 'onnxsim')} | {cell(r, 'onnxslim')} | "
                  f"{'yes' if ok else '**no**'} | {err} | {r.get('piu_verified_s', 0):.2f} | {r.get('piu_s', 0):.2f} | "
                  f"{r['onnxsim_s']:.2f} | {r['onnxslim_s']:.2f} | {r.get('piu_mib', 0):.0f} | {r['onnxsim_mib']:.0f} | "
                  f"{r['onnxslim_mib']:.0f} |")
        ok_rows = [r for r in rows if r.get("piu")]
        if ok_rows:
            t_ratio = [r["piu_s"] / r["onnxsim_s"] for r in ok_rows]
            m_ratio = [r["piu_mib"] / r["onnxsim_mib"] for r in ok_rows]
            total = sum(r["piu_s"] for r in ok_rows) / sum(r["onnxsim_s"] for r in ok_rows)
            print(f"\npiu / onnxsim (no verification): time {total:.2f}x in total, per model "
                  f"{min(t_ratio):.2f}-{max(t_ratio):.2f}x (median {sorted(t_ratio)[len(t_ratio) // 2]:.2f}x); "
                  f"peak RSS {min(m_ratio):.2f}-{max(m_ratio):.2f}x (median {sorted(m_ratio)[len(m_ratio) // 2]:.2f}x)")
    else:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Joins piu's GPU results (bench/gpu_bench.sh) with PyTorch's (bench/gpu_torch_baselines.py) into
the markdown tables docs/benchmarks.md takes for issue 15.

  python3 bench/gpu_report.py --torch torch_gpu.json [--torch more.json] --piu piu_gpu.jsonl [-o report.md]

Per model/dtype/batch: PyTorch's best is the best of every PyTorch mode measured (eager, eager with
CUDA graphs, torch.compile reduce-overhead and max-autotune); every piu backend is set against it:
at batch 1 by p50 latency (ratio piu / PyTorch, target <= 1), at other batches by throughput (items/s,
ratio piu / PyTorch, target >= 1). A summary table gives piu's best backend per point; the full table
every backend. Tolerant: piu's JSON may or may not carry "io" and "timing" (per result or at the top);
where it says nothing the I/O the command asked for is shown; failed calls and failed PyTorch
configs are listed, not fatal. Where one input has a point twice, the later line wins.
"""
import argparse
import json
import sys

DTYPE_ORDER = {"fp32": 0, "fp16": 1}


def load_json_lines(path):
    """Reads a JSON file (one value) or JSON lines; returns a list of values."""
    text = open(path).read()
    try:
        value = json.loads(text)
        return value if isinstance(value, list) else [value]
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def torch_rows(paths, failures, meta):
    """PyTorch's records as table rows; failed configs go to `failures`, run facts to `meta`."""
    rows = []
    for path in paths:
        for doc in load_json_lines(path):
            records = [doc]
            if isinstance(doc, dict) and "records" in doc:
                records = doc["records"]
                meta.append(f"PyTorch {doc.get('torch')} (torchvision {doc.get('torchvision')}) on {doc.get('gpu')}, "
                            f"{doc.get('date')}; fp32 TF32 {'on' if doc.get('tf32') else 'off'}, cudnn.benchmark "
                            f"{'on' if doc.get('cudnn_benchmark') else 'off'}: `{doc.get('command')}`")
            for r in records:
                label = r["mode"] + (" channels_last" if r.get("channels_last") else "")
                if "error" in r:
                    failures.append(f"PyTorch {r['model']} {r['dtype']} batch {r['batch']} {label}: {r['error']}")
                    continue
                rows.append({"side": "PyTorch", "model": r["model"], "dtype": r["dtype"], "batch": r["batch"],
                             "backend": label, "io": r.get("io", "device"), "timing": r.get("timing", "-"),
                             "p50_ms": r["p50_ms"], "p99_ms": r.get("p99_ms"), "items_per_s": r["items_per_s"]})
    return rows


def piu_rows(paths, failures, notes, meta):
    """piu's results (one row per call and batch) from gpu_bench.sh's JSON lines."""
    rows = []
    for path in paths:
        for line in load_json_lines(path):
            if "meta" in line:
                m = line["meta"]
                meta.append(f"piu: {m.get('piu')} on {m.get('gpu') or '?'}, {m.get('date')}: `{m.get('command')}` "
                            f"(piu bench {m.get('bench_args')})")
                continue
            if "note" in line:
                notes.append(f"{line.get('model')}: {line['note']}")
                continue
            doc = line.get("piu")
            if not isinstance(doc, dict) or not doc.get("results"):
                failures.append(f"piu {line.get('model')} {line.get('config')} {line.get('dtype')}: "
                                f"{line.get('error', 'no results')} (`{line.get('command', '')}`)")
                continue
            for r in doc["results"]:
                io = r.get("io") or doc.get("io")
                asked = line.get("io", "?")
                shown = asked if io is None else (io if io == asked else f"{io} (asked {asked})")
                rows.append({"side": "piu", "model": line["model"], "dtype": line["dtype"], "batch": r["batch"],
                             "backend": line["config"], "io": shown,
                             "timing": r.get("timing") or doc.get("timing") or "-",
                             "p50_ms": r["p50_ms"], "p99_ms": r.get("p99_ms"), "items_per_s": r["items_per_s"]})
    return rows


def latest(rows):
    """Keeps the last row of each side/model/dtype/batch/backend, in first-seen order."""
    keyed = {}
    for r in rows:
        keyed[(r["side"], r["model"], r["dtype"], r["batch"], r["backend"])] = r
    return list(keyed.values())


def ratio(row, best, batch):
    """piu/PyTorch ratio of the point's measure: latency at batch 1, throughput otherwise."""
    if batch == 1:
        return row["p50_ms"] / best["p50_ms"]
    return row["items_per_s"] / best["items_per_s"]


def met(value, batch):
    """Whether a ratio meets the target (<= 1 at batch 1, >= 1 otherwise)."""
    return value <= 1.0 if batch == 1 else value >= 1.0


def report(rows, failures, notes, meta):
    """Returns the markdown: run facts, the summary table, the table of every backend, failures."""
    groups = {}
    for r in rows:
        groups.setdefault((r["model"], r["dtype"], r["batch"]), []).append(r)
    order = sorted(groups, key=lambda k: (k[0], DTYPE_ORDER.get(k[1], 9), k[2]))
    out = [f"- {m}" for m in meta]
    out += ["", "| model | dtype | batch | measure | PyTorch best | piu best | piu / PyTorch | target met |",
            "|---|---|---:|---|---|---|---:|:---:|"]
    no_autotune = []
    full = ["", "| model | dtype | batch | side | backend | I/O | timing | p50 ms | p99 ms | items/s | "
                "ratio to PyTorch best |", "|---|---|---:|---|---|---|---|---:|---:|---:|---:|"]
    for key in order:
        model, dtype, batch = key
        torch_side = [r for r in groups[key] if r["side"] == "PyTorch"]
        piu_side = [r for r in groups[key] if r["side"] == "piu"]
        pick = (lambda rs: min(rs, key=lambda r: r["p50_ms"])) if batch == 1 else \
            (lambda rs: max(rs, key=lambda r: r["items_per_s"]))
        show = (lambda r: f"{r['p50_ms']:.3f} ms ({r['backend']})") if batch == 1 else \
            (lambda r: f"{r['items_per_s']:.0f}/s ({r['backend']})")
        best = pick(torch_side) if torch_side else None
        top = pick(piu_side) if piu_side else None
        measure = "p50 latency" if batch == 1 else "throughput"
        if best and top:
            value = ratio(top, best, batch)
            out.append(f"| {model} | {dtype} | {batch} | {measure} | {show(best)} | {show(top)} | **{value:.2f}** | "
                       f"{'yes' if met(value, batch) else '**no**'} |")
        else:
            out.append(f"| {model} | {dtype} | {batch} | {measure} | {show(best) if best else 'not measured'} | "
                       f"{show(top) if top else 'not measured'} | | |")
        if best and not any(r["backend"].startswith("max-autotune") for r in torch_side):
            no_autotune.append(f"{model} {dtype} batch {batch}")
        for r in torch_side + piu_side:
            cell = f"{ratio(r, best, batch):.2f}" if best else ""
            if best and r["side"] == "piu" and not met(ratio(r, best, batch), batch):
                cell += " (miss)"
            p99 = f"{r['p99_ms']:.3f}" if r.get("p99_ms") is not None else ""
            full.append(f"| {model} | {dtype} | {batch} | {r['side']} | {r['backend']} | {r['io']} | {r['timing']} | "
                        f"{r['p50_ms']:.3f} | {p99} | {r['items_per_s']:.1f} | {cell} |")
    out += ["", "Ratio: at batch 1 p50 latency piu / PyTorch best (target <= 1); at other batches throughput "
                "piu / PyTorch best (target >= 1). PyTorch best: the best of every PyTorch mode measured "
                "(eager, eager with CUDA graphs, torch.compile)."]
    out += full
    if no_autotune:
        notes.append("torch.compile's best is reduce-overhead alone (no max-autotune figure) at: "
                     + ", ".join(no_autotune))
    if notes:
        out += ["", "Notes:"] + [f"- {n}" for n in notes]
    if failures:
        out += ["", "Not measured:"] + [f"- {f}" for f in failures]
    return "\n".join(out) + "\n"


def main():
    """Reads the inputs named on the command line and prints (or writes) the report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torch", action="append", default=[], help="gpu_torch_baselines.py --json output (repeatable)")
    ap.add_argument("--piu", action="append", default=[], help="gpu_bench.sh output, JSON lines (repeatable)")
    ap.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    args = ap.parse_args()
    if not args.torch and not args.piu:
        ap.error("give --torch and/or --piu")
    failures, notes, meta = [], [], []
    rows = latest(torch_rows(args.torch, failures, meta) + piu_rows(args.piu, failures, notes, meta))
    text = report(rows, failures, notes, meta)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()

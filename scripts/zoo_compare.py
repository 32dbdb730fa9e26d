#!/usr/bin/env python3
"""Compares two export-zoo runs (tests/zoo/export_zoo.py --json) made against different LibTorch
versions, e.g. the GPU machine's 2.11 (scripts/device_libtorch_run.sh) and Debian's 1.13 here:
per model the status on each side, node counts, and every aten::/prim::/... op that appears in one
side's error but not the other's ("ops that differ between versions").

  scripts/zoo_compare.py A.jsonl B.jsonl [--a-log A_stderr.log] [--b-log B_stderr.log]
                         [--a-ops A_opkinds.json] [--b-ops B_opkinds.json] [--a-name 2.11] [--b-name 1.13]

The logs are scripts/piu_logged.sh's (piu's whole stderr per export); without them the errors come
from the JSON rows, which keep only an error's last 1200 characters (ops listed first may be lost).
With --a-ops/--b-ops (scripts/zoo_opkinds.py) it also lists, per model, the TorchScript op kinds
(and counts) that differ between the two traced graphs, whether or not piu converts them.
Prints Markdown. Only models present on both sides are compared; the rest are listed.
"""
import argparse
import json
import re

OP = re.compile(r"\b((?:aten|prim|quantized|torchvision|_caffe2|prepacked)::[A-Za-z0-9_.]+)")


def load(jsonl, log):
    rows = {}
    for line in open(jsonl):
        line = line.strip()
        if line:
            r = json.loads(line)
            rows[(r["model"], r["opset"])] = r
    full = {}
    if log:
        for line in open(log):
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) == 4 and parts[0].endswith(".pt"):
                try:
                    full[(parts[0][:-3], int(parts[1]))] = parts[3]
                except ValueError:
                    pass
    for key, r in rows.items():
        r["_error"] = full.get(key) or r.get("error") or r.get("checker_error") or ""
        r["_ops"] = ops_with_reasons(r["_error"]) if r["status"] != "ok" else {}
    return rows


def ops_with_reasons(error):
    """{op: reason} from 'N op(s) cannot be exported yet: K (where): reason; K2: reason2'; other errors
    give {op: first 120 characters of the error} for each op they name."""
    out = {}
    m = re.search(r"op\(s\) cannot be exported yet: (.*)", error)
    if m:
        for entry in re.split(r"; (?=(?:aten|prim|quantized|torchvision|_caffe2|prepacked)::)", m.group(1)):
            op = OP.match(entry)
            if op:
                reason = re.sub(r"^\S+( \(with sub-blocks: control flow\))?( \([^)]*\))?: ", "", entry).strip()
                out[op.group(1)] = reason
        return out
    for op in OP.findall(error):
        out.setdefault(op, error.strip()[:120])
    return out


def cell(r):
    if r is None:
        return "—"
    if r["status"] == "ok":
        err = r.get("max_abs", 0) / max(r.get("scale", 1), 1e-30)
        return f"ok ({r.get('nodes')} nodes, {err:.0e})"
    if r["status"] == "fails" and "cannot be exported yet" in r["_error"]:
        ops = sorted(r["_ops"])
        return f"fails, {len(ops)} unsupported: " + (", ".join(ops) if len(ops) <= 8 else ", ".join(ops[:8]) + ", …")
    first = r["_error"].replace("piu export: error: ", "").strip()
    first = re.sub(r"^/\S+?\.pt: ", "", first)
    return f"{r['status']}: {first[:90]}".replace("|", "\\|")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--a-log")
    ap.add_argument("--b-log")
    ap.add_argument("--a-ops")
    ap.add_argument("--b-ops")
    ap.add_argument("--a-name", default="A")
    ap.add_argument("--b-name", default="B")
    args = ap.parse_args()
    A, B = load(args.a, args.a_log), load(args.b, args.b_log)
    an, bn = args.a_name, args.b_name
    both = [k for k in A if k in B]
    print(f"| model | opset | group | {an} | {bn} | ops only in {an} | ops only in {bn} |")
    print("|---|---|---|---|---|---|---|")
    diffs = []
    for k in both:
        a, b = A[k], B[k]
        only_a = sorted(set(a["_ops"]) - set(b["_ops"]))
        only_b = sorted(set(b["_ops"]) - set(a["_ops"]))
        changed = sorted(op for op in set(a["_ops"]) & set(b["_ops"]) if a["_ops"][op] != b["_ops"][op])
        print(f"| {k[0]} | {k[1]} | {a['group']} | {cell(a)} | {cell(b)} | {', '.join(only_a) or ''} | "
              f"{', '.join(only_b) or ''} |")
        if only_a or only_b or changed or a["status"] != b["status"]:
            diffs.append((k, a, b, only_a, only_b, changed))
    print(f"\n{len(both)} model/opset pairs on both sides; "
          f"{sum(A[k]['status'] == 'ok' for k in both)} ok on {an}, {sum(B[k]['status'] == 'ok' for k in both)} ok on {bn}; "
          f"{len(diffs)} differ (status or ops).")
    for name, side, other in ((an, A, B), (bn, B, A)):
        missing = sorted(f"{m} (opset {o})" for (m, o) in side if (m, o) not in other)
        if missing:
            print(f"\nOnly in {name}: {', '.join(missing)}")
    if diffs:
        print("\n## Differences\n")
        for (model, opset), a, b, only_a, only_b, changed in diffs:
            print(f"- **{model}** (opset {opset}): {an} {a['status']}, {bn} {b['status']}")
            for op in only_a:
                print(f"  - only in {an}: `{op}`: {a['_ops'][op]}")
            for op in only_b:
                print(f"  - only in {bn}: `{op}`: {b['_ops'][op]}")
            for op in changed:
                print(f"  - `{op}` differs: {an}: {a['_ops'][op]} / {bn}: {b['_ops'][op]}")
            if a["status"] != b["status"] and not (only_a or only_b or changed):
                for n, r in ((an, a), (bn, b)):
                    if r["status"] != "ok":
                        print(f"  - {n}: {r['_error'].strip()[:400]}")
    union_a = sorted({op for k in both for op in set(A[k]["_ops"]) - set(B[k]["_ops"])})
    union_b = sorted({op for k in both for op in set(B[k]["_ops"]) - set(A[k]["_ops"])})
    print(f"\nOps in {an}'s errors but not {bn}'s (same model): {', '.join(union_a) or 'none'}")
    print(f"Ops in {bn}'s errors but not {an}'s (same model): {', '.join(union_b) or 'none'}")
    if args.a_ops and args.b_ops:
        opkinds(json.load(open(args.a_ops)), json.load(open(args.b_ops)), an, bn)


def opkinds(a, b, an, bn):
    print(f"\n## TorchScript op kinds ({an}: torch {a['torch']}, {bn}: torch {b['torch']})\n")
    print(f"| model | kinds ({an} / {bn}) | only in {an} | only in {bn} | same kind, other count |")
    print("|---|---|---|---|---|")
    all_a, all_b = set(), set()
    for model, ka in a["models"].items():
        kb = b["models"].get(model)
        if kb is None:
            continue
        only_a = sorted(set(ka) - set(kb))
        only_b = sorted(set(kb) - set(ka))
        counts = [f"{k} {ka[k]}/{kb[k]}" for k in sorted(set(ka) & set(kb)) if ka[k] != kb[k]]
        all_a.update(only_a)
        all_b.update(only_b)
        fmt = lambda ks, d: ", ".join(f"{k} ×{d[k]}" if isinstance(d[k], int) else f"{k}: {d[k]}" for k in ks)
        print(f"| {model} | {len(ka)} / {len(kb)} | {fmt(only_a, ka)} | {fmt(only_b, kb)} | {', '.join(counts)} |")
    print(f"\nOp kinds only in {an}'s graphs: {', '.join(sorted(all_a)) or 'none'}")
    print(f"Op kinds only in {bn}'s graphs: {', '.join(sorted(all_b)) or 'none'}")


if __name__ == "__main__":
    main()

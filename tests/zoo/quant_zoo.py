#!/usr/bin/env python3
"""int8 over the torchvision zoo: every model exported by piu, quantized by `piu quantize` (Q/DQ,
entropy calibration on random inputs, random weights; zero-initialized Linear heads get random
weights so that their outputs are not just the bias) and run on ONNX Runtime CPU; reports each
model's output SQNR against fp32 and, for models under the target (20 dB), runs the accuracy
fallback (--max-error) and reports which layers it kept in float.

  python3 tests/zoo/quant_zoo.py [--group classification|segmentation] [--workers 4] [--threads 4]
      [--json zoo_quant.jsonl] [models...]
  python3 tests/zoo/quant_zoo.py --from-json zoo_quant.jsonl        # the Markdown table

Takes the same --piu/--timeout/--checker-python arguments as export_zoo.py (the device script
scripts/device_libtorch_run.sh runs either with ZOO_SCRIPT=quant_zoo.py).
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_zoo  # noqa: E402  (the zoo's model list and builders)

TARGET_DB = 20.0


def piu(args, *cmd, timeout=None):
    p = subprocess.run([args.piu, *map(str, cmd)], capture_output=True, text=True, timeout=timeout or args.timeout)
    if p.returncode != 0:
        raise RuntimeError(f"piu {cmd[0]} exit {p.returncode}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''}")
    return p.stdout


def calibration_dir(root, size, items=16):
    d = os.path.join(root, f"calibration_{size}")
    if not os.path.isdir(d):
        os.makedirs(d + ".tmp", exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(0, items, 8):
            np.save(os.path.join(d + ".tmp", f"b{i // 8}.npy"), rng.standard_normal((8, 3, size, size)).astype(np.float32))
        os.replace(d + ".tmp", d)
    return d


def input_independent(module, size):
    """True when the float output barely changes with the input (random weights can make a
    network's features die, leaving the output its last biases): SQNR against such an output
    measures noise around a constant."""
    import torch
    with torch.no_grad():
        outs = [module(torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(s))) for s in (1, 2)]
    flat = [torch.cat([v.flatten() for v in (o.values() if isinstance(o, dict) else [o])]) for o in outs]
    return float((flat[0] - flat[1]).std()) < 1e-3 * float(flat[0].std() + 1e-12)


def trace(name, group, root):
    """Builds and saves the model (in the main thread: tracing is not run concurrently). Returns
    the folder, the TorchScript file, the input spec and notes on what was changed."""
    import torch
    tmp = tempfile.mkdtemp(dir=root)
    module, spec = export_zoo.build(name, group)
    size = export_zoo.SIZES.get(name, 224)
    notes = []
    torch.manual_seed(0)
    eager = export_zoo.eager(name, group)
    if group == "classification":
        # torchvision zero-initializes some classifier heads (ViT): their outputs are the bias,
        # which any quantization reproduces exactly. Give such Linear layers random weights.
        zero = [m for m in eager.modules() if isinstance(m, torch.nn.Linear) and not m.weight.detach().any()]
        if zero:
            with torch.no_grad():
                for m in zero:
                    torch.nn.init.normal_(m.weight, std=0.02)
            notes.append("zero Linear heads given random weights")
    if input_independent(eager, size):
        # BatchNorm's initial statistics (mean 0, variance 1) let activations die through depth:
        # set them from random inputs, as training would, so that the output depends on the input.
        bns = [m for m in eager.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches below
        eager.train()
        with torch.no_grad():
            for s in range(4):
                eager(torch.randn(4, 3, size, size, generator=torch.Generator().manual_seed(100 + s)))
        eager.eval()
        notes.append("BatchNorm statistics set from random inputs (the output did not depend on the input)")
    if notes:
        module = torch.jit.trace(eager, torch.randn(1, 3, size, size), check_trace=False, strict=False)
    pt = os.path.join(tmp, "m.pt")
    module.save(pt)
    return tmp, pt, spec, notes


def run_one(args, name, group, root, traced):
    row = {"model": name, "group": group, "status": "ok"}
    t0 = time.perf_counter()
    tmp = None
    try:
        if isinstance(traced, Exception):
            raise traced
        tmp, pt, spec, notes = traced
        if notes:
            row["notes"] = notes
        size = int(spec.split("x")[-1])
        onnx_path, opt, q = (os.path.join(tmp, f) for f in ("m.onnx", "m.opt.onnx", "m.int8.onnx"))
        piu(args, "export", pt, "-o", onnx_path, "--shape", spec, "--opset", 17, "--no-verify")
        os.remove(pt)
        piu(args, "optimize", onnx_path, "-o", opt, "--no-verify")
        data = calibration_dir(root, size)
        t1 = time.perf_counter()
        common = [opt, "-o", q, "--data", data, "--batch", 8, "--threads", args.threads, "--json"]
        if args.no_fallback:
            r = json.loads(piu(args, "quantize", *common))
            sqnr = r["sqnr_db"]
        else:
            # One run: the fallback measures the all-int8 model first and only goes on under the target.
            r = json.loads(piu(args, "quantize", *common, "--max-error", f"{TARGET_DB}db"))
            sqnr = r["sqnr_all_quantized_db"]
        row.update(quantize_s=round(time.perf_counter() - t1, 1), quantizable=r["quantizable_nodes"],
                   quantized=r["quantized_nodes"] + len(r["excluded"]), sqnr_db=sqnr)
        if args.no_fallback and sqnr is not None and sqnr < TARGET_DB:
            row.update(fallback_skipped=True)
        elif not args.no_fallback and r["excluded"]:
            row.update(fallback_excluded=r["excluded"], fallback_sqnr_db=r["sqnr_db"],
                       fallback_quantized=r["quantized_nodes"],
                       fallback_measured=sum(1 for f in r["fallback"] if f["sqnr_db_without"] is not None))
    except Exception as e:  # noqa: BLE001 - one row per model, whatever failed
        row.update(status="failed", error=str(e)[-400:])
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def fmt_db(v):
    return "∞ (exact)" if v is None else f"{v:.1f}"


def markdown(rows):
    where = any("where" in r for r in rows)  # merged runs of several machines name theirs
    out = ["| model | int8 nodes | output SQNR dB | fallback: kept in float → SQNR dB |" + (" run on |" if where else ""),
           "|---|---:|---:|---|" + ("---|" if where else "")]
    for r in sorted(rows, key=lambda r: r["model"]):
        tail = f" {r.get('where', '')} |" if where else ""
        name = r["model"] + (" †" if any("BatchNorm" in n for n in r.get("notes", [])) else "")
        if r["status"] != "ok":
            out.append(f"| {name} | — | failed: {r.get('error', '')[:90]} | |{tail}")
            continue
        fb = "not run" if r.get("fallback_skipped") else ""
        if "fallback_excluded" in r:
            ex = r["fallback_excluded"]
            fb = f"{len(ex)} node{'s' if len(ex) != 1 else ''} ({', '.join(ex[:3])}{', …' if len(ex) > 3 else ''}) → {fmt_db(r['fallback_sqnr_db'])}"
        out.append(f"| {name} | {r['quantized']}/{r['quantizable']} | {fmt_db(r['sqnr_db'])} | {fb} |{tail}")
    ok = [r for r in rows if r["status"] == "ok"]
    met = [r for r in ok if r["sqnr_db"] is None or r["sqnr_db"] >= TARGET_DB]
    fell_back = [r for r in ok if "fallback_excluded" in r]
    fixed = [r for r in fell_back if r["fallback_sqnr_db"] is None or r["fallback_sqnr_db"] >= TARGET_DB]
    skipped = [r for r in ok if r.get("fallback_skipped")]
    out.append("")
    if any(any("BatchNorm" in n for n in r.get("notes", [])) for r in rows):
        out.append("† BatchNorm statistics set from random inputs: with the initial ones the float output did not "
                   "depend on the input.")
        out.append("")
    out.append(f"{len(ok)} of {len(rows)} models quantized and ran on ONNX Runtime; {len(met)} at ≥ {TARGET_DB:.0f} dB "
               f"with every quantizable node in int8, {len(fixed)} of {len(fell_back)} more after the fallback"
               + (f"; {len(skipped)} under the target without the fallback run." if skipped else "."))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--piu", default=os.path.join(export_zoo.ROOT, "build", "bin", "piu"))
    ap.add_argument("--checker-python", help="unused (export_zoo.py compatibility)")
    ap.add_argument("--group", action="append", choices=["classification", "segmentation"])
    ap.add_argument("--json", help="append each result to this file, one JSON line each")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads per piu run (0: its choice)")
    ap.add_argument("--work", default=None, help="folder for temporary files (default: the system's)")
    ap.add_argument("--no-fallback", action="store_true",
                    help="report models under the target without running the fallback (one session per node)")
    ap.add_argument("--from-json")
    ap.add_argument("--skip-json", help="skip models that have a row in this file")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    if args.from_json:
        print(markdown([json.loads(l) for l in open(args.from_json)]))
        return
    groups = args.group or ["classification"]
    todo = []
    for g in groups:
        names = export_zoo.classification_names() if g == "classification" else export_zoo.segmentation_names()
        todo += [(n, g) for n in names if not args.models or n in args.models]
    if args.skip_json and os.path.exists(args.skip_json):
        done = {json.loads(l)["model"] for l in open(args.skip_json)}
        todo = [(n, g) for n, g in todo if n not in done]
    root = tempfile.mkdtemp(prefix="piu_quant_zoo_", dir=args.work)
    for size in sorted({export_zoo.SIZES.get(n, 224) for n, _ in todo}):
        calibration_dir(root, size)
    rows = []

    def record(fut):
        row = fut.result()
        rows.append(row)
        print(f"[{len(rows)}/{len(todo)}] {row['model']:28} {row['status']:7} SQNR {fmt_db(row.get('sqnr_db'))} "
              f"{'fallback ' + str(len(row['fallback_excluded'])) if 'fallback_excluded' in row else ''} "
              f"{row['seconds']} s {row.get('error', '')}", flush=True)
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(row) + "\n")

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        pending = []
        for n, g in todo:
            while True:  # trace only just ahead of the workers; record rows as they finish
                for f in [f for f in pending if f.done()]:
                    pending.remove(f)
                    record(f)
                if len(pending) < args.workers:
                    break
                time.sleep(0.2)
            try:
                traced = trace(n, g, root)
            except Exception as e:  # noqa: BLE001
                traced = e
            pending.append(pool.submit(run_one, args, n, g, root, traced))
        for f in concurrent.futures.as_completed(pending):
            record(f)
    print(markdown(rows))


if __name__ == "__main__":
    main()

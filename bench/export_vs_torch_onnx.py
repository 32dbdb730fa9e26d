#!/usr/bin/env python3
"""`piu export` vs torch.onnx.export: wall time and node counts on torchvision models.

For each model: trace it (random weights, seed 0) and save TorchScript to a temp folder; then
  - torch.onnx.export of the loaded TorchScript module, timed inside this process (Python start-up
    and imports excluded, as the target says), opset 17, dynamic batch, do_constant_folding=True;
  - `piu export M.pt -o M.onnx --shape -1x3xHxW --opset 17 --no-verify`, timed as a whole process
    (loading LibTorch included), median of --repeats runs, and once more with verification for the
    node count and the check.
Both results are then optimized by `piu optimize` and their node counts compared.

  /usr/bin/python3 bench/export_vs_torch_onnx.py [--repeats 3] [--markdown] [MODEL ...]
Run with Debian's /usr/bin/python3 (its torch is the LibTorch piu links).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "googlenet", "densenet121",
           "squeezenet1_1", "shufflenet_v2_x1_0", "alexnet", "regnet_x_400mf", "resnext50_32x4d", "mnasnet1_0",
           "convnext_tiny", "vgg11_bn"]


def nodes_after_optimize(piu, path, tmp):
    out = os.path.join(tmp, "opt.onnx")
    r = subprocess.run([piu, "optimize", path, "-o", out, "--no-verify", "--json"], capture_output=True, text=True)
    return json.loads(r.stdout)["nodes_after"] if r.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(2)
    tmp = tempfile.mkdtemp()
    rows = []
    for name in args.models or DEFAULT:
        torch.manual_seed(0)
        kw = {"aux_logits": False, "init_weights": False} if name in ("googlenet", "inception_v3") else {}
        model = getattr(torchvision.models, name)(weights=None, **kw).eval()
        size = 299 if name == "inception_v3" else 224
        x = torch.randn(1, 3, size, size)
        pt = os.path.join(tmp, name + ".pt")
        torch.jit.trace(model, x).save(pt)
        scripted = torch.jit.load(pt)
        ref = os.path.join(tmp, name + ".torch.onnx")
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            torch.onnx.export(scripted, x, ref, opset_version=17, input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True)
            times.append(time.perf_counter() - t0)
        row = {"model": name, "torch_s": statistics.median(times)}
        out = os.path.join(tmp, name + ".piu.onnx")
        cmd = [args.piu, "export", pt, "-o", out, "--shape", f"-1x3x{size}x{size}", "--opset", "17"]
        ptimes = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = subprocess.run(cmd + ["--no-verify"], capture_output=True, text=True)
            ptimes.append(time.perf_counter() - t0)
        if r.returncode != 0:
            row["piu_error"] = r.stderr.strip()[-200:]
        else:
            row["piu_s"] = statistics.median(ptimes)
            v = subprocess.run(cmd + ["--json"], capture_output=True, text=True)
            row["verified"] = v.returncode == 0
            row["piu_nodes"] = nodes_after_optimize(args.piu, out, tmp)
        row["torch_nodes"] = nodes_after_optimize(args.piu, ref, tmp)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    if args.markdown:
        print("| model | piu export s | torch.onnx.export s | ratio | verified | nodes (piu, optimized) | nodes (torch.onnx, optimized) |")
        print("|---|---:|---:|---:|:---:|---:|---:|")
        for r in rows:
            if "piu_s" not in r:
                print(f"| {r['model']} | fails | {r['torch_s']:.2f} | | | | {r['torch_nodes']} |")
                continue
            print(f"| {r['model']} | {r['piu_s']:.2f} | {r['torch_s']:.2f} | {r['piu_s'] / r['torch_s']:.2f} | "
                  f"{'yes' if r['verified'] else 'NO'} | {r['piu_nodes']} | {r['torch_nodes']} |")
        ok = [r for r in rows if "piu_s" in r]
        if ok:
            ratios = sorted(r["piu_s"] / r["torch_s"] for r in ok)
            print(f"\npiu / torch.onnx.export: {sum(r['piu_s'] for r in ok) / sum(r['torch_s'] for r in ok):.2f}x in "
                  f"total, per model {ratios[0]:.2f}-{ratios[-1]:.2f}x (median {ratios[len(ratios) // 2]:.2f}x)")
    else:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

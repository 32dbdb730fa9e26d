#!/usr/bin/env python3
"""`piu export` vs torch.onnx.export: wall time and node counts on torchvision models.

For each model: trace it (random weights, seed 0) and save TorchScript to a temp folder; then
  - torch.onnx.export of the loaded TorchScript module, timed inside this process (Python start-up
    and imports excluded, as the target says), opset 17, dynamic batch, do_constant_folding=True;
  - `piu export M.pt -o M.onnx --shape -1x3xHxW --opset 17 --no-verify`, timed as a whole process
    (loading LibTorch included), median of --repeats runs, and once more with verification for the
    node count and the check.
Both results are then optimized by `piu optimize` and their node counts compared.

  /usr/bin/python3 bench/export_vs_torch_onnx.py [--repeats 3] [--markdown] [--all] [--skip-verify] [MODEL ...]
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
sys.path.insert(0, os.path.join(ROOT, "tests", "zoo"))
import export_zoo  # noqa: E402  (the zoo's model builders, so both tools get the same module)

DEFAULT = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "googlenet", "densenet121",
           "squeezenet1_1", "shufflenet_v2_x1_0", "alexnet", "regnet_x_400mf", "resnext50_32x4d", "mnasnet1_0",
           "convnext_tiny", "vgg11_bn", "inception_v3", "vit_b_16", "swin_t", "swin_v2_t", "maxvit_t",
           "efficientnet_v2_s", "fcn_resnet50", "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"]


def nodes_after_optimize(piu, path, tmp):
    out = os.path.join(tmp, "opt.onnx")
    r = subprocess.run([piu, "optimize", path, "-o", out, "--no-verify", "--json"], capture_output=True, text=True)
    return json.loads(r.stdout)["nodes_after"] if r.returncode == 0 else None


def print_markdown(rows):
    print("| model | piu export s (process) | piu export s (in-process) | torch.onnx.export s | ratio (process) | "
          "ratio (in-process) | verified | nodes (piu, optimized) | nodes (torch.onnx, optimized) |")
    print("|---|---:|---:|---:|---:|---:|:---:|---:|---:|")
    for r in rows:
        t = f"{r['torch_s']:.2f}" if "torch_s" in r else "fails"
        if r.get("torch_from") == "eager":
            t += " (eager)"
        if "piu_s" not in r:
            print(f"| {r['model']} | fails | | {t} | | | | | {r.get('torch_nodes', '')} |")
            continue
        ratio = lambda k: f"{r[k] / r['torch_s']:.2f}" if "torch_s" in r else ""
        print(f"| {r['model']} | {r['piu_s']:.2f} | {r['piu_inprocess_s']:.2f} | {t} | {ratio('piu_s')} | "
              f"{ratio('piu_inprocess_s')} | {'-' if r['verified'] is None else 'yes' if r['verified'] else 'NO'} | {r['piu_nodes']} | "
              f"{r.get('torch_nodes', '')} |")
    ok = [r for r in rows if "piu_s" in r and "torch_s" in r]
    for key, what in (("piu_s", "process, LibTorch load included"), ("piu_inprocess_s", "in-process")):
        if ok:
            ratios = sorted(r[key] / r["torch_s"] for r in ok)
            print(f"\npiu ({what}) / torch.onnx.export: {sum(r[key] for r in ok) / sum(r['torch_s'] for r in ok):.2f}x "
                  f"in total, per model {ratios[0]:.2f}-{ratios[-1]:.2f}x (median {ratios[len(ratios) // 2]:.2f}x)")
    fewer = sum(1 for r in ok if r.get("piu_nodes") is not None and r.get("torch_nodes") is not None
                and r["piu_nodes"] <= r["torch_nodes"])
    print(f"\nnodes after piu optimize: piu <= torch.onnx on {fewer} of {len(ok)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--skip-verify", action="store_true", help="no verification run (the export zoo verifies)")
    ap.add_argument("--all", action="store_true", help="every classification and segmentation builder")
    ap.add_argument("--from-log", nargs="+", help="print the markdown of saved result lines (stderr of earlier runs)")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    if args.from_log:
        rows = {}
        for path in args.from_log:  # a later run's row for a model replaces an earlier one
            for line in open(path):
                if line.startswith("{"):
                    r = json.loads(line)
                    rows[r["model"]] = r
        print_markdown(list(rows.values()))
        return
    torch.set_num_threads(2)
    tmp = tempfile.mkdtemp()
    rows = []
    names = args.models or DEFAULT
    if args.all:
        names = export_zoo.classification_names() + export_zoo.segmentation_names()
    for name in names:
        with torch.no_grad():
            scripted, spec = export_zoo.build(name, export_zoo.group_of(name))
        pt = os.path.join(tmp, name + ".pt")
        scripted.save(pt)
        scripted = torch.jit.load(pt)
        dims = [int(d) for d in spec.split("x")]
        x = torch.randn(*[1 if d < 0 else d for d in dims])
        ref = os.path.join(tmp, name + ".torch.onnx")
        times = []
        source = scripted
        if export_zoo.group_of(name) == "segmentation":  # torch.onnx cannot export a returned dict: give it the values
            torch.manual_seed(0)
            model = torchvision.models.get_model(name, weights=None, weights_backbone=None).eval()
            source = torch.jit.trace(export_zoo.Values(model), x, check_trace=False)
        try:
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                torch.onnx.export(source, x, ref, opset_version=17, input_names=["input"],
                                  dynamic_axes={"input": {0: "batch"}}, do_constant_folding=True)
                times.append(time.perf_counter() - t0)
            row = {"model": name, "torch_s": statistics.median(times)}
        except Exception as e:
            # torch.onnx cannot export the TorchScript module (ViT's fused attention, Swin V2's
            # in-place zero_): export the eager model instead, as its users would.
            try:
                torch.manual_seed(0)
                eager = export_zoo.eager(name, export_zoo.group_of(name))
                if export_zoo.group_of(name) == "segmentation":
                    eager = export_zoo.Values(eager)
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    torch.onnx.export(eager, x, ref, opset_version=17, input_names=["input"],
                                      dynamic_axes={"input": {0: "batch"}}, do_constant_folding=True)
                    times.append(time.perf_counter() - t0)
                row = {"model": name, "torch_s": statistics.median(times), "torch_from": "eager",
                       "torch_script_error": str(e).splitlines()[0][:200]}
            except Exception as e2:  # torch.onnx cannot export it either way: reported
                row = {"model": name, "torch_error": str(e2).splitlines()[0][:200]}
        out = os.path.join(tmp, name + ".piu.onnx")
        cmd = [args.piu, "export", pt, "-o", out, "--shape", spec, "--opset", "17"]
        ptimes, inproc = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = subprocess.run(cmd + ["--no-verify", "--json"], capture_output=True, text=True)
            ptimes.append(time.perf_counter() - t0)
            if r.returncode == 0:
                sec = json.loads(r.stdout)["seconds"]
                inproc.append(sec["read"] + sec["convert"] + sec["finish"])
        if r.returncode != 0:
            row["piu_error"] = r.stderr.strip()[-200:]
        else:
            row["piu_s"] = statistics.median(ptimes)
            row["piu_inprocess_s"] = statistics.median(inproc)
            if args.skip_verify:  # verified by tests/zoo/export_zoo.py instead
                row["verified"] = None
            else:
                v = subprocess.run(cmd + ["--json"], capture_output=True, text=True)
                row["verified"] = v.returncode == 0
            row["piu_nodes"] = nodes_after_optimize(args.piu, out, tmp)
        if "torch_s" in row:
            row["torch_nodes"] = nodes_after_optimize(args.piu, ref, tmp)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        for f in os.listdir(tmp):  # models, their external data, optimized copies
            os.remove(os.path.join(tmp, f))
    if args.markdown:
        print_markdown(rows)
    else:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

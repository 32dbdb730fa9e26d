#!/usr/bin/env python3
"""`piu.export(nn.Module)` vs `torch.onnx.export(nn.Module)`, both in one Python process.

For each torchvision model (random weights, seed 0; tests/zoo/export_zoo.py builds them) the same
live module is exported both ways at opset 17 with a dynamic batch, inside one process that has
already imported torch and piu:
  - torch.onnx.export(module, x, path, opset_version=17, dynamic_axes={"input": {0: "batch"}})
  - piu.export(module, path, example_inputs=x, opset=17, verify=False): trace, trace check against
    the live module, torch.jit.save into memory, piu's C++ exporter from those bytes, written;
  - piu.export(..., verify=True) (the default): the same plus verification on ONNX Runtime against
    LibTorch at batches 1 and 4 before writing.
Median of --repeats runs each, alternating the tools. A returned dict (segmentation) is given to
torch.onnx as its values.

  /usr/bin/python3 -W ignore bench/export_module_vs_torch_onnx.py [--repeats 3] [--all] [--markdown] [MODEL ...]
Run with PYTHONPATH=build/python and Debian's /usr/bin/python3 (its torch is the LibTorch piu links).
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch

import piu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "zoo"))
import export_zoo  # noqa: E402

DEFAULT = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "googlenet", "densenet121",
           "squeezenet1_1", "shufflenet_v2_x1_0", "alexnet", "regnet_x_400mf", "resnext50_32x4d", "mnasnet1_0",
           "convnext_tiny", "vgg11_bn", "inception_v3", "vit_b_16", "swin_t", "efficientnet_v2_s", "fcn_resnet50",
           "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"]


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def one(name, repeats, tmp):
    group = export_zoo.group_of(name)
    torch.manual_seed(0)
    module = export_zoo.eager(name, group)
    size = export_zoo.SIZES.get(name, 224)
    x = torch.randn(1, 3, size, size)
    row = {"model": name}
    ref, out = os.path.join(tmp, "torch.onnx"), os.path.join(tmp, "piu.onnx")
    source = export_zoo.Values(module) if group == "segmentation" else module

    def torch_onnx():
        torch.onnx.export(source, x, ref, opset_version=17, input_names=["input"],
                          dynamic_axes={"input": {0: "batch"}}, do_constant_folding=True)

    def piu_export(verify):
        return lambda: piu.export(module, out, example_inputs=x, opset=17, verify=verify)

    try:
        row["torch_s"] = timed(torch_onnx, repeats)
    except Exception as e:  # noqa: BLE001 (reported, not fatal)
        row["torch_error"] = str(e).splitlines()[0][:200]
    try:
        row["piu_s"] = timed(piu_export(False), repeats)
        row["piu_verified_s"] = timed(piu_export(True), 1)
    except piu.Error as e:
        row["piu_error"] = str(e)[:200]
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    return row


def print_markdown(rows):
    print("| model | torch.onnx.export s | piu.export s (verify=False) | ratio | piu.export s (verified) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        t = f"{r['torch_s']:.2f}" if "torch_s" in r else "fails"
        if "piu_s" not in r:
            print(f"| {r['model']} | {t} | fails | | | |")
            continue
        ratio = (lambda k: f"{r[k] / r['torch_s']:.2f}") if "torch_s" in r else (lambda k: "")
        print(f"| {r['model']} | {t} | {r['piu_s']:.2f} | {ratio('piu_s')} | {r['piu_verified_s']:.2f} | "
              f"{ratio('piu_verified_s')} |")
    ok = [r for r in rows if "piu_s" in r and "torch_s" in r]
    total = sum(r["torch_s"] for r in ok)
    for key, what in (("piu_s", "verify=False"), ("piu_verified_s", "verified")):
        if ok:
            print(f"\npiu.export ({what}) / torch.onnx.export: {sum(r[key] for r in ok) / total:.2f}x in total over "
                  f"{len(ok)} models ({sum(r[key] for r in ok):.1f} s vs {total:.1f} s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--all", action="store_true", help="every classification and segmentation builder")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names = args.models or DEFAULT
    if args.all:
        names = [n for n in export_zoo.classification_names() if n not in export_zoo.HEAVY]
        names += export_zoo.segmentation_names()
    tmp = tempfile.mkdtemp()
    rows = []
    for name in names:
        rows.append(one(name, args.repeats, tmp))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.markdown:
        print_markdown(rows)
    else:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""int8 (piu quantize's Q/DQ) vs fp32 vs onnxruntime.quantization.quantize_static, side by side.

For each model: exports it from torchvision with piu (random weights, dynamic batch) and runs piu
optimize; writes random calibration items (or uses --data); quantizes with `piu quantize` (each
--method) and with ONNX Runtime's `quantize_static` (QDQ; its defaults, and per-channel with uint8
activations); measures each model's output SQNR against fp32 on evaluation items that were not
used for calibration; then times every model with `piu bench` on ONNX Runtime CPU at each batch
size, the variants back to back in each repeat (rotating the order), and reports the median p50
latency and the median of the per-repeat speedup fp32 / variant.

  .deps/venv/bin/python bench/quant_int8.py [--models resnet50 mobilenet_v2] [--batches 1 16]
      [--threads 2] [--repeats 3] [--duration 3] [--items 32] [--markdown] [--json OUT]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def export(args, name):
    pt = os.path.join(args.work, name + ".pt")
    onnx_path = os.path.join(args.work, name + ".onnx")
    opt = os.path.join(args.work, name + ".opt.onnx")
    if not os.path.exists(opt):
        code = (f"import torch, torchvision; torch.manual_seed(0); m = torchvision.models.{name}().eval(); "
                f"torch.jit.trace(m, torch.randn(1, 3, 224, 224)).save({pt!r})")
        sh(["/usr/bin/python3", "-W", "ignore", "-c", code])
        sh([args.piu, "export", pt, "-o", onnx_path, "--shape", "-1x3x224x224"])
        sh([args.piu, "optimize", onnx_path, "-o", opt])
    return opt


def calibration_data(args):
    cal = os.path.join(args.work, "calibration")
    ev = os.path.join(args.work, "evaluation")
    rng = np.random.default_rng(0)
    for d, n in ((cal, args.items), (ev, 16)):
        os.makedirs(d, exist_ok=True)
        for i in range(0, n, 8):
            np.save(os.path.join(d, f"b{i // 8:03d}.npy"), rng.standard_normal((min(8, n - i), 3, 224, 224)).astype(np.float32))
    return cal, ev


def load_items(d):
    return np.concatenate([np.load(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".npy")])


def ort_quantize(fp32, out, cal_dir, per_channel, uint8):
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            import onnxruntime as ort
            name = ort.InferenceSession(fp32, providers=["CPUExecutionProvider"]).get_inputs()[0].name
            self.it = iter([{name: np.load(os.path.join(cal_dir, f))} for f in sorted(os.listdir(cal_dir))])

        def get_next(self):
            return next(self.it, None)

    t = time.time()
    quantize_static(fp32, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=per_channel,
                    activation_type=QuantType.QUInt8 if uint8 else QuantType.QInt8, weight_type=QuantType.QInt8)
    return time.time() - t


def sqnr(fp32, model, x):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    outs = []
    for path in (fp32, model):
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        outs.append(np.concatenate([s.run(None, {s.get_inputs()[0].name: x[i:i + 8]})[0] for i in range(0, len(x), 8)]))
    ref, got = outs[0].astype(np.float64), outs[1].astype(np.float64)
    return float(10 * np.log10((ref ** 2).sum() / max(((ref - got) ** 2).sum(), 1e-300)))


def bench(args, model, batch):
    out = sh([args.piu, "bench", model, "--batch", str(batch), "--threads", str(args.threads), "--warmup", "3",
              "--duration", str(args.duration), "--json"])
    return json.loads(out)["results"][0]["p50_ms"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=["resnet50", "mobilenet_v2"])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 16])
    p.add_argument("--methods", nargs="+", default=["entropy", "minmax", "percentile"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--duration", type=float, default=3)
    p.add_argument("--items", type=int, default=32)
    p.add_argument("--work", default="/tmp/piu-quant-bench")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--json", help="write results here")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    args.piu = os.path.join(args.build, "bin", "piu")
    os.makedirs(args.work, exist_ok=True)
    cal, ev = calibration_data(args)
    x_eval = load_items(ev)
    results = []
    for name in args.models:
        fp32 = export(args, name)
        variants = {"fp32": fp32}
        info = {}
        for m in args.methods:
            out = os.path.join(args.work, f"{name}.piu-{m}.onnx")
            t = time.time()
            sh([args.piu, "quantize", fp32, "-o", out, "--data", cal, "--method", m, "--batch", "8", "--threads",
                str(args.threads)])
            info[f"piu {m}"] = {"seconds": time.time() - t}
            variants[f"piu {m}"] = out
        # quantize_static writes per-channel DequantizeLinear (opset 13) without converting the opset:
        # it gets the fp32 model converted to opset 13 (piu quantize converts by itself).
        fp32_13 = os.path.join(args.work, f"{name}.opset13.onnx")
        if not os.path.exists(fp32_13):
            import onnx
            from onnx import version_converter
            onnx.save(version_converter.convert_version(onnx.load(fp32), 13), fp32_13)
        for label, pc, u8 in (("ort default", False, False), ("ort per-channel u8", True, True)):
            out = os.path.join(args.work, f"{name}.{label.replace(' ', '-')}.onnx")
            info[label] = {"seconds": ort_quantize(fp32_13, out, cal, pc, u8)}
            variants[label] = out
        for label, path in variants.items():
            info.setdefault(label, {})["sqnr_db"] = None if label == "fp32" else sqnr(fp32, path, x_eval)
        for batch in args.batches:
            lat = {k: [] for k in variants}
            labels = list(variants)
            for r in range(args.repeats):
                order = labels[r % len(labels):] + labels[:r % len(labels)]
                for label in order:
                    lat[label].append(bench(args, variants[label], batch))
            for label in labels:
                ratios = [f / v for f, v in zip(lat["fp32"], lat[label])]
                row = {"model": name, "variant": label, "batch": batch, "p50_ms": statistics.median(lat[label]),
                       "speedup": statistics.median(ratios), "speedup_min": min(ratios), "speedup_max": max(ratios),
                       **info[label]}
                results.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {args.threads} threads"
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "results": results}, f, indent=1)
    if args.markdown:
        print(f"| model | variant | batch | p50 ms | speedup vs fp32 (median [min, max]) | output SQNR dB |")
        print("|---|---|---|---|---|---|")
        for r in results:
            s = "—" if r["sqnr_db"] is None else f"{r['sqnr_db']:.1f}"
            print(f"| {r['model']} | {r['variant']} | {r['batch']} | {r['p50_ms']:.1f} | "
                  f"{r['speedup']:.2f}× [{r['speedup_min']:.2f}, {r['speedup_max']:.2f}] | {s} |")


if __name__ == "__main__":
    main()

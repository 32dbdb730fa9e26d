#!/usr/bin/env python3
"""`piu bench` against a plain onnxruntime-Python loop, side by side in one run.

For each repeat, model and batch size, runs `piu bench` and bench/ort_python_loop.py back to back
(alternating which goes first), each in its own process with the same thread count, warmup and
timed duration (both stop after the first run past the duration, and run at least 10 times).
Reports the median over repeats of each side's p50 latency, and the median (with min and max) of
the per-repeat ratio piu/ORT-Python: each ratio compares two runs taken seconds apart, which
cancels most of the drift of a noisy machine. The best-run ratio compares each side's fastest
single run (median over repeats), which is the least disturbed by other load.

  .deps/venv/bin/python bench/bench_vs_ort_python.py [--models resnet18 mobilenet_v3_small]
      [--batches 1 16] [--threads 2] [--repeats 5] [--duration 3] [--markdown]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_piu(args, model, batch):
    cmd = [os.path.join(args.build, "bin", "piu"), "bench", model, "--batch", str(batch), "--threads", str(args.threads),
           "--warmup", str(args.warmup), "--duration", str(args.duration), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    r = json.loads(out)["results"][0]
    return r["p50_ms"], r["min_ms"]


def run_python(args, model, batch):
    cmd = [sys.executable, os.path.join(ROOT, "bench", "ort_python_loop.py"), model, "--batch", str(batch), "--threads",
           str(args.threads), "--warmup", str(args.warmup), "--duration", str(args.duration)]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return r["p50_ms"], r["min_ms"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", nargs="+", default=["resnet18", "mobilenet_v3_small"])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 16])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--duration", type=float, default=3.0, help="seconds of timed runs per side and repeat")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    rows = []
    for name in args.models:
        model = os.path.join(args.build, "models", name + ".onnx")
        for batch in args.batches:
            piu_ms, py_ms = [], []
            for r in range(args.repeats):
                first, second = (run_piu, run_python) if r % 2 == 0 else (run_python, run_piu)
                a = first(args, model, batch)
                b = second(args, model, batch)
                (piu_ms, py_ms)[first is run_python].append(a)
                (piu_ms, py_ms)[second is run_python].append(b)
                print(f"  {name} batch {batch} repeat {r + 1}/{args.repeats}: p50 piu {piu_ms[-1][0]:.3f} ms, "
                      f"ort-python {py_ms[-1][0]:.3f} ms", file=sys.stderr, flush=True)
            ratios = [a[0] / b[0] for a, b in zip(piu_ms, py_ms)]
            min_ratios = [a[1] / b[1] for a, b in zip(piu_ms, py_ms)]
            rows.append((name, batch, statistics.median(a[0] for a in piu_ms), statistics.median(b[0] for b in py_ms),
                         statistics.median(ratios), min(ratios), max(ratios), statistics.median(min_ratios)))
    if args.markdown:
        print("| model | batch | threads | piu p50 ms | ORT-Python p50 ms | p50 ratio piu/ORT-Python (range) "
              "| best-run ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, batch, a, b, r, lo, hi, m in rows:
            print(f"| {name} | {batch} | {args.threads} | {a:.3f} | {b:.3f} | **{r:.3f}** ({lo:.2f}–{hi:.2f}) | {m:.3f} |")
    else:
        print(f"{'model':<20} {'batch':>5} {'piu p50 ms':>11} {'ort-py p50 ms':>14} {'ratio':>7} {'lo':>6} {'hi':>6} "
              f"{'best':>6}")
        for name, batch, a, b, r, lo, hi, m in rows:
            print(f"{name:<20} {batch:>5} {a:>11.3f} {b:>14.3f} {r:>7.3f} {lo:>6.2f} {hi:>6.2f} {m:>6.3f}")
    print(f"threads {args.threads}, warmup {args.warmup}, duration {args.duration} s, repeats {args.repeats}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores", file=sys.stderr)


if __name__ == "__main__":
    main()

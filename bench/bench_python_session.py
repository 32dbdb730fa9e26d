#!/usr/bin/env python3
"""`piu.Session.run` against `onnxruntime.InferenceSession.run`, side by side in one process.

Same model file, same intra-op thread count, same input array, default graph optimization on both.
Each repeat times one loop of each (alternating which goes first) for --duration seconds after
--warmup runs; reported: the median over repeats of each side's p50, and the median (with its
range) of the per-repeat ratio piu/ORT, which cancels most of a noisy machine's drift.

  PYTHONPATH=build/python .deps/venv/bin/python bench/bench_python_session.py \\
      [--models resnet18 shapes] [--batches 1 16] [--threads 2] [--repeats 7] [--duration 2] [--markdown]

(The venv's interpreter is Debian's Python 3.11, the ABI build/python/piu is built for; the venv
has onnxruntime, Debian's python3 does not.)
"""
import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

import piu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def time_loop(run, warmup, duration):
    for _ in range(warmup):
        run()
    times = []
    deadline = time.perf_counter() + duration
    while len(times) < 10 or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", nargs="+", default=["resnet18", "shapes"])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 16])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--duration", type=float, default=2.0)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    rows = []
    for name in a.models:
        path = os.path.join(a.build, "models", name + ".onnx")
        session = piu.Session(path, threads=a.threads)
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        reference = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        info = session.inputs[0]
        for batch in a.batches:
            shape = [batch if d < 0 else d for d in info["shape"]]
            x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
            feed = {info["name"]: x}
            run_piu = lambda: session.run([x])  # noqa: E731
            run_ort = lambda: reference.run(None, feed)  # noqa: E731
            assert np.allclose(run_piu()[0], run_ort()[0], rtol=1e-4, atol=1e-5), "piu and ORT disagree"
            piu_ms, ort_ms = [], []
            for r in range(a.repeats):
                order = [(run_piu, piu_ms), (run_ort, ort_ms)]
                for fn, out in order if r % 2 == 0 else order[::-1]:
                    out.append(time_loop(fn, a.warmup, a.duration))
                print(f"  {name} batch {batch} repeat {r + 1}/{a.repeats}: p50 piu {piu_ms[-1]:.4f} ms, "
                      f"ort {ort_ms[-1]:.4f} ms", file=sys.stderr, flush=True)
            ratios = [x / y for x, y in zip(piu_ms, ort_ms)]
            rows.append((name, batch, statistics.median(piu_ms), statistics.median(ort_ms), statistics.median(ratios),
                         min(ratios), max(ratios)))
    if a.markdown:
        print("| model | batch | threads | piu.Session p50 ms | InferenceSession p50 ms | ratio piu/ORT (range) |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, batch, x, y, r, lo, hi in rows:
            print(f"| {name} | {batch} | {a.threads} | {x:.4f} | {y:.4f} | **{r:.3f}** ({lo:.2f}–{hi:.2f}) |")
    else:
        for name, batch, x, y, r, lo, hi in rows:
            print(f"{name:<12} {batch:>5} {x:>10.4f} {y:>10.4f} {r:>7.3f} {lo:>6.2f} {hi:>6.2f}")
    print(f"piu {piu.__version__}, onnxruntime {ort.__version__}, threads {a.threads}, warmup {a.warmup}, "
          f"duration {a.duration} s, repeats {a.repeats}, {platform.machine()}, {os.cpu_count()} cores", file=sys.stderr)


if __name__ == "__main__":
    main()

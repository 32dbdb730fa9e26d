#!/usr/bin/env python3
"""The baseline: a plain onnxruntime-Python loop (InferenceSession.run) timing one model.

  ort_python_loop.py MODEL --batch N --threads T --warmup W [--iterations I | --duration S]
prints JSON {"p50_ms", "mean_ms", ...}. Same random input recipe and thread settings as `piu bench`.
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--iterations", type=int, default=0, help="exact timed runs (default: run for --duration)")
    p.add_argument("--duration", type=float, default=3.0, help="seconds of timed runs, at least 10 runs")
    a = p.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 0
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [a.batch if not isinstance(d, int) or d < 0 else d for d in inp.shape]
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    feed = {inp.name: x}
    for _ in range(a.warmup):
        sess.run(None, feed)
    times = []
    deadline = time.perf_counter() + a.duration
    while (len(times) < a.iterations) if a.iterations > 0 else (len(times) < 10 or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    print(json.dumps({"p50_ms": float(np.percentile(times, 50, method="inverted_cdf")),
                      "mean_ms": float(np.mean(times)), "min_ms": times[0], "iterations": len(times)}))


if __name__ == "__main__":
    main()

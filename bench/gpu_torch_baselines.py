#!/usr/bin/env python3
"""PyTorch's side of the GPU benchmark (issue 15), and the model files piu's GPU backends read.

What it measures: torchvision ResNet-50 and ViT-B/16 (weights=None, torch.manual_seed(0), eval; a
zero-initialized Linear layer, ViT's head, gets seeded normal weights so that outputs depend on the
input), per dtype (fp32; fp16 = model.half() with half inputs) and batch size, run from Python as
  eager             model(x) under torch.inference_mode
  cudagraph         the same model captured once into a torch.cuda.CUDAGraph (after warmup on a side
                    stream), then replayed on its static input buffer
  reduce-overhead   torch.compile(model, mode="reduce-overhead", dynamic=False), a fresh compile per
                    model/dtype/batch (Inductor with CUDA graphs)
  max-autotune      torch.compile(..., mode="max-autotune") (opt-in: its compiles take minutes)
How: the input is already on the device ("device I/O": no host copies are timed); each call is timed
alone between two CUDA events on the current stream and waited for (the end event is synchronized
before the next call, as a synchronous `piu bench` call is); warmup first, then --repeats repeats
of up to --iters calls (fewer where a repeat would exceed --repeat-seconds, at least 10). Per
repeat: mean, p50/p90/p99 (nearest rank, as `piu bench`) and items/s = batch / mean; reported: the median over
repeats of each. fp32 runs with TF32 OFF for matmuls and cuDNN unless --tf32 (the output says
which); cudnn.benchmark = True. A config that fails is reported with its error; the rest go on.

--export-dir DIR writes what piu's backends read, per model (the models above, traced at batch 2):
<model>.pt (torch.jit.trace of the fp32 model under torch.no_grad, as inference runs it: ViT's
attention takes PyTorch's fused path; torch.jit.save), <model>.onnx (torch.onnx.export, opset 17,
dynamo=False, input "input", output "output", dynamic dim "batch", of the same module traced with
autograd on: the fused attention op has no ONNX export; for ResNet-50 both traces are the same graph)
and AOTInductor packages <model>_fp32.pt2 / <model>_fp16.pt2 (torch.export.export on the device with
a dynamic batch Dim(min 1, max 64), then torch._inductor.aoti_compile_and_package; with
--aoti-max-autotune, compiled with max_autotune) and, for each of --batches, static packages
<model>_<dtype>_b<batch>.pt2 (torch.export.export at that batch, no dynamic dims: Inductor then
specializes and lays out every kernel for that shape, as torch.compile(dynamic=False) does);
--export-kinds picks which (default pt,onnx,aoti; aoti-static opt-in); an export that fails is
skipped with its reason, and DIR/export.json lists what was written.

Usage (GPU machine, torch 2.x; not yet timed there: expect minutes per model, mostly compiles):
  /opt/torch/.venv/bin/python3 bench/gpu_torch_baselines.py --json torch_gpu.json
  ... --models vit_b_16 --modes max-autotune --json torch_gpu_autotune.json    # opt-in, minutes a compile
  ... --modes none --export-dir /tmp/export                                     # model files only
Local check (CPU, torch 1.13: what it lacks is skipped with a message):
  /usr/bin/python3 bench/gpu_torch_baselines.py --device cpu --models resnet50 --batches 1 --modes eager --iters 3
bench/gpu_report.py joins --json FILE with piu's results (bench/gpu_bench.sh).
"""
import argparse
import datetime
import importlib
import inspect
import json
import math
import os
import platform
import statistics
import sys
import time

import torch
import torchvision

MODELS = ["resnet50", "vit_b_16"]
MODES = ["eager", "cudagraph", "reduce-overhead", "max-autotune"]
DEFAULT_MODES = ["eager", "cudagraph", "reduce-overhead"]
DTYPES = {"fp32": torch.float32, "fp16": torch.float16}


def log(msg):
    """Prints one progress line to stderr at once."""
    print(msg, file=sys.stderr, flush=True)


def csv(text):
    """Splits a comma-separated flag value into its non-empty items."""
    return [t.strip() for t in text.split(",") if t.strip() and t.strip() != "none"]


def build(name, dtype, device, channels_last=False):
    """Returns torchvision's `name` with seeded random weights, eval, on `device` in `dtype`."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    with torch.no_grad():  # ViT's head is zero-initialized (its output would be the bias): seeded weights instead
        for m in model.modules():
            if isinstance(m, torch.nn.Linear) and not m.weight.any():
                torch.nn.init.normal_(m.weight, std=0.02)
    model = model.to(device=device, dtype=dtype)
    return model.to(memory_format=torch.channels_last) if channels_last else model


def example(batch, dtype, device, channels_last=False):
    """Returns a seeded random image batch (N, 3, 224, 224) on `device` in `dtype`."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 3, 224, 224, generator=g).to(device=device, dtype=dtype)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def sync(device):
    """Waits for all work queued on `device` (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def capture_graph(model, x, device):
    """Warms `model` up on a side stream, captures one call into a CUDA graph; returns its replay."""
    if device.type != "cuda":
        raise RuntimeError("CUDA graphs need a CUDA device")
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(3):
            model(x)
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = model(x)

    def replay():
        """Replays the captured call; the output lands in the captured output buffer."""
        graph.replay()
        return out
    return replay


def make_runner(mode, model, x, device):
    """Returns (call, before_each_call or None, setup seconds) for `mode` on the static input `x`."""
    t0 = time.perf_counter()
    before = None
    if mode == "eager":
        call = lambda: model(x)  # noqa: E731
    elif mode == "cudagraph":
        call = capture_graph(model, x, device)
    else:
        if not hasattr(torch, "compile"):
            raise RuntimeError(f"torch.compile is missing in torch {torch.__version__}")
        optional("torch._dynamo").reset()
        compiled = torch.compile(model, mode=mode, dynamic=False)
        call = lambda: compiled(x)  # noqa: E731
        before = getattr(getattr(torch, "compiler", None), "cudagraph_mark_step_begin", None)
        for _ in range(3):  # compile, then the CUDA-graph trees' warmup and recording runs
            if before:
                before()
            call()
    sync(device)
    return call, before, time.perf_counter() - t0


def percentile(sorted_ms, p):
    """Nearest-rank p-th percentile of an ascending list."""
    return sorted_ms[max(0, min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1))]


def time_calls(call, before, n, device):
    """Times `n` calls one by one (CUDA events on a GPU, perf_counter on the CPU); returns ms each."""
    if device.type != "cuda":
        out = []
        for _ in range(n):
            if before:
                before()
            t0 = time.perf_counter()
            call()
            out.append((time.perf_counter() - t0) * 1e3)
        return out
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(n)]
    for start, end in events:
        if before:
            before()
        start.record()
        call()
        end.record()
        end.synchronize()
    return [start.elapsed_time(end) for start, end in events]


def measure(call, before, batch, device, args):
    """Warmup, then --repeats repeats; returns the median over repeats of each statistic."""
    for _ in range(args.warmup):
        if before:
            before()
        call()
    sync(device)
    probe = statistics.median(time_calls(call, before, 3, device))
    iters = max(min(args.iters, 10), min(args.iters, int(args.repeat_seconds * 1e3 / max(probe, 1e-3))))
    runs = []
    for _ in range(args.repeats):
        ms = sorted(time_calls(call, before, iters, device))
        mean = sum(ms) / len(ms)
        runs.append({"mean_ms": mean, "p50_ms": percentile(ms, 50),
                     "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99), "min_ms": ms[0],
                     "items_per_s": batch * 1e3 / mean})
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    out.update(iterations=iters, repeats=args.repeats, warmup=args.warmup,
               p50_ms_repeats=[round(r["p50_ms"], 4) for r in runs])
    return out


def device_name(device):
    """Names the GPU (or the CPU) that `device` is."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def bench(args, device, meta, on_record=None):
    """Runs every model/dtype/batch/mode config; returns one record each (an "error" where it failed).
    on_record(records so far) is called after each config (a long run killed midway keeps its results)."""
    configs = [(m, d, b, mode) for m in args.models for d in args.dtypes for b in args.batches for mode in args.modes]
    records = []
    model_key, model = None, None
    for i, (name, dtype, batch, mode) in enumerate(configs, 1):
        rec = dict(meta, model=name, dtype=dtype, batch=batch, mode=mode, channels_last=args.channels_last,
                   tf32=args.tf32 if dtype == "fp32" else None)
        tag = f"[{i}/{len(configs)}] {name} {dtype} batch {batch} {mode}"
        t0 = time.perf_counter()
        try:
            if model_key != (name, dtype):
                model, model_key = None, None
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                model, model_key = build(name, DTYPES[dtype], device, args.channels_last), (name, dtype)
            x = example(batch, DTYPES[dtype], device, args.channels_last)
            with torch.inference_mode():
                call, before, setup_s = make_runner(mode, model, x, device)
                rec["setup_s"] = round(setup_s, 2)
                rec.update(measure(call, before, batch, device, args))
            del call, before
            log(f"{tag}: setup {setup_s:.1f} s, p50 {rec['p50_ms']:.3f} ms, {rec['items_per_s']:.1f} items/s "
                f"({rec['iterations']} x {rec['repeats']} calls; {time.perf_counter() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001 (reported in the record, the next config runs)
            rec["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}"
            log(f"{tag}: FAILED {rec['error']}")
        records.append(rec)
        if on_record:
            on_record(records)
        if mode not in ("eager", "cudagraph") and optional("torch._dynamo"):
            optional("torch._dynamo").reset()
    return records


def export_models(args, device):
    """Writes <model>.pt, <model>.onnx and <model>_<dtype>.pt2 into --export-dir; returns what happened."""
    os.makedirs(args.export_dir, exist_ok=True)
    done = {}

    def attempt(what, path, fn):
        """Runs one export step, printing its time or why it was skipped."""
        t0 = time.perf_counter()
        try:
            fn(path)
            done[os.path.basename(path)] = f"ok ({time.perf_counter() - t0:.1f} s)"
            log(f"export {path}: {time.perf_counter() - t0:.1f} s, {os.path.getsize(path) / 2**20:.0f} MiB")
        except Exception as e:  # noqa: BLE001 (skipped with its reason)
            reason = f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0][:300]}"
            done[os.path.basename(path)] = "skipped: " + reason
            log(f"export {what} skipped: {reason}")

    onnx_kwargs = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    kinds = set(args.export_kinds)
    for name in args.models:
        base = os.path.join(args.export_dir, name)
        cpu = torch.device("cpu")
        x = example(2, torch.float32, cpu)  # batch 2: a batch of 1 would pin the batch dim to 1 in torch.export
        model = build(name, torch.float32, cpu)
        if "pt" in kinds:
            with torch.no_grad():  # inference as eager runs it (ViT: nn.MultiheadAttention's fused fast path)
                traced = torch.jit.trace(model, x, check_trace=False)
            attempt("TorchScript", base + ".pt", lambda p: torch.jit.save(traced, p))
        if "onnx" in kinds:
            # autograd on: attention takes its composite path, which has an ONNX export (the fused op has none)
            traced = torch.jit.trace(model, x, check_trace=False)
            # The same trace for `piu export` (device_gpu_bench.sh uses it where torch.onnx fails: ViT on torch 2.11).
            attempt("TorchScript for export", base + ".export.pt", lambda p: torch.jit.save(traced, p))
            attempt("ONNX", base + ".onnx", lambda p: torch.onnx.export(
                traced, (x,), p, opset_version=17, input_names=["input"], output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True, **onnx_kwargs))
        for dtype in args.dtypes:
            if "aoti" in kinds:
                attempt(f"AOTInductor {dtype}", f"{base}_{dtype}.pt2",
                        lambda p: aoti_package(name, dtype, device, p, args))
            if "aoti-static" in kinds:
                for batch in args.batches:
                    attempt(f"AOTInductor {dtype} batch {batch}", f"{base}_{dtype}_b{batch}.pt2",
                            lambda p: aoti_package(name, dtype, device, p, args, static_batch=batch))
    with open(os.path.join(args.export_dir, "export.json"), "w") as f:
        json.dump({"torch": torch.__version__, "date": meta_date(), "files": done}, f, indent=2)


def aoti_package(name, dtype, device, path, args, static_batch=None):
    """Exports `name` in `dtype` with a dynamic batch (1..64), or at `static_batch` with every dim
    static, and compiles it into an AOTInductor package."""
    inductor, export = optional("torch._inductor"), optional("torch.export")
    if export is None or not hasattr(inductor, "aoti_compile_and_package"):
        raise RuntimeError(f"torch {torch.__version__} has no torch.export / aoti_compile_and_package")
    if device.type != "cuda":
        raise RuntimeError("AOTInductor packages for piu's GPU benchmark are compiled on a CUDA device")
    model = build(name, DTYPES[dtype], device)
    x = example(static_batch or 2, DTYPES[dtype], device)
    with torch.no_grad():
        if static_batch:
            program = export.export(model, (x,))
        else:
            program = export.export(model, (x,), dynamic_shapes=({0: export.Dim("batch", min=1, max=64)},))
        configs = {"max_autotune": True} if args.aoti_max_autotune else None
        inductor.aoti_compile_and_package(program, package_path=path, inductor_configs=configs)


def optional(module):
    """Imports `module`, or returns None where this torch lacks it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def meta_date():
    """Today's date and time, ISO, to the second."""
    return datetime.datetime.now().isoformat(timespec="seconds")


def print_table(records, tf32):
    """Prints the results as a fixed-width table for people."""
    print(f"PyTorch {torch.__version__}; device I/O (inputs already on the device); "
          f"fp32 with TF32 {'ON' if tf32 else 'OFF'} (matmul and cuDNN); cudnn.benchmark on")
    print(f"{'model':<10} {'dtype':<5} {'batch':>5} {'mode':<16} {'setup s':>8} {'p50 ms':>9} {'p90 ms':>9} "
          f"{'p99 ms':>9} {'items/s':>10}")
    for r in records:
        head = f"{r['model']:<10} {r['dtype']:<5} {r['batch']:>5} {r['mode']:<16}"
        if "error" in r:
            print(f"{head} failed: {r['error'][:100]}")
        else:
            print(f"{head} {r['setup_s']:>8.1f} {r['p50_ms']:>9.3f} {r['p90_ms']:>9.3f} {r['p99_ms']:>9.3f} "
                  f"{r['items_per_s']:>10.1f}")
    for key in {(r["model"], r["dtype"], r["batch"]) for r in records if "error" not in r}:
        ok = [r for r in records if (r["model"], r["dtype"], r["batch"]) == key and "error" not in r]
        fast, most = min(ok, key=lambda r: r["p50_ms"]), max(ok, key=lambda r: r["items_per_s"])
        print(f"best {key[0]} {key[1]} batch {key[2]}: p50 {fast['p50_ms']:.3f} ms ({fast['mode']}), "
              f"{most['items_per_s']:.1f} items/s ({most['mode']})")


def main():
    """Parses flags, sets the backends' switches, benchmarks and exports as asked."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--models", type=csv, default=MODELS, help="comma-separated torchvision names")
    ap.add_argument("--dtypes", type=csv, default=list(DTYPES), help="fp32,fp16")
    ap.add_argument("--batches", type=lambda s: [int(b) for b in csv(s)], default=[1, 64])
    ap.add_argument("--modes", type=csv, default=DEFAULT_MODES, help=f"any of {','.join(MODES)}, or none")
    ap.add_argument("--warmup", type=int, default=10, help="untimed calls before timing")
    ap.add_argument("--iters", type=int, default=100, help="timed calls per repeat, at most")
    ap.add_argument("--repeat-seconds", type=float, default=1.0, help="fewer calls where a repeat would take longer")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in fp32 matmuls and convolutions (default off)")
    ap.add_argument("--channels-last", action="store_true", help="model and input in channels_last memory format")
    ap.add_argument("--json", metavar="FILE", help="write the records as JSON")
    ap.add_argument("--export-dir", metavar="DIR", help="write <model>.pt, .onnx, _fp32.pt2, _fp16.pt2 there")
    ap.add_argument("--aoti-max-autotune", action="store_true", help="compile the .pt2 packages with max_autotune")
    ap.add_argument("--export-kinds", type=csv, default=["pt", "onnx", "aoti"],
                    help="what --export-dir gets: pt,onnx,aoti (dynamic batch),aoti-static (one per --batches)")
    args = ap.parse_args()
    for bad in set(args.modes) - set(MODES):
        ap.error(f"unknown mode {bad} (modes: {','.join(MODES)})")
    for bad in set(args.export_kinds) - {"pt", "onnx", "aoti", "aoti-static"}:
        ap.error(f"unknown export kind {bad} (kinds: pt,onnx,aoti,aoti-static)")
    for bad in set(args.dtypes) - set(DTYPES):
        ap.error(f"unknown dtype {bad} (dtypes: fp32,fp16)")
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cudnn.benchmark = True
    meta = {"torch": torch.__version__, "torchvision": torchvision.__version__, "gpu": device_name(device),
            "device": str(device), "date": meta_date(), "io": "device",
            "timing": "cuda-events" if device.type == "cuda" else "perf-counter"}
    log(f"torch {torch.__version__} on {meta['gpu']}; fp32 TF32 {'on' if args.tf32 else 'off'} "
        f"(torch.backends.cuda.matmul.allow_tf32={args.tf32}, torch.backends.cudnn.allow_tf32={args.tf32}); "
        f"cudnn.benchmark=True")

    def write(records):
        if args.json:
            with open(args.json + ".tmp", "w") as f:
                json.dump(dict(meta, kind="pytorch-gpu-baselines", command=" ".join(sys.argv), tf32=args.tf32,
                               cudnn_benchmark=True, records=records), f, indent=1)
            os.replace(args.json + ".tmp", args.json)

    records = bench(args, device, meta, on_record=write) if args.modes else []
    if records:
        print_table(records, args.tf32)
    if args.json:
        write(records)
        log(f"wrote {args.json}")
    if args.export_dir:
        export_models(args, device)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The TorchScript op kinds of each export-zoo model as piu's reader roughly sees them, with the
local torch: builds each model exactly as tests/zoo/export_zoo.py does (its build(): same seed, same
trace), then freeze, inline, remove tensor mutation, lower tuples, constant propagation, dead code
(src/backends/torch/torchscript_reader.cpp's passes, less RemoveListMutation, which has no Python binding in
1.13) and counts top-level node kinds (prim::Constant left out). Run it with two torch versions and
scripts/zoo_compare.py --a-ops/--b-ops reports the ops a model has under one version only, also
where piu converts both (the error lists then say nothing).

  python3 scripts/zoo_opkinds.py --zoo tests/zoo/export_zoo.py --json OUT.json \
          [--group classification|segmentation|extra ...] [MODEL ...]
Same model/group selection as export_zoo.py. Output: {"torch": version, "models": {name: {kind: n}}}.
"""
import argparse
import collections
import importlib.util
import json
import os
import sys
import time

import torch


def kinds(module):
    module = torch.jit.freeze(module)
    graph = module.graph.copy()
    torch._C._jit_pass_inline(graph)
    torch._C._jit_pass_remove_mutation(graph)
    torch._C._jit_pass_lower_all_tuples(graph)
    torch._C._jit_pass_constant_propagation(graph)
    torch._C._jit_pass_dce(graph)
    counts = collections.Counter()
    for n in graph.nodes():
        if n.kind() != "prim::Constant":
            counts[n.kind() + (" (with sub-blocks)" if list(n.blocks()) else "")] += 1
    return dict(sorted(counts.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", required=True, help="tests/zoo/export_zoo.py (its build() and model lists)")
    ap.add_argument("--json", required=True)
    ap.add_argument("--group", action="append", choices=["classification", "segmentation", "extra"])
    # export_zoo.py's other options pass through scripts/device_libtorch_run.sh too: accepted, unused
    ap.add_argument("--opset", type=int, action="append")
    ap.add_argument("--verify-opset", type=int, action="append")
    ap.add_argument("--timeout", type=int)
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("export_zoo", args.zoo)
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    groups = args.group or ["classification", "segmentation", "extra"]
    todo = []
    for g in groups:
        names = {"classification": zoo.classification_names, "segmentation": zoo.segmentation_names,
                 "extra": lambda: list(zoo.EXTRA)}[g]()
        todo += [(n, g) for n in names if not args.models or n in args.models]
    out = {"torch": torch.__version__, "models": {}}
    for name, group in todo:
        t0 = time.perf_counter()
        try:
            with torch.no_grad():
                module, _ = zoo.build(name, group)
            out["models"][name] = kinds(module)
        except Exception as e:  # reported, not fatal
            out["models"][name] = {"error": str(e)[:300]}
        print(f"{name}: {len(out['models'][name])} kinds ({time.perf_counter() - t0:.1f} s)", file=sys.stderr,
              flush=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

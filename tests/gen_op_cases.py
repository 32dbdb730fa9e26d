#!/usr/bin/env python3
"""Writes the converter test cases of tests/op_cases/ops_*.py (run with /usr/bin/python3):
OUT_DIR/ops/<name>.pt (traced or scripted), OUT_DIR/ops/<name>.<input>.npy (the example inputs) and
OUT_DIR/ops/cases.json: [{name, ops, inputs: [{name, spec, dtype, file}], opset, atol, rtol}], with
torch_libraries: [path] for a case calling torchvision's ops.
A case that fails to trace is written to cases.json with its "error" (the test reports it)."""
import glob
import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "op_cases"))


def load_cases():
    """Every Case of tests/op_cases/ops_*.py, in file then list order."""
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "op_cases", "ops_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        cases += [(os.path.basename(path), c) for c in mod.CASES]
    return cases


def torchvision_library():
    """The file of torchvision's ops, which LibTorch needs loaded to run a module calling them."""
    import torchvision  # noqa: F401 (registers the ops)

    return importlib.util.find_spec("torchvision._C").origin


def main():
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build/models", "ops")
    os.makedirs(out, exist_ok=True)
    records, seen = [], set()
    for source, case in load_cases():
        torch.manual_seed(0)
        name, module, inputs, names, specs = case.resolved()
        if name in seen:
            raise SystemExit(f"gen_op_cases: two cases named {name} ({source})")
        seen.add(name)
        rec = {"name": name, "ops": list(case.ops), "opset": case.opset, "atol": case.atol, "rtol": case.rtol,
               "source": source, "inputs": []}
        try:
            with torch.no_grad():
                traced = torch.jit.script(module) if case.script else torch.jit.trace(module, inputs, check_trace=False)
            traced.save(os.path.join(out, name + ".pt"))
            if "torchvision::" in str(traced.inlined_graph):
                rec["torch_libraries"] = [torchvision_library()]
            for arg, spec, t in zip(names, specs, inputs):
                file = f"{name}.{arg}.npy"
                np.save(os.path.join(out, file), t.numpy())
                rec["inputs"].append({"name": arg, "spec": spec, "dtype": str(t.numpy().dtype), "file": file})
        except Exception as e:  # noqa: BLE001 (recorded; the test fails with it)
            rec["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        records.append(rec)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""piu's exporter coverage measured against torch.onnx: every aten op that torch.onnx's TorchScript
exporter has a symbolic function for at opset <= 17, joined with piu's converters
(`piu export --list-converters --json`) and with the tests that run each converter:

  - the op cases (tests/op_cases/ops_*.py, generated into build/models/ops: cases.json and one .pt
    per case): a case tests an op it lists in `ops` that its saved graph really contains;
  - the converter families (tests/gen_torch_cases.py, build/models/torch/<family>.pt, exported at
    opsets 11-21 by tests/cli/test_export.py): a family tests every op its traced graph contains.

  /usr/bin/python3 tests/zoo/onnx_coverage.py [--piu build/bin/piu] [--models build/models]
                                              [--max-opset 17] [--markdown OUT.md] [--json OUT.json]
  python3 tests/zoo/onnx_coverage.py --dump-ops ops211.json     # elsewhere, under torch 2.x: its list only
  /usr/bin/python3 tests/zoo/onnx_coverage.py --ops-from ops211.json --markdown OUT.md   # that list, joined here
Run with the Python whose torch matches the LibTorch piu's plugin links (Debian's /usr/bin/python3
here; torch 2.x elsewhere: its list may differ). Generate the models first (scripts/models.sh torch ops).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Ops without a converter and why: ONNX cannot express them, they mean nothing at inference, or
# no graph can contain them. Ops missing from this list and without a converter show as "not yet".
NOT_AN_OP = "not an operator of this LibTorch: a name torch.onnx registers, which no TorchScript graph contains"
REASONS = {
    "aten::_cast_BFloat16": NOT_AN_OP,
    "aten::_cast_Bool": NOT_AN_OP,
    "aten::_cast_ComplexDouble": NOT_AN_OP,
    "aten::_cast_ComplexFloat": NOT_AN_OP,
    "aten::_floor_divide": NOT_AN_OP,
    "aten::get_pool_ceil_padding": "a helper of torch.onnx's pooling symbolics, not an operator",
    "aten::_conj": "complex tensors only (LibTorch asserts on real ones); ONNX Runtime has no complex arithmetic",
    "aten::_sample_dirichlet": "random Dirichlet draws: no ONNX op (torch.onnx only has a Caffe2 ATen fallback)",
    "aten::_standard_gamma": "random Gamma draws: no ONNX op (torch.onnx only has a Caffe2 ATen fallback)",
    "aten::dequantize": "quantized tensors (eager-mode quantized models): piu exports float models and quantizes "
                        "them itself (piu quantize)",
    "aten::quantize_per_tensor": "makes quantized tensors (eager-mode quantization), as aten::dequantize reads them",
    "aten::tanhshrink": "never in a TorchScript graph: F.tanhshrink runs as x - tanh(x) (aten::sub, aten::tanh, "
                        "both converted)",
    "aten::true_divide": "never in a TorchScript graph: tracing and scripting record aten::div (converted)",
    "aten::scan": "a placeholder torch.onnx registers to refuse, not an operator a graph holds",
}


def torch_onnx_ops(max_opset):
    """The aten ops with a TorchScript symbolic at some opset in 7..max_opset, as torch.onnx names
    them (trailing '_' of in-place ops and of '__and__' dropped: 'aten::__and_')."""
    try:
        from torch.onnx._internal import registration
    except ImportError:  # torch >= 2.6 keeps the TorchScript exporter under torchscript_exporter
        from torch.onnx._internal.torchscript_exporter import registration
    import importlib
    for opset in range(7, max_opset + 1):
        for package in ("torch.onnx", "torch.onnx._internal.torchscript_exporter"):
            try:
                importlib.import_module(f"{package}.symbolic_opset{opset}")
            except ImportError:
                pass
    reg = registration.registry
    return sorted(n for n in reg.all_functions() if n.startswith("aten::") and any(
        reg.get_function_group(n).get(o) for o in range(7, max_opset + 1)))


def kinds_of(name):
    """The TorchScript kinds a torch.onnx name stands for: itself and its in-place form, or the
    dunder op ('aten::__and_' -> 'aten::__and__')."""
    op = name.split("::", 1)[1]
    if op.startswith("__") and op.endswith("_") and not op.endswith("__"):
        return [name + "_"]
    return [name, name + "_"]


def graph_kinds(path):
    """Every node kind of a saved TorchScript module's forward graph, calls inlined, blocks included."""
    try:
        import torchvision  # noqa: F401 (registers torchvision's ops, which its op cases call)
    except ImportError:
        pass
    module = torch.jit.load(path)
    graph = module.graph
    torch._C._jit_pass_inline(graph)
    kinds = set()

    def walk(block):
        for node in block.nodes():
            kinds.add(node.kind())
            for b in node.blocks():
                walk(b)
    walk(graph)
    return kinds


def tests_by_kind(models):
    """kind -> tests that run its converter: op cases (listed in `ops` and present in the graph)
    and converter families (present in the graph). Warns about ops a case lists but lacks."""
    tests = {}
    cases_json = os.path.join(models, "ops", "cases.json")
    for case in json.load(open(cases_json)) if os.path.exists(cases_json) else []:
        pt = os.path.join(models, "ops", case["name"] + ".pt")
        if "error" in case or not os.path.exists(pt):
            continue
        present = graph_kinds(pt)
        for op in case["ops"]:
            if op in present:
                tests.setdefault(op, []).append("case " + case["name"])
            else:
                print(f"onnx_coverage: case {case['name']} lists {op} but its graph has no such node", file=sys.stderr)
    shapes = os.path.join(models, "torch", "shapes.txt")
    for line in open(shapes) if os.path.exists(shapes) else []:
        family = line.split()[0]
        for kind in graph_kinds(os.path.join(models, "torch", family + ".pt")):
            tests.setdefault(kind, []).append("family " + family)
    return tests


def coverage(ops, converters, tests):
    rows = []
    for name in ops:
        kinds = kinds_of(name)
        converted = [k for k in kinds if k in converters]
        tested = sorted({t for k in kinds for t in tests.get(k, []) if k in converters},
                        key=lambda t: (not t.startswith("case"), t))
        reason = "" if converted else REASONS.get(name, "not yet")
        rows.append({"op": name, "converter": converted, "tests": tested, "reason": reason})
    return rows


def markdown(rows, max_opset, piu_version, torch_version):
    n = len(rows)
    converted = sum(1 for r in rows if r["converter"])
    tested = sum(1 for r in rows if r["converter"] and r["tests"])
    excused = sum(1 for r in rows if not r["converter"] and r["reason"] != "not yet")
    pct = lambda k: f"{100.0 * k / n:.1f}%"  # noqa: E731
    out = [f"torch.onnx {torch_version}: {n} aten ops with a TorchScript symbolic at opset <= {max_opset}; "
           f"{piu_version}.", "",
           f"- **{tested} of {n} ({pct(tested)}) have a tested converter**; {converted} ({pct(converted)}) have a converter; "
           f"{tested} of the {n - excused} that ONNX can express and a graph can hold "
           f"({100.0 * tested / max(n - excused, 1):.1f}%)",
           f"- {excused} have none for a reason below (ONNX cannot express them, or no graph contains them); "
           f"{n - converted - excused} {'has' if n - converted - excused == 1 else 'have'} none yet", "",
           "| op (torch.onnx's name) | piu converter | test |", "|---|---|---|"]
    for r in rows:
        conv = "✓ " + ", ".join(f"`{k}`" for k in r["converter"]) if r["converter"] else "— " + r["reason"]
        test = ", ".join(r["tests"][:3]) + (f" (+{len(r['tests']) - 3})" if len(r["tests"]) > 3 else "")
        out.append(f"| `{r['op']}` | {conv} | {test or ('—' if r['converter'] else '')} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--models", default=os.path.join(ROOT, "build", "models"))
    ap.add_argument("--max-opset", type=int, default=17)
    ap.add_argument("--markdown", help="write the table here (default: stdout)")
    ap.add_argument("--json", help="write the rows as JSON here")
    ap.add_argument("--dump-ops", help="write this torch's op list ({torch, max_opset, ops}) here and exit "
                                       "(on a machine with another torch, for --ops-from here)")
    ap.add_argument("--ops-from", help="the op list of another torch (a --dump-ops file) instead of this one's; "
                                       "the tests are still this machine's op cases")
    args = ap.parse_args()
    if args.dump_ops:
        json.dump({"torch": torch.__version__, "max_opset": args.max_opset, "ops": torch_onnx_ops(args.max_opset)},
                  open(args.dump_ops, "w"), indent=1)
        return
    torch_version, ops = torch.__version__, None
    if args.ops_from:
        other = json.load(open(args.ops_from))
        torch_version, ops = other["torch"], other["ops"]
    converters = set(json.loads(subprocess.run([args.piu, "export", "--list-converters", "--json"], check=True,
                                               capture_output=True, text=True).stdout))
    version = subprocess.run([args.piu, "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    rows = coverage(ops if ops is not None else torch_onnx_ops(args.max_opset), converters, tests_by_kind(args.models))
    text = markdown(rows, args.max_opset, version[0] if version else "piu", torch_version)
    text += f"\nWritten by tests/zoo/onnx_coverage.py on {datetime.date.today().isoformat()} " \
            f"(Python {platform.python_version()}, {platform.machine()}).\n"
    if args.markdown:
        open(args.markdown, "w").write(text)
    else:
        sys.stdout.write(text)
    if args.json:
        json.dump(rows, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()

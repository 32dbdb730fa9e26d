#!/usr/bin/env python3
"""`piu export` over the torchvision zoo: every classification builder, the segmentation models,
and the extra models (TransformerEncoder, LSTM, GRU, scripted models: one with data-dependent
control flow, torchvision models through torch.jit.script).

For each model: build it with random weights (torch.manual_seed(0)), eval, trace it at batch 1
(segmentation models with strict=False: they return a dict), save the TorchScript to a temp folder,
run `piu export M.pt -o M.onnx --shape -1x3xHxW --opset N --json` (which verifies against LibTorch
at batch 1 and 4 before it writes anything), then check the ONNX with onnx.checker (full check) in
a second interpreter that has onnx. Files are removed after each model (the largest are 2.5 GB).

  /usr/bin/python3 tests/zoo/export_zoo.py [--opset 17 ...] [--verify-opset 17 ...]
                        [--group classification|segmentation|extra] [--json OUT.json] [--markdown] [MODEL ...]
Run with the Python whose torch matches the LibTorch piu's plugin links (Debian's /usr/bin/python3
here). Results are printed one JSON line per model as they finish (progress on stderr).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Largest last: these take minutes each on 2 cores (tracing, export, verification at batch 4).
HEAVY = ["vgg19_bn", "vgg19", "vgg16_bn", "vgg16", "efficientnet_b7", "efficientnet_v2_l", "regnet_y_32gf",
         "regnet_x_32gf", "vit_l_32", "vit_l_16", "regnet_y_128gf", "vit_h_14"]
SIZES = {"inception_v3": 299}


def classification_names():
    names = torchvision.models.list_models(module=torchvision.models)
    return [n for n in names if n not in HEAVY] + [n for n in HEAVY if n in names]


def segmentation_names():
    return torchvision.models.list_models(module=torchvision.models.segmentation)


class Encoder(torch.nn.Module):
    """nn.TransformerEncoder over token ids: embedding, positional table, 2 layers, mean pooled."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(1000, 64)
        layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.1, batch_first=True)
        self.enc = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = torch.nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.enc(self.emb(x)).mean(1))


class Recurrent(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        kind = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = kind(16, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(64, 5)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y)


class Gated(torch.nn.Module):
    """Control flow that depends on the data: scripted, not traced."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(8, 8)
        self.b = torch.nn.Linear(8, 8)

    def forward(self, x):
        if bool(x.sum() > 0):
            y = self.a(x)
        else:
            y = self.b(x)
        for _ in range(3):
            y = torch.relu(y) + x
        return y


# name -> (module factory, example input, --shape spec, how: trace|script)
EXTRA = {
    "transformer_encoder": (Encoder, lambda: torch.randint(0, 1000, (1, 12)), "-1x-1", "trace"),
    "lstm": (lambda: Recurrent("lstm"), lambda: torch.randn(1, 7, 16), "-1x-1x16", "trace"),
    "gru": (lambda: Recurrent("gru"), lambda: torch.randn(1, 7, 16), "-1x-1x16", "trace"),
    "scripted_control_flow": (Gated, lambda: torch.randn(1, 8), "-1x8", "script"),
    # torchvision models through torch.jit.script (not trace): shape checks and fused-path gates are
    # control flow that piu resolves at conversion time
    "scripted_resnet18": (lambda: torchvision.models.resnet18(weights=None), None, "-1x3x224x224", "script"),
    "scripted_mobilenet_v3_large": (lambda: torchvision.models.mobilenet_v3_large(weights=None), None,
                                    "-1x3x224x224", "script"),
    "scripted_vit_b_16": (lambda: torchvision.models.vit_b_16(weights=None), None, "-1x3x224x224", "script"),
}


def group_of(name):
    """The zoo group a model name belongs to: segmentation, extra or classification."""
    if name in segmentation_names():
        return "segmentation"
    return "extra" if name in EXTRA else "classification"


class Values(torch.nn.Module):
    """A model returning a dict, returning its values instead (what torch.onnx.export accepts)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return tuple(self.model(x).values())


def build(name, group):
    """Returns (TorchScript module, --shape spec)."""
    torch.manual_seed(0)
    if group == "extra":
        factory, example, spec, how = EXTRA[name]
        model = factory().eval()
        if how == "script":
            return torch.jit.script(model), spec
        return torch.jit.trace(model, example(), check_trace=False), spec
    size = SIZES.get(name, 224)
    x = torch.randn(1, 3, size, size)
    if group == "segmentation":
        model = torchvision.models.get_model(name, weights=None, weights_backbone=None).eval()
        return torch.jit.trace(model, x, strict=False, check_trace=False), f"-1x3x{size}x{size}"
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=True)
    model = torchvision.models.get_model(name, **kwargs).eval()
    return torch.jit.trace(model, x, check_trace=False), f"-1x3x{size}x{size}"


def eager(name, group):
    """The model as a Python module (random weights as build() makes them, after the caller seeds)."""
    if group == "segmentation":
        return torchvision.models.get_model(name, weights=None, weights_backbone=None).eval()
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=True)
    return torchvision.models.get_model(name, **kwargs).eval()


CHECKER = "import onnx,sys; onnx.checker.check_model(sys.argv[1], full_check=True)"


def export_and_check(args, pt, out, shape_args, opset, verify, extra_args=()):
    """Runs `piu export PT -o OUT SHAPE_ARGS --opset N --json [EXTRA_ARGS]` (args.piu, args.timeout), then
    onnx.checker (full check) in args.checker_python. Returns the row's fields: rc, export_s, status
    ("ok", "checker" or "fails"), and nodes, verified, max_abs, scale, batches, checker on success, or
    error (the last 1200 characters of piu's message) and error_first_line on failure. OUT is left in place."""
    cmd = [args.piu, "export", pt, "-o", out, *shape_args, "--opset", str(opset), "--json", *extra_args]
    if not verify:
        cmd.append("--no-verify")
    t1 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    row = {"export_s": round(time.perf_counter() - t1, 2), "rc": r.returncode}
    if r.returncode != 0:
        row["status"] = "fails"
        row["error"] = (r.stderr or r.stdout).strip()[-1200:]
        row["error_first_line"] = ((r.stderr or r.stdout).strip().splitlines() or [""])[0][:300]
        return row
    rep = json.loads(r.stdout)
    row["nodes"] = rep["onnx_nodes"]
    row["verified"] = verify
    worst = max(rep.get("verification", []), key=lambda v: v["max_abs"] / max(v["scale"], 1e-30), default=None)
    if worst:
        row["max_abs"] = worst["max_abs"]
        row["scale"] = worst["scale"]
    row["batches"] = sorted({v["batch"] for v in rep.get("verification", [])})
    c = subprocess.run([args.checker_python, "-c", CHECKER, out], capture_output=True, text=True)
    row["checker"] = c.returncode == 0
    if c.returncode:
        row["checker_error"] = c.stderr.strip()[-300:]
    row["status"] = "ok" if row["checker"] else "checker"
    return row


def run_one(args, name, group, opsets, tmp):
    t0 = time.perf_counter()
    try:
        with torch.no_grad():
            module, spec = build(name, group)
    except Exception as e:  # the generator could not trace it: reported, not counted
        return [{"model": name, "group": group, "opset": o, "status": "not traced", "error": str(e)[:300]}
                for o in opsets]
    pt = os.path.join(tmp, name + ".pt")
    module.save(pt)
    del module
    trace_s = time.perf_counter() - t0
    rows = []
    for opset in opsets:
        out = os.path.join(tmp, f"{name}.{opset}.onnx")
        verify = not args.verify_opset or opset in args.verify_opset
        row = {"model": name, "group": group, "opset": opset, "trace_s": round(trace_s, 2)}
        row.update(export_and_check(args, pt, out, ["--shape", spec], opset, verify))
        rows.append(row)
        for f in (out, out + ".data"):  # a model over 2 GB has its weights beside it
            if os.path.exists(f):
                os.remove(f)
    os.remove(pt)
    return rows


def markdown(rows, other=None, other_name=""):
    """One row per model, one column per opset; `other` (rows of a second run, e.g. another
    LibTorch) adds a column per opset it has."""
    opsets = sorted({r["opset"] for r in rows}, key=lambda o: (o != 17, o))
    other_opsets = sorted({r["opset"] for r in other or []})
    heads = [f"opset {o}" for o in opsets] + [f"opset {o}, {other_name}" for o in other_opsets]
    print("| model | group | " + " | ".join(heads) + " |")
    print("|---|---|" + "---|" * len(heads))
    by = {}
    for r in rows:
        by.setdefault((r["model"], r["group"]), {})[r["opset"]] = r
    for r in other or []:
        by.setdefault((r["model"], r["group"]), {})[("other", r["opset"])] = r
    for (model, group), cells in by.items():
        out = []
        for o in opsets + [("other", o) for o in other_opsets]:
            r = cells.get(o)
            if r is None:
                out.append("")
            elif r["status"] == "ok" and not r.get("verified", True):
                out.append(f"✓ {r['nodes']} nodes (checker)")
            elif r["status"] == "ok":
                err = r.get("max_abs", 0) / max(r.get("scale", 1), 1e-30)
                out.append(f"✓ {r['nodes']} nodes, {err:.0e}")
            else:
                first = (r.get("error") or r.get("checker_error") or "").splitlines()
                out.append(f"✗ {r['status']}: " + (first[0][:80] if first else "").replace("|", "\\|"))
        print(f"| {model} | {group} | " + " | ".join(out) + " |")
    for name, rs, os_ in (("", rows, opsets), (other_name, other or [], other_opsets)):
        for o in os_:
            n = [r for r in rs if r["opset"] == o]
            for g in ("classification", "segmentation", "extra"):
                k = [r for r in n if r["group"] == g]
                if k:
                    verified = all(r.get("verified", True) for r in k if r["status"] == "ok")
                    print(f"\nopset {o}{', ' + name if name else ''}, {g}: {sum(r['status'] == 'ok' for r in k)} of "
                          f"{len(k)} export{', verify' if verified else ''} and pass the checker")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--checker-python", default=os.path.join(ROOT, ".deps", "venv", "bin", "python"))
    ap.add_argument("--opset", type=int, action="append")
    ap.add_argument("--group", action="append", choices=["classification", "segmentation", "extra"])
    ap.add_argument("--json", help="append each result to this file, one JSON line each")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--verify-opset", type=int, action="append",
                    help="verify against LibTorch only at these opsets (default: every opset)")
    ap.add_argument("--from-json", help="print the markdown of saved results (one JSON line each) and exit")
    ap.add_argument("--other-json", help="with --from-json: a second run's results, as extra columns")
    ap.add_argument("--other-name", default="other")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    if args.from_json:
        load = lambda p: [json.loads(l) for l in open(p) if l.strip()]
        markdown(load(args.from_json), load(args.other_json) if args.other_json else None, args.other_name)
        return
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    opsets = args.opset or [17]
    groups = args.group or ["classification", "segmentation", "extra"]
    todo = []
    for g in groups:
        names = {"classification": classification_names, "segmentation": segmentation_names,
                 "extra": lambda: list(EXTRA)}[g]()
        todo += [(n, g) for n in names if not args.models or n in args.models]
    tmp = tempfile.mkdtemp(prefix="piu-zoo-")
    rows = []
    try:
        for i, (name, group) in enumerate(todo):
            for r in run_one(args, name, group, opsets, tmp):
                rows.append(r)
                line = json.dumps(r)
                print(f"[{i + 1}/{len(todo)}] {name} opset {r['opset']}: {r['status']}"
                      f" ({r.get('export_s', 0)} s)", file=sys.stderr, flush=True)
                if args.json:
                    with open(args.json, "a") as f:
                        f.write(line + "\n")
                elif not args.markdown:
                    print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.markdown:
        markdown(rows)


if __name__ == "__main__":
    main()

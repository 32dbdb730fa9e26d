#!/usr/bin/env python3
"""`piu export`, `piu optimize` and `piu simplify` over models beyond torchvision: timm image models
and small random-init transformers models (BERT, GPT-2, T5 encoder, ViT, Whisper encoder, Wav2Vec2).
Opt-in tier; scripts/hub_zoo.sh installs timm and transformers and runs it.

For each model: build it with random weights (torch.manual_seed(0); timm.create_model(name,
pretrained=False), transformers from a small config), eval, trace it under no_grad at batch 1 with
example inputs of the right dtypes (int64 token ids and masks, float pixels, features or waveforms),
then through export_zoo.export_and_check: `piu export` (verified against LibTorch) and onnx.checker.
The export is then given to `piu optimize`, `piu simplify` and onnxslim; nodes (subgraphs included,
bench/zoo_simplify.summary) are counted for each. One JSON line per model; --markdown prints the table.

Integer inputs: the options piu has are found in `piu export --help` (and optimize's, simplify's):
a dtype in --shape (ids:-1x-1:int64), --input FILE.npz (the example inputs themselves, the
verification then runs on them, once, at their shape) or else --int-range, for models with integer
inputs (float-only models verify on random inputs at batch 1 and 4); what was used is recorded in each row
("input_options"), and the ONNX inputs' names and types are recorded too ("onnx_inputs").

  python3 tests/zoo/hub_zoo.py --piu build/bin/piu [--source timm|transformers] [--size 128]
                               [--json OUT.jsonl] [--markdown] [--list] [MODEL ...]
  python3 tests/zoo/hub_zoo.py --from-json OUT.jsonl      # the markdown table of saved rows
  python3 scripts/zoo_compare.py A.jsonl B.jsonl --a-name 2.11 --b-name 1.13   # two runs compared

Run with the Python whose torch matches the LibTorch piu's torch plugin links; timm and transformers
must import there (any version: models or options a version lacks are reported per model).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench"))
import export_zoo  # noqa: E402  (export_and_check: piu export + onnx.checker, one row)
import zoo_simplify  # noqa: E402  (PEER: onnxsim/onnxslim in a process of their own)

# (family, timm model name): one or two small variants per family. Names a timm version lacks are
# reported as "not in this timm", not dropped silently.
TIMM = [
    ("resnet", "resnet18"), ("resnet", "resnet26d"), ("resnetv2", "resnetv2_50"), ("resnext", "resnext26ts"),
    ("seresnet", "seresnet18"), ("seresnext", "seresnext26d_32x4d"), ("ecaresnet", "ecaresnet26t"),
    ("resnetblur", "resnetblur18"), ("resnetaa", "resnetaa34d"), ("resnetrs", "resnetrs50"),
    ("wide_resnet", "wide_resnet50_2"), ("legacy_senet", "legacy_seresnet18"),
    ("res2net", "res2net50_14w_8s"), ("res2next", "res2next50"), ("resnest", "resnest14d"),
    ("sknet", "skresnet18"), ("sknet", "skresnext50_32x4d"), ("cspnet", "cspresnet50"),
    ("cspnet", "cs3darknet_s"), ("darknet", "darknet17"), ("dla", "dla34"), ("dla", "dla46_c"),
    ("dpn", "dpn48b"), ("dpn", "dpn68"), ("densenet", "densenet121"), ("densenet", "densenetblur121d"),
    ("efficientnet", "efficientnet_b0"), ("efficientnet", "efficientnet_lite0"),
    ("efficientnet", "tf_efficientnet_b0"), ("efficientnetv2", "efficientnetv2_rw_t"),
    ("efficientnetv2", "tf_efficientnetv2_b0"), ("mobilenetv2", "mobilenetv2_050"),
    ("mobilenetv3", "mobilenetv3_small_050"), ("mobilenetv3", "mobilenetv3_large_100"),
    ("mobilenetv3", "tf_mobilenetv3_small_minimal_100"), ("mnasnet", "mnasnet_small"),
    ("mnasnet", "semnasnet_050"), ("mixnet", "mixnet_s"), ("mixnet", "tf_mixnet_s"), ("fbnet", "fbnetc_100"),
    ("fbnet", "fbnetv3_b"), ("hardcorenas", "hardcorenas_a"), ("spnasnet", "spnasnet_100"),
    ("lcnet", "lcnet_050"), ("tinynet", "tinynet_e"), ("ghostnet", "ghostnet_050"),
    ("ghostnet", "ghostnetv2_100"), ("repghostnet", "repghostnet_050"), ("rexnet", "rexnet_100"),
    ("rexnet", "rexnetr_100"), ("regnet", "regnetx_002"), ("regnet", "regnety_002"), ("regnet", "regnetz_b16"),
    ("nfnet", "nfnet_f0"), ("nfnet", "dm_nfnet_f0"), ("nfnet", "nf_regnet_b0"), ("nfnet", "eca_nfnet_l0"),
    ("hrnet", "hrnet_w18_small"), ("hrnet", "hrnet_w18_small_v2"), ("inception", "inception_v3"),
    ("inception", "inception_v4"), ("inception", "inception_resnet_v2"), ("xception", "xception41"),
    ("xception", "legacy_xception"), ("gernet", "gernet_s"), ("vovnet", "ese_vovnet19b_dw"),
    ("vovnet", "vovnet39a"), ("selecsls", "selecsls42b"), ("tresnet", "tresnet_m"), ("repvgg", "repvgg_a0"),
    ("mobileone", "mobileone_s0"), ("vgg", "vgg11"), ("hgnet", "hgnet_tiny"), ("hgnet", "hgnetv2_b0"),
    ("byobnet", "gcresnet33ts"), ("byobnet", "bat_resnext26ts"), ("byoanet", "botnet26t_256"),
    ("byoanet", "halonet26t"), ("byoanet", "lambda_resnet26t"), ("convnext", "convnext_atto"),
    ("convnext", "convnextv2_atto"), ("convmixer", "convmixer_768_32"), ("convit", "convit_tiny"),
    ("metaformer", "poolformer_s12"), ("metaformer", "poolformerv2_s12"), ("metaformer", "caformer_s18"),
    ("metaformer", "convformer_s18"), ("edgenext", "edgenext_xx_small"),
    ("efficientformer", "efficientformer_l1"), ("efficientformer", "efficientformerv2_s0"),
    ("efficientvit", "efficientvit_b0"), ("efficientvit", "efficientvit_m0"), ("fastvit", "fastvit_t8"),
    ("mobilevit", "mobilevit_xxs"), ("mobilevit", "mobilevitv2_050"), ("repvit", "repvit_m1"),
    ("levit", "levit_128s"), ("levit", "levit_conv_128s"), ("vit", "vit_tiny_patch16_224"),
    ("vit", "vit_tiny_r_s16_p8_224"), ("vit", "vit_relpos_small_patch16_224"), ("deit", "deit_tiny_patch16_224"),
    ("deit", "deit_tiny_distilled_patch16_224"), ("deit", "deit3_small_patch16_224"),
    ("beit", "beit_base_patch16_224"), ("eva", "eva02_tiny_patch14_224"), ("flexivit", "flexivit_small"),
    ("cait", "cait_xxs24_224"), ("crossvit", "crossvit_tiny_240"), ("twins", "twins_pcpvt_small"),
    ("twins", "twins_svt_small"), ("pit", "pit_ti_224"), ("tnt", "tnt_s_patch16_224"),
    ("swin", "swin_tiny_patch4_window7_224"), ("swin", "swinv2_tiny_window8_256"),
    ("swin", "swinv2_cr_tiny_ns_224"), ("maxvit", "maxvit_rmlp_pico_rw_256"), ("maxvit", "maxxvitv2_nano_rw_256"),
    ("coatnet", "coatnet_nano_rw_224"), ("coatnet", "coatnext_nano_rw_224"), ("coat", "coat_lite_tiny"),
    ("coat", "coat_tiny"), ("mlp_mixer", "mixer_s32_224"), ("mlp_mixer", "gmixer_12_224"),
    ("mlp_mixer", "gmlp_ti16_224"), ("mlp_mixer", "resmlp_12_224"), ("xcit", "xcit_nano_12_p16_224"),
    ("volo", "volo_d1_224"), ("visformer", "visformer_tiny"), ("pvt_v2", "pvt_v2_b0"), ("nest", "nest_tiny"),
    ("sequencer", "sequencer2d_s"), ("gcvit", "gcvit_xxtiny"), ("davit", "davit_tiny"),
    ("focalnet", "focalnet_tiny_srf"), ("mvitv2", "mvitv2_tiny"), ("tiny_vit", "tiny_vit_5m_224"),
    ("nextvit", "nextvit_small"), ("inception_next", "inception_next_tiny"),
]


class Tokens(torch.nn.Module):
    """A transformers model called with token ids and their attention mask, returning its tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)


class Pixels(torch.nn.Module):
    """A transformers vision model called with pixel_values, returning its tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values, return_dict=False)


class Features(torch.nn.Module):
    """A transformers speech encoder called with log-mel input_features, returning its tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_features):
        return self.model(input_features=input_features, return_dict=False)


class Waveform(torch.nn.Module):
    """A transformers audio model called with raw input_values, returning its tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_values):
        return self.model(input_values=input_values, return_dict=False)


VOCAB = 1000  # every text model's vocabulary: random ids are drawn below it
# The transformer width of every small config: 2 layers, 4 heads of 16.
SMALL = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)


def tokens(batch=1, seq=16):
    """Example token inputs: int64 ids below VOCAB and an int64 mask with the last 3 positions padded."""
    ids = torch.randint(0, VOCAB, (batch, seq), dtype=torch.int64)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    mask[:, -3:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def _bert(tf):
    cfg = tf.BertConfig(vocab_size=VOCAB, max_position_embeddings=128, torchscript=True, **SMALL)
    return Tokens(tf.BertModel(cfg)), tokens(), {"input_ids": [-1, -1], "attention_mask": [-1, -1]}


def _gpt2(tf):
    cfg = tf.GPT2Config(vocab_size=VOCAB, n_positions=128, n_embd=64, n_layer=2, n_head=4, use_cache=False,
                        torchscript=True)
    return Tokens(tf.GPT2Model(cfg)), tokens(), {"input_ids": [-1, -1], "attention_mask": [-1, -1]}


def _t5_encoder(tf):
    cfg = tf.T5Config(vocab_size=VOCAB, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4, use_cache=False,
                      torchscript=True)
    return Tokens(tf.T5EncoderModel(cfg)), tokens(), {"input_ids": [-1, -1], "attention_mask": [-1, -1]}


def _vit(tf):
    cfg = tf.ViTConfig(image_size=64, patch_size=16, torchscript=True, **SMALL)
    return Pixels(tf.ViTModel(cfg)), {"pixel_values": torch.randn(1, 3, 64, 64)}, {"pixel_values": [-1, 3, 64, 64]}


def _whisper_encoder(tf):
    # Whisper's encoder takes exactly 2 * max_source_positions frames. The special token ids default
    # to the real vocabulary's (50256 and up): inside the small one they must be.
    cfg = tf.WhisperConfig(vocab_size=VOCAB, pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1,
                           suppress_tokens=[], begin_suppress_tokens=[], num_mel_bins=16, d_model=64, encoder_layers=2,
                           encoder_attention_heads=4, encoder_ffn_dim=128, decoder_layers=1, decoder_attention_heads=4,
                           decoder_ffn_dim=128, max_source_positions=32, max_target_positions=32, torchscript=True)
    encoder = tf.WhisperModel(cfg).get_encoder()
    return Features(encoder), {"input_features": torch.randn(1, 16, 64)}, {"input_features": [-1, 16, 64]}


def _wav2vec2(tf):
    # A 3-layer feature encoder (stride 20): 1600 samples give 79 frames.
    cfg = tf.Wav2Vec2Config(vocab_size=32, conv_dim=(32, 32, 32), conv_stride=(5, 2, 2), conv_kernel=(10, 3, 3),
                            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, torchscript=True, **SMALL)
    return Waveform(tf.Wav2Vec2Model(cfg)), {"input_values": torch.randn(1, 1600)}, {"input_values": [-1, -1]}


# name -> (family, builder(transformers module) -> (module, example inputs by name, dims with -1 dynamic))
TRANSFORMERS = {
    "bert": ("bert", _bert),
    "gpt2": ("gpt2", _gpt2),
    "t5_encoder": ("t5", _t5_encoder),
    "vit_hf": ("vit", _vit),
    "whisper_encoder": ("whisper", _whisper_encoder),
    "wav2vec2": ("wav2vec2", _wav2vec2),
}


def timm_default_input(model):
    """(input size (C, H, W), fixed_input_size) from a timm model's pretrained or default config."""
    cfg = getattr(model, "pretrained_cfg", None) or getattr(model, "default_cfg", None) or {}
    if not isinstance(cfg, dict):  # some versions keep a dataclass
        cfg = vars(cfg)
    return tuple(cfg.get("input_size", (3, 224, 224))), bool(cfg.get("fixed_input_size", False))


def build_timm(name, size, exportable):
    """Builds timm model `name` (random init, eval) and traces it. Tries `size`×`size` first (with
    img_size=size for models whose config fixes their input size); if building or tracing there
    fails, the model's default input size. Returns (traced module, inputs, dims, notes)."""
    import timm
    kwargs = {"pretrained": False}
    if exportable:
        kwargs["exportable"] = True
    torch.manual_seed(0)
    default_model = timm.create_model(name, **kwargs).eval()
    (channels, height, width), fixed = timm_default_input(default_model)
    notes = {"default_size": [height, width]}
    attempts = []
    if size and size < min(height, width):
        attempts.append((size, {"img_size": size} if fixed else {}))
    attempts.append((None, {}))
    first_error = None
    for want, extra in attempts:
        try:
            model = default_model
            if extra:
                torch.manual_seed(0)
                model = timm.create_model(name, **kwargs, **extra).eval()
            h, w = (want, want) if want else (height, width)
            x = torch.randn(1, channels, h, w)
            with torch.no_grad():
                traced = torch.jit.trace(model, x, check_trace=False)
            if first_error:
                notes["small_size_error"] = first_error
            notes["size"] = [h, w]
            return traced, {"x": x}, {"x": [-1, channels, h, w]}, notes
        except Exception as e:  # noqa: BLE001  (the next size is tried; the last error is reported)
            first_error = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200] if str(e).strip() else ''}"
            if want is None:
                raise
    raise AssertionError("unreachable")


def build_transformers(name):
    """Builds transformers model `name` of TRANSFORMERS (random init, eval) and traces it with its
    example inputs. Returns (traced module, inputs, dims, notes)."""
    import transformers
    _, builder = TRANSFORMERS[name]
    torch.manual_seed(0)
    module, inputs, dims = builder(transformers)
    module = module.eval()
    with torch.no_grad():
        traced = torch.jit.trace(module, tuple(inputs.values()), check_trace=False, strict=False)
    notes = {"size": {k: list(v.shape) for k, v in inputs.items()}}
    return traced, inputs, dims, notes


def piu_features(piu):
    """What this piu offers for typed and given inputs, read from its help texts: {"dtype": --shape
    takes :DTYPE, "input": export takes --input, "int_range": export takes --int-range,
    "optimize_input"/"simplify_input": those take --input}."""
    def help_of(cmd):
        r = subprocess.run([piu, cmd, "--help"], capture_output=True, text=True)
        return r.stdout + r.stderr
    export = help_of("export")
    return {"dtype": "DIMS[:DTYPE]" in export, "input": "--input" in export.replace("--input-names", ""),
            "int_range": "--int-range" in export,
            "optimize_input": "--input" in help_of("optimize").replace("--input-shape", ""),
            "simplify_input": "--input" in help_of("simplify").replace("--input-shape", "")}


def dims_text(dims):
    """[-1, 3, 8] as piu's DIMS: -1x3x8."""
    return "x".join(str(d) for d in dims)


def export_arguments(inputs, dims, features, npz):
    """piu export's input arguments for these example inputs: --shape NAME:DIMS (with :int64 where
    piu takes a dtype), then, for a model with integer inputs, --input NPZ when piu takes given
    inputs, else --int-range where it has that; without --input, --verify-shape at the example's size
    for dynamic dims other than the batch. Returns (arguments, a note saying how integer inputs were
    given)."""
    args, note = [], []
    integer = [k for k, v in inputs.items() if not v.is_floating_point()]
    for k, v in inputs.items():
        dtype = ":" + str(v.dtype).replace("torch.", "") if features["dtype"] and k in integer else ""
        args += ["--shape", f"{k}:{dims_text(dims[k])}{dtype}"]
    if integer and features["dtype"]:
        note.append("dtype in --shape")
    if integer and features["input"]:  # float-only models verify on random inputs at batch 1 and 4
        args += ["--input", npz]
        note.append("--input example .npz")
        return args, ", ".join(note)
    if integer and features["int_range"]:
        for k in integer:
            high = VOCAB if k == "input_ids" else int(inputs[k].max()) + 1
            args += ["--int-range", f"{k}:0:{high}"]
        note.append("--int-range")
    # One --verify-shape holding every spec (';' between them): the option is not repeatable.
    verify = [f"{k}:{dims_text(v.shape)}" for k, v in inputs.items() if any(d < 0 for d in dims[k][1:])]
    if verify:
        args += ["--verify-shape", ";".join(verify)]
    if integer and not (features["dtype"] or features["int_range"]):
        note.append("none: this piu has no dtype in --shape, --input or --int-range; random inputs")
    return args, ", ".join(note)


# Run in the checker's Python (it has onnx): node counts (subgraphs included) and graph inputs.
COUNT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import onnx
from zoo_simplify import summary
m = onnx.load(sys.argv[2], load_external_data=False)
inits = {t.name for t in m.graph.initializer}
inputs = [[v.name, onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type)] for v in m.graph.input
          if v.name not in inits]
print(json.dumps({"nodes": summary(sys.argv[2])[0], "inputs": inputs}))
"""


def graph_facts(args, path):
    """{"nodes": N (subgraphs included), "inputs": [[name, ONNX type], ...]} of an ONNX file, or
    {"error": ...} when it cannot be read."""
    r = subprocess.run([args.checker_python, "-c", COUNT, os.path.join(ROOT, "bench"), path],
                       capture_output=True, text=True)
    if r.returncode:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(r.stdout)


def threads_args(args):
    """piu's -t for ONNX Runtime's threads when --threads is given (several workers on one machine:
    each runtime would otherwise start a thread per core)."""
    return ["-t", str(args.threads)] if args.threads else []


def transform(args, command, src, out, shape_args, verify_args):
    """Runs `piu optimize|simplify SRC -o OUT --json`; returns {"status", "nodes", "max_abs",
    "scale", "s"} or {"status": "fails", "error": first line}."""
    t0 = time.perf_counter()
    try:
        r = subprocess.run([args.piu, command, src, "-o", out, "--json", *shape_args, *verify_args,
                            *threads_args(args)],
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"status": "fails", "error": f"timed out after {args.timeout} s"}
    row = {"s": round(time.perf_counter() - t0, 2)}
    if r.returncode:
        lines = (r.stderr or r.stdout).strip().splitlines() or ["?"]
        row.update(status="fails", rc=r.returncode, error=lines[0][:300])
        return row
    rep = json.loads(r.stdout)
    checks = rep.get("verification", [])
    worst = max(checks, key=lambda v: v["max_abs"] / max(v["scale"], 1e-30), default=None)
    if worst:
        row.update(max_abs=worst["max_abs"], scale=worst["scale"])
    row.update(status="ok", nodes=graph_facts(args, out).get("nodes"))
    return row


def slim(args, src, out):
    """onnxslim.slim on SRC in args.slim_python (bench/zoo_simplify's PEER); {"status", "nodes", "s"}
    or {"status": "fails", "error": last line} (also when onnxslim is not installed there)."""
    t0 = time.perf_counter()
    try:
        r = subprocess.run([args.slim_python, "-c", zoo_simplify.PEER, "onnxslim", src, out],
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"status": "fails", "error": f"timed out after {args.timeout} s"}
    if r.returncode:
        return {"status": "fails", "error": (r.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return {"status": "ok", "nodes": graph_facts(args, out).get("nodes"), "s": round(time.perf_counter() - t0, 2)}


def diagnose_without_verify(args, pt, out, export_args):
    """When an export failed past conversion: the same export with --no-verify, to tell a conversion
    failure from a verification one. Returns {"status", "onnx_inputs"} (the file is removed)."""
    given = [a for i, a in enumerate(export_args) if a != "--input" and (i == 0 or export_args[i - 1] != "--input")]
    try:
        r = subprocess.run([args.piu, "export", pt, "-o", out, *given, "--opset", str(args.opset), "--no-verify"],
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"status": "fails", "error": "timed out"}
    if r.returncode:
        return {"status": "fails", "error": ((r.stderr or r.stdout).strip().splitlines() or [""])[0][:300]}
    facts = graph_facts(args, out)
    os.remove(out)
    return {"status": "ok", "onnx_inputs": facts.get("inputs")}


def run_one(args, source, family, name, features, tmp):
    """Builds, traces, exports, optimizes, simplifies and slims one model; returns its row."""
    # opset and group as export_zoo's rows have them: scripts/zoo_compare.py compares two runs
    # (e.g. LibTorch 1.13 here and 2.11 on the GPU machine).
    row = {"model": name, "family": family, "source": source, "group": source, "opset": args.opset}
    t0 = time.perf_counter()
    try:
        if source == "timm":
            import timm
            if name not in timm.list_models():
                return dict(row, status="not in this timm", error=f"timm {timm.__version__} has no model {name}")
            module, inputs, dims, notes = build_timm(name, args.size, args.exportable)
        else:
            module, inputs, dims, notes = build_transformers(name)
    except Exception as e:  # noqa: BLE001  (the model could not be built or traced: reported, not counted)
        text = str(e).strip().splitlines()
        return dict(row, status="not traced", error=f"{type(e).__name__}: {text[0][:300] if text else ''}")
    row.update(notes)
    row["trace_s"] = round(time.perf_counter() - t0, 2)
    pt = os.path.join(tmp, name + ".pt")
    module.save(pt)
    del module
    npz = os.path.join(tmp, name + ".npz")
    np.savez(npz, **{k: v.numpy() for k, v in inputs.items()})
    export_args, row["input_options"] = export_arguments(inputs, dims, features, npz)
    export_args += threads_args(args)
    row["export_args"] = [a if a != npz else "EXAMPLE.npz" for a in export_args]
    out = os.path.join(tmp, name + ".onnx")
    try:
        row.update(export_zoo.export_and_check(args, pt, out, export_args, args.opset, True))
    except subprocess.TimeoutExpired:
        row.update(status="fails", error=f"piu export timed out after {args.timeout} s")
    if row["status"] == "fails":  # the table shows the first line; the tail keeps the rest
        row["error_tail"] = row.get("error", "")
        row["error"] = row.get("error_first_line") or row["error_tail"]
        if "cannot be exported yet" not in row["error"]:
            row["without_verify"] = diagnose_without_verify(args, pt, out, export_args)
    if os.path.exists(out):
        facts = graph_facts(args, out)
        row["nodes_exported"] = facts.get("nodes")
        row["onnx_inputs"] = facts.get("inputs")
        # Integer example inputs whose ONNX input is not an integer type (named as forward() names them).
        lost = [k for (n, t), (k, v) in zip(facts.get("inputs", []), inputs.items())
                if not v.is_floating_point() and not t.startswith("INT")]
        if any(not v.is_floating_point() for v in inputs.values()):
            row["integer_inputs_not_integer"] = lost
        shape_args = []
        onnx_names = [n for n, _ in facts.get("inputs", [])]
        for onnx_name, (k, v) in zip(onnx_names, inputs.items()):
            if any(d < 0 for d in dims[k][1:]):
                shape_args += ["--shape", f"{onnx_name}:-1x{dims_text(v.shape[1:])}"]
        for command, key in (("optimize", "optimize_input"), ("simplify", "simplify_input")):
            extra = []
            if features[key] and any(not v.is_floating_point() for v in inputs.values()):
                # the example inputs under the export's own input names
                named = os.path.join(tmp, name + ".onnx-names.npz")
                np.savez(named, **{n: v.numpy() for n, v in zip(onnx_names, inputs.values())})
                extra = ["--input", named]
            row[command] = transform(args, command, out, os.path.join(tmp, f"{name}.{command}.onnx"),
                                     [] if extra else shape_args, extra)
        row["onnxslim"] = slim(args, out, os.path.join(tmp, name + ".slim.onnx"))
    for f in os.listdir(tmp):
        if args.keep and f.endswith(".onnx"):  # the export and its transforms, to iterate on by hand
            shutil.move(os.path.join(tmp, f), os.path.join(args.keep, f))
        else:
            os.remove(os.path.join(tmp, f))
    return row


def cell_nodes(step):
    """A table cell for one step (optimize, simplify, onnxslim): its node count or ✗ and its error."""
    if not step:
        return ""
    if step.get("status") == "ok":
        return str(step.get("nodes"))
    return "✗ " + step.get("error", "")[:60].replace("|", "\\|")


def markdown(rows):
    """Prints the table (model, family, export, nodes exported / optimized / simplified / onnxslim,
    worst max abs error of the export's verification over its output scale) and the counts."""
    print("| model | family | export | nodes exported | optimized | simplified | onnxslim | max abs error (scale) |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        if r["status"] == "ok":
            export = "✓"
            if r.get("integer_inputs_not_integer"):
                export += " (int64 " + ", ".join(r["integer_inputs_not_integer"]) + " typed " + ", ".join(
                    t for (n, t), k in zip(r["onnx_inputs"], r["size"]) if k in r["integer_inputs_not_integer"]) + ")"
        else:
            error = re.sub(r"^/\S+?\.pt: ", "", r.get("error", "").replace("piu export: error: ", ""))
            export = f"✗ {r['status']}: " + error[:110]
            if (r.get("without_verify") or {}).get("status") == "ok":
                export += " (converts with --no-verify; inputs " + ", ".join(
                    f"{n} {t}" for n, t in r["without_verify"]["onnx_inputs"]) + ")"
            export = export.replace("|", "\\|")
        err = f"{r['max_abs']:.1e} ({r['scale']:.1e})" if "max_abs" in r else ""
        print(f"| {r['model']} | {r['family']} | {export} | {r.get('nodes_exported', '')} | "
              f"{cell_nodes(r.get('optimize'))} | {cell_nodes(r.get('simplify'))} | {cell_nodes(r.get('onnxslim'))} "
              f"| {err} |")
    failures = [(r["model"], step, (r.get(step) or {}).get("error") if step != "export" else r.get("error"))
                for r in rows for step in ("export", "optimize", "simplify", "onnxslim")
                if (r["status"] != "ok" if step == "export" else (r.get(step) or {}).get("status") == "fails")]
    if failures:
        print("\nFailures, first line each:\n")
        for model, step, error in failures:
            error = re.sub(r"^/\S+?\.pt: ", "", (error or "").replace("piu export: error: ", ""))
            print(f"- {model}, {step}: `{error}`")
    for source in ("timm", "transformers"):
        k = [r for r in rows if r["source"] == source]
        if k:
            ok = [r for r in k if r["status"] == "ok"]
            counted = [r for r in ok if (r.get("simplify") or {}).get("nodes") is not None
                       and (r.get("onnxslim") or {}).get("nodes") is not None]
            smaller = sum(r["simplify"]["nodes"] <= r["onnxslim"]["nodes"] for r in counted)
            print(f"\n{source}: {len(ok)} of {len(k)} export, verify against LibTorch and pass the checker "
                  f"({len({r['family'] for r in ok})} families); simplified: "
                  f"{sum((r.get('simplify') or {}).get('status') == 'ok' for r in k)}; "
                  f"piu simplify ≤ onnxslim nodes: {smaller} of {len(counted)}")


def run_workers(args):
    """Runs this script once per worker with --shard K/N (the same arguments otherwise); every worker
    appends whole lines to --json (one write per row, so lines never interleave). Returns the worst
    exit code."""
    argv = [a for a in sys.argv[1:]]
    i = argv.index("--workers") if "--workers" in argv else None
    if i is not None:
        del argv[i:i + 2]
    argv = [a for a in argv if not a.startswith("--workers=")]
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.workers)
    if "--threads" not in argv:
        argv += ["--threads", str(threads)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), *argv, "--shard", f"{k}/{args.workers}"],
                              env=env) for k in range(args.workers)]
    return max(p.wait() for p in procs)


def module_version(python, module):
    """`module.__version__` as that Python imports it, or None when it cannot."""
    r = subprocess.run([python, "-c", f"import {module}; print({module}.__version__)"], capture_output=True, text=True)
    return r.stdout.strip() or None if r.returncode == 0 else None


def first_existing(*paths):
    """The first of paths that exists, else this Python."""
    return next((p for p in paths if os.path.exists(p)), sys.executable)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--piu", default=os.path.join(ROOT, "build", "bin", "piu"))
    ap.add_argument("--checker-python", default=first_existing(os.path.join(ROOT, ".deps", "venv", "bin", "python")),
                    help="a Python with onnx (onnx.checker and node counts); default .deps/venv's, else this one")
    ap.add_argument("--slim-python", default=first_existing(os.path.join(ROOT, ".deps", "venv-peers", "bin", "python")),
                    help="a Python with onnxslim; default .deps/venv-peers' (scripts/zoo.sh), else this one")
    ap.add_argument("--source", action="append", choices=["timm", "transformers"])
    ap.add_argument("--size", type=int, default=128, help="image size tried first (default 128; 0: each model's own)")
    ap.add_argument("--exportable", action="store_true", help="timm.create_model(..., exportable=True)")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--json", help="append each row to this file, one JSON line each")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--from-json",
                    help="print the markdown table of saved rows (the last row of a model run twice) and exit")
    ap.add_argument("--list", action="store_true", help="print the models (source, family, name) and exit")
    ap.add_argument("--workers", type=int, default=1,
                    help="run the list in this many processes of this script (each takes every N-th model, "
                         "its own torch threads = cores / N); rows go to --json as each finishes")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads per model: piu's -t (ONNX Runtime) and torch's (tracing, LibTorch in piu through "
                         "OMP_NUM_THREADS); default all cores, or cores / --workers with --workers")
    ap.add_argument("--skip-from", action="append", default=[],
                    help="skip the models that have a row in this JSON-lines file (resume an earlier run)")
    ap.add_argument("--shard", help=argparse.SUPPRESS)  # "K/N": this process runs todo[K::N] (set by --workers)
    ap.add_argument("--keep", metavar="DIR", help="keep each model's .onnx files (export, optimize, simplify, "
                    "onnxslim) in DIR instead of deleting them")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    if args.from_json:
        rows = {}  # a model run again replaces its earlier row
        for line in open(args.from_json):
            if line.strip():
                row = json.loads(line)
                rows.pop(row["model"], None)
                rows[row["model"]] = row
        markdown(list(rows.values()))
        return
    sources = args.source or ["timm", "transformers"]
    todo = [("timm", f, n) for f, n in TIMM if "timm" in sources]
    todo += [("transformers", f, n) for n, (f, _) in TRANSFORMERS.items() if "transformers" in sources]
    if args.models:
        todo = [t for t in todo if t[2] in args.models]
    done = {json.loads(line)["model"] for f in args.skip_from for line in open(f) if line.strip()}
    todo = [t for t in todo if t[2] not in done]
    if args.list:
        for t in todo:
            print(*t, sep="\t")
        return
    if args.workers > 1:
        if not args.json:
            sys.exit("--workers needs --json (each worker appends its rows to it)")
        sys.exit(run_workers(args))
    shards = 1
    if args.shard:
        k, shards = (int(x) for x in args.shard.split("/"))
        todo = todo[k::shards]
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // shards))
    features = piu_features(args.piu)
    versions = {"torch": torch.__version__}
    for lib in ("timm", "transformers"):
        try:
            versions[lib] = __import__(lib).__version__
        except ImportError:
            versions[lib] = None
    for key, python, module in (("onnx", args.checker_python, "onnx"), ("onnxslim", args.slim_python, "onnxslim")):
        versions[key] = module_version(python, module)
    print(f"piu options for inputs: {features}; versions: {versions}", file=sys.stderr, flush=True)
    if versions["onnx"] is None:
        print(f"warning: {args.checker_python} has no onnx: every export will fail its checker step "
              "(--checker-python)", file=sys.stderr, flush=True)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="piu-hub-zoo-")
    rows = []
    try:
        for i, (source, family, name) in enumerate(todo):
            row = run_one(args, source, family, name, features, tmp)
            row["versions"] = versions
            rows.append(row)
            print(f"[{i + 1}/{len(todo)}] {name}: {row['status']} {row.get('error', '')[:120]}", file=sys.stderr,
                  flush=True)
            if args.json:
                # one write() of the whole line on an O_APPEND file: workers' rows never interleave
                fd = os.open(args.json, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, (json.dumps(row) + "\n").encode())
                finally:
                    os.close(fd)
            elif not args.markdown:
                print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.markdown:
        markdown(rows)


if __name__ == "__main__":
    main()

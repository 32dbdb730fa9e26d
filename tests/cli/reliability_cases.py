"""The bad-input table of tests/cli/test_reliability.py and scripts/reliability_table.py: every kind of
bad input a user can hand piu (files, options, output paths), each run through every command that
reads it. Each case must exit 2 with one clean line on stderr and write nothing.

`make_inputs(root)` writes the bad files once into `root`; `cases(inputs)` lists the cases; `run_case`
runs one in its own empty output folder and `problems(case, result)` says what broke the contract.
"""
import os
import re
import resource
import stat
import struct
import subprocess
import zipfile
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZES = "sizes branch"  # cases that another branch (checked sizes, caps, integrity) fixes


@dataclass
class Case:
    kind: str  # what is wrong, e.g. "truncated protobuf"
    command: str  # the piu subcommand
    args: list  # arguments after the subcommand; "{out}" is the case's own empty output folder
    xfail: str = ""  # reason when the contract is not met yet on this branch
    run: bool = True  # False: do not even run it (it would hang or exhaust the machine)
    env: dict = field(default_factory=dict)

    @property
    def id(self):
        return f"{self.kind} | {self.command}"


# ------------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------------


def _conv_model(name="x", weight=None, dims_override=None, opset=17):
    """A tiny Conv + Relu model: x [N,3,8,8] -> y [N,4,6,6]."""
    w = weight if weight is not None else numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    conv = helper.make_node("Conv", [name, "w"], ["c"], name="conv")
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu")
    graph = helper.make_graph([conv, relu], "g", [helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                                                 ["N", 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 6, 6])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _save(model, path):
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def _with_weight(tensor):
    return _conv_model(weight=tensor)


def _external(root, folder, location, offset=None, extra=None, data=b"\0" * 432):
    """A Conv model whose weight lives in external data at `location` (as written in the model)."""
    d = os.path.join(root, folder)
    os.makedirs(d, exist_ok=True)
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3, 3, 3], data_location=TensorProto.EXTERNAL)
    entries = [("location", location)]
    if offset is not None:
        entries += [("offset", str(offset)), ("length", "432")]
    entries += extra or []
    for k, v in entries:
        e = w.external_data.add()
        e.key, e.value = k, v
    if data is not None and not os.path.isabs(location) and ".." not in location:
        with open(os.path.join(d, location), "wb") as f:
            f.write(data)
    return _save(_with_weight(w), os.path.join(d, "model.onnx"))


def _varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, payload):
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _nested_if(depth):
    """A model whose If nodes nest `depth` subgraphs deep, far past protobuf's recursion limit. Written
    byte by byte: Python's protobuf refuses to build it."""
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["o"])], "leaf", [],
                             [helper.make_tensor_value_info("o", TensorProto.FLOAT, [1])]).SerializeToString()
    out_info = helper.make_tensor_value_info("o", TensorProto.FLOAT, [1]).SerializeToString()

    def attribute(name, graph):  # AttributeProto: name = 1, g = 6, type = 20 (GRAPH = 5)
        return _field(1, name.encode()) + _field(6, graph) + _varint(20 << 3) + _varint(5)

    graph = leaf
    for i in range(depth):  # GraphProto: node = 1, name = 2, output = 12; NodeProto: input 1, output 2, op_type 4
        node = (_field(1, b"cond") + _field(2, b"o") + _field(4, b"If") + _field(5, attribute("then_branch", graph)) +
                _field(5, attribute("else_branch", leaf)))
        graph = _field(1, node) + _field(2, f"g{i}".encode()) + _field(12, out_info)
    shell = helper.make_model(helper.make_graph([], "g", [], []), opset_imports=[helper.make_opsetid("", 17)])
    shell.ClearField("graph")
    return shell.SerializeToString() + _field(7, graph)


def _npy_header(descr, shape, fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, tuple(shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def _huge_png(path, width, height):
    """A valid grayscale PNG of width x height black pixels: a few hundred KB that decode to
    width x height x 3 bytes."""
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    z = zlib.compressobj(9)
    row = b"\0" * (1 + width)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    return _write(path, b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def make_inputs(root, models_dir):
    """Writes every bad input under `root` once; returns a dict name -> path."""
    p = {}
    j = lambda *a: os.path.join(root, *a)  # noqa: E731
    os.makedirs(root, exist_ok=True)
    good = _conv_model()
    p["good"] = _save(good, j("good.onnx"))
    good_bytes = good.SerializeToString()

    # --- model files -----------------------------------------------------------------------------
    p["empty file"] = _write(j("empty.onnx"), b"")
    p["malformed protobuf"] = _write(j("garbage.onnx"), bytes(range(256)) * 8)
    p["truncated protobuf"] = _write(j("truncated.onnx"), good_bytes[: len(good_bytes) // 2])
    p["text, not ONNX"] = _write(j("text.onnx"), b"hello, I am not a model\n")
    p["deep subgraph recursion"] = _write(j("deep.onnx"), _nested_if(200))
    big = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**62 + 1], raw_data=b"\0" * 4)
    p["dims overflow (bytes wrap 2^64)"] = _save(_with_weight(big), j("dims_overflow.onnx"))
    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3, 3, 3], raw_data=b"\0" * 40)
    p["raw_data shorter than dims"] = _save(_with_weight(short), j("short_raw.onnx"))
    neg = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, -3, 3, 3], raw_data=b"\0" * 432)
    p["negative dim in initializer"] = _save(_with_weight(neg), j("negative_dim.onnx"))
    bad_type = TensorProto(name="w", data_type=999, dims=[4, 3, 3, 3], raw_data=b"\0" * 432)
    p["invalid data type"] = _save(_with_weight(bad_type), j("bad_type.onnx"))
    m = _conv_model()
    m.graph.output.append(helper.make_tensor_value_info("nobody", TensorProto.FLOAT, [1]))
    p["output nobody produces"] = _save(m, j("unproduced.onnx"))
    m = _conv_model()
    m.graph.node[0].attribute.append(helper.make_attribute("dilations", [1, 1, 1]))
    p["Conv dilations of wrong rank"] = _save(m, j("dilations.onnx"))
    m = _conv_model()
    m.graph.node[0].input[0] = "y"  # conv reads relu's output: a cycle
    p["cycle"] = _save(m, j("cycle.onnx"))
    m = _conv_model()
    m.graph.node[1].input[0] = "undefined_value"
    p["node reads an undefined value"] = _save(m, j("undefined.onnx"))
    m = _conv_model()
    m.graph.node.append(helper.make_node("Relu", ["c"], ["y"], name="relu2"))
    p["value defined twice"] = _save(m, j("twice.onnx"))
    m = _conv_model()
    m.graph.node[1].op_type = "NoSuchOp"
    p["unknown op"] = _save(m, j("unknown_op.onnx"))
    p["opset newer than known"] = _save(_conv_model(opset=99), j("opset99.onnx"))
    os.makedirs(j("model_folder.onnx"), exist_ok=True)
    p["model path is a folder"] = j("model_folder.onnx")
    p["model file missing"] = j("missing.onnx")
    # The input's name made invalid UTF-8 in place (same length, so every length prefix still holds).
    raw = _conv_model(name="nonutf8Q").SerializeToString()
    p["non-UTF-8 input name"] = _write(j("non_utf8.onnx"), raw.replace(b"nonutf8Q", b"nonutf8\xff"))

    # --- external data ---------------------------------------------------------------------------
    p["external data: .. escapes the folder"] = _external(root, "ext_dotdot", "../good.onnx")
    p["external data: absolute path"] = _external(root, "ext_abs", "/etc/passwd")
    d = os.path.join(root, "ext_link")
    os.makedirs(d, exist_ok=True)
    _write(j("outside.bin"), b"\0" * 432)
    if not os.path.lexists(os.path.join(d, "w.bin")):
        os.symlink(j("outside.bin"), os.path.join(d, "w.bin"))
    p["external data: symlink out of the folder"] = _external(root, "ext_link", "w.bin", data=None)
    p["external data: offset past the end"] = _external(root, "ext_offset", "w.bin", offset=4096)
    p["external data: unknown key"] = _external(root, "ext_key", "w.bin", extra=[("colour", "blue")])
    p["external data: file missing"] = _external(root, "ext_missing", "absent.bin", data=None)
    d = os.path.join(root, "ext_hardlink")
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "w.bin")):
        os.link(j("outside.bin"), os.path.join(d, "w.bin"))
    p["external data: hard link out of the folder"] = _external(root, "ext_hardlink", "w.bin", data=None)

    # --- input tensors (.npy / .npz) -------------------------------------------------------------
    x = np.zeros((1, 3, 8, 8), np.float32)
    np.save(j("good_x.npy"), x)
    p["good_x"] = j("good_x.npy")
    p["npy: bad magic"] = _write(j("bad_magic.npy"), b"NOTNUMPY" + b"\0" * 100)
    p["npy: header lies (data short)"] = _write(j("short.npy"), _npy_header("<f4", (1, 3, 8, 8)) + b"\0" * 16)
    p["npy: truncated header"] = _write(j("truncated_header.npy"), _npy_header("<f4", (1, 3, 8, 8))[:20])
    p["npy: object dtype"] = _write(j("object.npy"), _npy_header("|O", (1,)) + b"\0" * 8)
    p["npy: fortran order"] = _write(j("fortran.npy"), _npy_header("<f4", (1, 3, 8, 8), True) + x.tobytes())
    p["npy: big-endian"] = _write(j("big_endian.npy"), _npy_header(">f4", (1, 3, 8, 8)) + x.tobytes())
    p["npy: wrong dtype (int64)"] = j("int64.npy")
    np.save(p["npy: wrong dtype (int64)"], np.zeros((1, 3, 8, 8), np.int64))
    p["npy: wrong rank"] = j("rank3.npy")
    np.save(p["npy: wrong rank"], np.zeros((3, 8, 8), np.float32))
    p["npy: wrong static dim"] = j("dim5.npy")
    np.save(p["npy: wrong static dim"], np.zeros((1, 3, 5, 8), np.float32))
    p["npz: not a zip"] = _write(j("not_zip.npz"), b"PK\x03\x04" + b"\xff" * 60)
    np.savez(j("good.npz"), x=x)
    with open(j("good.npz"), "rb") as f:
        npz = f.read()
    p["npz: truncated"] = _write(j("truncated.npz"), npz[: len(npz) // 2])
    p["npz: names an unknown input"] = j("unknown_name.npz")
    np.savez(p["npz: names an unknown input"], nope=x)
    os.makedirs(j("input_folder.npy"), exist_ok=True)
    p["--input is a folder"] = j("input_folder.npy")
    p["--input file missing"] = j("absent.npy")
    fifo = j("fifo.npy")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    p["--input is a FIFO"] = fifo

    # --- calibration data ------------------------------------------------------------------------
    data = j("data")
    os.makedirs(data, exist_ok=True)
    for i in range(4):
        np.save(os.path.join(data, f"item{i}.npy"), np.random.default_rng(i).standard_normal((3, 8, 8)).astype(np.float32))
    p["data"] = data
    os.makedirs(j("data_empty"), exist_ok=True)
    p["--data folder empty"] = j("data_empty")
    p["--data is a file"] = p["good_x"]
    os.makedirs(j("data_bad_npy"), exist_ok=True)
    _write(j("data_bad_npy", "a.npy"), _npy_header("<f4", (3, 8, 8)) + b"\0" * 8)
    p["--data holds a truncated .npy"] = j("data_bad_npy")
    os.makedirs(j("data_bad_png"), exist_ok=True)
    _write(j("data_bad_png", "a.png"), b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    p["--data holds a corrupt PNG"] = j("data_bad_png")
    os.makedirs(j("data_huge_png"), exist_ok=True)
    _huge_png(j("data_huge_png", "a.png"), 12000, 12000)
    p["--data holds a 12000x12000 PNG"] = j("data_huge_png")
    p["calibration cache: garbage"] = _write(j("garbage.cache"), b"\x00\x01binary junk\n\xff\xfe")
    p["calibration cache: FLT_MAX scale"] = _write(j("fltmax.cache"), b"TRT-8601-EntropyCalibration2\nx: 7f7fffff\n"
                                                   b"c: 3c010a14\ny: 3c010a14\n")
    p["calibration cache: unknown tensor"] = _write(j("unknown.cache"), b"TRT-8601-EntropyCalibration2\nx: 3c010a14\n"
                                                    b"c: 3c010a14\ny: 3c010a14\nnot_a_tensor: 3c010a14\n")

    # --- TorchScript files -----------------------------------------------------------------------
    with zipfile.ZipFile(j("pickle.pt"), "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")  # a pickled empty dict, no code/
        z.writestr("archive/version", b"3\n")
    p["zip with only a pickle (.pt)"] = j("pickle.pt")
    p["not a zip (.pt)"] = _write(j("not_zip.pt"), b"\x80\x02}q\x00." + b"\0" * 64)
    resnet_pt = os.path.join(models_dir, "shapes.pt")
    if os.path.exists(resnet_pt):
        with open(resnet_pt, "rb") as f:
            pt = f.read()
        p["truncated TorchScript zip"] = _write(j("truncated.pt"), pt[: len(pt) // 2])
        # Flip one byte inside the first stored entry's data: the CRC no longer matches.
        corrupt = bytearray(pt)
        name_len, extra_len = struct.unpack("<HH", pt[26:30])
        corrupt[30 + name_len + extra_len + 2] ^= 0xFF
        p["TorchScript entry with a bad CRC"] = _write(j("bad_crc.pt"), bytes(corrupt))
    state_dict = os.path.join(models_dir, "resnet18.state_dict.pt")
    if os.path.exists(state_dict):
        p["torch.save state_dict (.pt)"] = state_dict

    # --- output paths ----------------------------------------------------------------------------
    p["a_file"] = _write(j("a_file"), b"x")
    return p


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

MODEL_KINDS = [
    "empty file", "malformed protobuf", "truncated protobuf", "text, not ONNX", "deep subgraph recursion",
    "dims overflow (bytes wrap 2^64)", "raw_data shorter than dims", "negative dim in initializer",
    "invalid data type", "output nobody produces", "Conv dilations of wrong rank", "cycle",
    "node reads an undefined value", "value defined twice", "unknown op", "opset newer than known",
    "model path is a folder", "model file missing", "external data: .. escapes the folder",
    "external data: absolute path", "external data: symlink out of the folder", "external data: offset past the end",
    "external data: unknown key", "external data: file missing", "external data: hard link out of the folder",
]
# Models only a runtime refuses: inspect shows a model's structure as it is (it checks the encoding:
# protobuf, external data), so these exit 0 there by design.
INSPECT_SHOWS = {
    "raw_data shorter than dims", "negative dim in initializer", "invalid data type", "output nobody produces",
    "Conv dilations of wrong rank", "cycle", "node reads an undefined value", "value defined twice", "unknown op",
    "opset newer than known",
}
# Kinds the sizes branch fixes (checked sizes, integrity checks).
# kind -> the commands that still break the contract on it (None: all of them).
MODEL_XFAIL = {}  # (empty since the sizes branch merged)


def _model_xfail(kind, command):
    if kind not in MODEL_XFAIL:
        return ""
    commands = MODEL_XFAIL[kind]
    return SIZES if commands is None or command in commands else ""


def _model_commands(p, model, out):
    """Every command that reads an ONNX model, with the model at `model` and outputs under `out`."""
    return {
        "inspect": ["inspect", model],
        "run": ["run", model, "-o", f"{out}/result"],
        "bench": ["bench", model, "-n", "1", "--warmup", "0"],
        "compare": ["compare", model, p["good"]],
        "optimize": ["optimize", model, "-o", f"{out}/m.onnx"],
        "simplify": ["simplify", model, "-o", f"{out}/m.onnx"],
        "round-weights": ["round-weights", model, "-o", f"{out}/m.onnx"],
        "fp16": ["fp16", model, "-o", f"{out}/m.onnx"],
        "calibrate": ["calibrate", model, "--data", p["data"], "--cache", f"{out}/c.cache"],
        "quantize": ["quantize", model, "-o", f"{out}/m.onnx", "--data", p["data"]],
        "deploy": ["deploy", model, "-o", f"{out}/deployed", "--no-bench"],
    }


# Commands that take --input (and accept a --shape).
INPUT_COMMANDS = ["run", "bench", "compare", "optimize", "simplify"]


def _input_commands(p, out, *extra):
    g = p["good"]
    return {
        "run": ["run", g, "-o", f"{out}/result", *extra],
        "bench": ["bench", g, "-n", "1", "--warmup", "0", *extra],
        "compare": ["compare", g, g, *extra],
        "optimize": ["optimize", g, "-o", f"{out}/m.onnx", *extra],
        "simplify": ["simplify", g, "-o", f"{out}/m.onnx", *extra],
        "round-weights": ["round-weights", g, "-o", f"{out}/m.onnx", *extra],
        "fp16": ["fp16", g, "-o", f"{out}/m.onnx", *extra],
    }


INPUT_KINDS = [
    "npy: bad magic", "npy: header lies (data short)", "npy: truncated header", "npy: object dtype",
    "npy: fortran order", "npy: wrong dtype (int64)", "npy: wrong rank", "npy: wrong static dim",
    "npz: not a zip", "npz: truncated", "npz: names an unknown input", "--input is a folder", "--input file missing",
    "--input is a FIFO",
]
INPUT_XFAIL = {}

OPTION_KINDS = {
    # kind: extra arguments for INPUT_COMMANDS
    "--shape not a shape": ["--shape", "x:1xfoo"],
    "--shape names an unknown input": ["--shape", "nope:1x3x8x8"],
    "--shape of the wrong rank": ["--shape", "x:1x3x8"],
    "--batch 0": ["-b", "0"],
    "--batch not a number": ["-b", "two"],
    "--batch 100000000 (terabytes)": ["-b", "100000000"],
    "--threads -1": ["-t", "-1"],
    "--seed not a number": ["--seed", "x"],
    "unknown option": ["--frobnicate"],
}
OPTION_XFAIL = {}


def cases(p):
    """Every (kind, command) case, given the inputs make_inputs wrote."""
    out = "{out}"
    result = []
    for kind in MODEL_KINDS:
        for command, args in _model_commands(p, p[kind], out).items():
            if command == "inspect" and kind in INSPECT_SHOWS:
                continue
            result.append(Case(kind, command, args, xfail=_model_xfail(kind, command)))
    for kind in ["non-UTF-8 input name"]:
        result.append(Case(kind + " (--json)", "inspect", ["inspect", p[kind], "--json"]))
        result.append(Case(kind + " (--json)", "run", ["run", p[kind], "--json", "-o", f"{out}/result"]))
    for kind in INPUT_KINDS:
        spec = f"x={p[kind]}" if kind.startswith("npy") or kind.startswith("--input") else p[kind]
        for command, args in _input_commands(p, out, "--input", spec).items():
            if kind == "--input is a FIFO" and command not in ("run",):
                continue
            result.append(Case(kind, command, args, xfail=INPUT_XFAIL.get(kind, "")))
    for kind, extra in OPTION_KINDS.items():
        for command, args in _input_commands(p, out, *extra).items():
            if command in ("round-weights", "fp16") and kind.startswith("--shape"):
                continue
            result.append(Case(kind, command, args, xfail=OPTION_XFAIL.get(kind, "")))
    # Calibration data and caches.
    data_kinds = ["--data folder empty", "--data is a file", "--data holds a truncated .npy", "--data holds a corrupt PNG",
                  "--data holds a 12000x12000 PNG"]
    for kind in data_kinds:
        xf = ""
        result.append(Case(kind, "calibrate", ["calibrate", p["good"], "--data", p[kind], "--cache", f"{out}/c.cache"],
                           xfail=xf))
        result.append(Case(kind, "quantize", ["quantize", p["good"], "--data", p[kind], "-o", f"{out}/m.onnx"], xfail=xf))
        result.append(Case(kind, "deploy", ["deploy", p["good"], "--int8", "--data", p[kind], "-o", f"{out}/d",
                                            "--no-bench"], xfail=xf))
    for kind in ["calibration cache: garbage", "calibration cache: FLT_MAX scale", "calibration cache: unknown tensor"]:
        xf = ""
        result.append(Case(kind, "quantize", ["quantize", p["good"], "--from-cache", p[kind], "-o", f"{out}/m.onnx"],
                           xfail=xf))
    # TorchScript files.
    for kind in ["zip with only a pickle (.pt)", "not a zip (.pt)", "truncated TorchScript zip",
                 "TorchScript entry with a bad CRC", "torch.save state_dict (.pt)"]:
        if kind not in p:
            continue
        xf = ""
        result.append(Case(kind, "export", ["export", p[kind], "-o", f"{out}/m.onnx", "--shape", "x:1x3x64x64"],
                           xfail=xf))
        result.append(Case(kind, "run", ["run", p[kind], "-o", f"{out}/result", "--shape", "1x3x64x64"], xfail=xf))
        result.append(Case(kind, "deploy", ["deploy", p[kind], "-o", f"{out}/d", "--shape", "x:1x3x64x64",
                                            "--no-bench"], xfail=xf))
    # Output paths.
    g = p["good"]
    for kind, target in [("output folder missing", f"{out}/no/such/folder/m.onnx"),
                         ("output parent is a file", p["a_file"] + "/m.onnx"),
                         ("output is an existing folder", "{out}"),
                         ("output is /dev/null", "/dev/null"),
                         ("output folder unwritable", "/proc/m.onnx")]:
        for command in ["optimize", "simplify", "round-weights", "fp16"]:
            result.append(Case(kind, command, [command, g, "-o", target]))
        result.append(Case(kind, "quantize", ["quantize", g, "--data", p["data"], "-o", target]))
        result.append(Case(kind, "calibrate", ["calibrate", g, "--data", p["data"], "--cache", target]))
    for kind, target in [("run -o folder is an existing file", p["a_file"]),
                         ("run -o folder unwritable", "/proc/piu_result"),
                         ("run -o folder inside a file", p["a_file"] + "/result")]:
        result.append(Case(kind, "run", ["run", g, "-o", target]))
        result.append(Case(kind, "deploy", ["deploy", g, "-o", target, "--no-bench"]))
    result.append(Case("output is the input", "optimize", ["optimize", g, "-o", g]))
    return result


# ------------------------------------------------------------------------------------------------
# Running and judging
# ------------------------------------------------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class Result:
    code: int
    out: str
    err: str
    left: list  # files left in the case's output folder


def _limit_memory():
    # A case that tries to allocate terabytes fails instead of taking the machine down. Not under
    # AddressSanitizer (scripts/sanitize.sh sets PIU_SANITIZED=1): its shadow memory reserves
    # terabytes of address space, and it caps allocations itself (max_allocation_size_mb).
    if os.environ.get("PIU_SANITIZED") == "1":
        return
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))


def run_case(binary, case, out_dir, timeout=120):
    """Runs the case with "{out}" replaced by its own (fresh, empty) output folder."""
    os.makedirs(out_dir, exist_ok=True)
    args = [a.replace("{out}", out_dir) for a in case.args]
    env = dict(os.environ, **case.env)
    try:
        proc = subprocess.run([binary, *args], capture_output=True, timeout=timeout, env=env,
                              preexec_fn=_limit_memory)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        code, out, err = "timeout", e.stdout or b"", e.stderr or b""
    left = sorted(os.path.relpath(os.path.join(d, f), out_dir) for d, dirs, files in os.walk(out_dir)
                  for f in files + dirs)
    return Result(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), left)


def problems(case, result):
    """What in `result` breaks the contract: exit 2, one clean line, nothing written."""
    found = []
    if result.code != 2:
        found.append(f"exit {result.code}, not 2")
    err = result.err
    if err.endswith("\n"):
        err = err[:-1]
    if not err:
        found.append("nothing on stderr")
    elif "\n" in err:
        found.append(f"{err.count(chr(10)) + 1} lines on stderr")
    if CONTROL.search(err):
        found.append("control characters on stderr")
    if "internal error" in err or "Traceback" in err:
        found.append("an internal error")
    if result.left:
        found.append("left behind: " + ", ".join(result.left))
    return found


def is_regular(path):
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False

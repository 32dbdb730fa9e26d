"""Issue 17, items 1, 4 and 5: checked sizes, resource limits and integrity. Each test builds a tiny
bad input in tmp_path, runs the command, and checks exit 2, one line on stderr naming the problem,
and nothing written."""
import os
import shutil
import struct
import subprocess
import zipfile
import zlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from piu_command import BIN, model, piu

HUGE = 2**62 + 1  # count fits in int64, bytes (x4) wrap 2^64


def one_line_error(r, *needles):
    assert r.code == 2, (r.code, r.out, r.err)
    lines = [l for l in r.err.splitlines() if l.strip()]
    assert len(lines) == 1, r.err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def identity_model(path, initializer=None, outputs=("y",)):
    """x [1] float -> Identity -> each output; `initializer` (a TensorProto) rides along unused."""
    nodes = [helper.make_node("Identity", ["x"], [o]) for o in outputs]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1]) for o in outputs],
                              [initializer] if initializer is not None else [])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, str(path))
    return str(path)


def raw_tensor(name, dims, raw, data_type=TensorProto.FLOAT):
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def typed_tensor(name, data_type, dims, field, values):
    t = TensorProto(name=name, data_type=data_type, dims=dims)
    getattr(t, field).extend(values)
    return t


def writers(src, out):
    """Every command that writes a model, with its output."""
    return {
        "round-weights": ["round-weights", src, "-o", out / "r.onnx"],
        "fp16": ["fp16", src, "-o", out / "h.onnx"],
        "optimize": ["optimize", src, "-o", out / "o.onnx"],
        "simplify": ["simplify", src, "-o", out / "s.onnx", "--no-verify"],
        "deploy": ["deploy", src, "-o", out / "deployed"],
    }


# ---- 1. checked sizes ----------------------------------------------------------------------------

BAD_TENSORS = {
    # the reported crash: 2^62+1 float32 elements over 4 bytes of data (segfault in round-weights/deploy)
    "overflow": (raw_tensor("w", [HUGE], b"\0" * 4), "needs more than 2^63 bytes"),
    "overflow_2d": (raw_tensor("w", [2**32, 2**32], b"\0" * 4), "more than 2^63 elements"),
    "negative_dim": (raw_tensor("w", [-3], b""), "negative dim"),
    "raw_short": (raw_tensor("w", [3], b"\0" * 8), "raw_data holds 8 bytes"),
    "huge_raw_short": (raw_tensor("w", [2**40], b"\0" * 4), "raw_data holds 4 bytes"),
    "typed_short": (typed_tensor("w", TensorProto.FLOAT, [3], "float_data", [1.0]), "holds 1 values"),
    "typed_long": (typed_tensor("w", TensorProto.INT64, [1], "int64_data", [1, 2]), "holds 2 values"),
}


@pytest.mark.parametrize("case", sorted(BAD_TENSORS))
@pytest.mark.parametrize("command", ["round-weights", "fp16", "optimize", "simplify", "deploy", "run", "inspect"])
def test_bad_initializer_is_refused_before_allocating(tmp_path, case, command):
    tensor, needle = BAD_TENSORS[case]
    src = identity_model(tmp_path / "bad.onnx", tensor)
    out = tmp_path / "out"
    out.mkdir()
    args = writers(src, out).get(command, [command, src])
    one_line_error(piu(*args), "bad.onnx", "tensor 'w'", needle)
    assert os.listdir(out) == []


def test_external_data_with_overflowing_dims(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"\0" * 4)
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[HUGE], data_location=TensorProto.EXTERNAL)
    t.external_data.add(key="location", value="w.bin")
    src = identity_model(tmp_path / "ext.onnx", t)
    one_line_error(piu("round-weights", src, "-o", tmp_path / "r.onnx"), "ext.onnx", "tensor 'w'", "2^63")
    assert not (tmp_path / "r.onnx").exists()


def npy_bytes(descr, shape_text, data=b""):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


def test_npy_with_overflowing_shape(tmp_path):
    src = identity_model(tmp_path / "m.onnx")
    (tmp_path / "x.npy").write_bytes(npy_bytes("<f4", f"({HUGE},)", b"\0" * 4))
    one_line_error(piu("run", src, "--input", tmp_path / "x.npy"), "x.npy", "2^63")
    (tmp_path / "y.npy").write_bytes(npy_bytes("<f4", "(1000000000000,)", b"\0" * 4))
    one_line_error(piu("run", src, "--input", tmp_path / "y.npy"), "y.npy", "holds 4 bytes")


# ---- 4. resource policy --------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "bench", "compare"])
@pytest.mark.parametrize("option", ["-t", "--threads", "--inter-threads"])
def test_thread_counts_are_capped(tmp_path, command, option):
    src = identity_model(tmp_path / "m.onnx")
    one_line_error(piu(command, src, option, "100000"), option if option != "-t" else "--threads", "4 x the")


def test_random_inputs_have_a_byte_budget(tmp_path):
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1000])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1000])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, str(tmp_path / "dyn.onnx"))
    out = tmp_path / "out"
    line = one_line_error(piu("run", tmp_path / "dyn.onnx", "-b", "100000000", "-o", out), "input 'x'",
                          "400000000000 bytes", "PIU_MAX_INPUT_BYTES")
    assert "100000000x1000" in line
    assert not out.exists()
    one_line_error(piu("bench", tmp_path / "dyn.onnx", "-b", "100000000"), "input 'x'", "budget")
    env = dict(os.environ, PIU_MAX_INPUT_BYTES="1000")
    r = subprocess.run([os.path.join(BIN, "piu"), "run", str(tmp_path / "dyn.onnx"), "-b", "1"], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "1000-byte budget" in r.stderr, r.stderr


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_inputs_must_be_regular_files(tmp_path, kind):
    src = identity_model(tmp_path / "m.onnx")
    if kind == "fifo":
        path = tmp_path / "x.npy"
        os.mkfifo(path)
        needle = "FIFO"
    elif kind == "folder":
        path = tmp_path / "x_dir.npy"
        path.mkdir()
        needle = "folder"
    else:
        path = "/dev/zero"
        needle = "character device"
    # A FIFO hung `run --input` forever: the timeout turns a regression into a failure.
    one_line_error(piu("run", src, "--input", path, timeout=60), str(path), needle)
    one_line_error(piu("run", src, "--input", f"x={path}", timeout=60), str(path), needle)
    one_line_error(piu("inspect", path, timeout=60), str(path), needle)
    one_line_error(piu("run", path, timeout=60), str(path), needle)


def test_fifo_model_and_cache_are_refused(tmp_path):
    fifo = tmp_path / "m.onnx"
    os.mkfifo(fifo)
    for args in (["optimize", fifo, "-o", tmp_path / "o.onnx"], ["simplify", fifo, "-o", tmp_path / "s.onnx"],
                 ["bench", fifo]):
        one_line_error(piu(*args, timeout=60), "m.onnx", "FIFO")
    conv = model("cases/conv_bn.onnx")
    cache = tmp_path / "c.cache"
    os.mkfifo(cache)
    one_line_error(piu("quantize", conv, "-o", tmp_path / "q.onnx", "--from-cache", cache, timeout=60), "c.cache",
                   "FIFO")
    assert not (tmp_path / "q.onnx").exists()


def png_header_only(width, height):
    """A PNG whose header declares width x height pixels and holds no pixel data (a few dozen bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_image_size_is_checked_from_the_header(tmp_path):
    data = tmp_path / "images"
    data.mkdir()
    (data / "big.png").write_bytes(png_header_only(12000, 12000))
    one_line_error(piu("calibrate", model("resnet18.onnx"), "--data", data, "--cache", tmp_path / "c.cache"),
                   "big.png", "12000x12000", "PIU_MAX_IMAGE_PIXELS")
    assert not (tmp_path / "c.cache").exists()
    # The limit is the environment's to set: a real 16x16 image over a limit of 100 pixels.
    shutil.copy(model("square.png"), data / "big.png")
    env = dict(os.environ, PIU_MAX_IMAGE_PIXELS="100")
    r = subprocess.run([os.path.join(BIN, "piu"), "calibrate", model("resnet18.onnx"), "--data", str(data), "--cache",
                        str(tmp_path / "c.cache")], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "over the limit of 100" in r.stderr, r.stderr


# ---- 5. integrity --------------------------------------------------------------------------------

def test_hard_linked_external_data_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    outside = tmp_path / "secret.bin"
    outside.write_bytes(np.arange(4, dtype=np.float32).tobytes())
    os.link(outside, folder / "w.bin")
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    t.external_data.add(key="location", value="w.bin")
    src = identity_model(folder / "m.onnx", t)
    for args in (["optimize", src, "-o", tmp_path / "o.onnx"], ["run", src], ["inspect", src]):
        one_line_error(piu(*args), "m.onnx", "'w.bin'", "hard link")
    assert not (tmp_path / "o.onnx").exists()


def test_output_file_names_are_injective(tmp_path):
    src = identity_model(tmp_path / "m.onnx", outputs=("a/b", "a_b", ".hidden", "a%2Fb"))
    out = tmp_path / "out"
    r = piu("run", src, "-o", out)
    assert r.code == 0, r.err
    assert sorted(os.listdir(out)) == sorted(["a%2Fb.npy", "a_b.npy", "%2Ehidden.npy", "a%252Fb.npy"])


def test_messages_are_one_printable_line(tmp_path):
    src = identity_model(tmp_path / "m.onnx", raw_tensor("w\n\x1b[2Jevil", [HUGE], b"\0" * 4))
    line = one_line_error(piu("round-weights", src, "-o", tmp_path / "r.onnx"), "w\\x0a\\x1b[2Jevil")
    assert "\x1b" not in line
    src = identity_model(tmp_path / "long.onnx", raw_tensor("w" * 100000, [HUGE], b"\0" * 4))
    r = piu("round-weights", src, "-o", tmp_path / "r.onnx")
    assert r.code == 2 and len(r.err) < 1100 and r.err.rstrip().endswith("..."), len(r.err)


def cache_for(path, tmp_path, lines):
    cache = tmp_path / "c.cache"
    cache.write_text("TRT-8601-EntropyCalibration2\n" + "".join(l + "\n" for l in lines))
    return cache


@pytest.mark.parametrize("hex_scale, needle", [("7f7fffff", "out of range"),
                                               ("00000001", "out of range"), ("7e967699", "out of range"),
                                               ("ff800000", "not a finite")])
def test_calibration_cache_scales_are_range_checked(tmp_path, hex_scale, needle):
    conv = model("cases/conv_bn.onnx")
    name = onnx.load(conv).graph.input[0].name
    cache = cache_for(conv, tmp_path, [f"{name}: {hex_scale}"])
    out = tmp_path / "q.onnx"
    one_line_error(piu("quantize", conv, "-o", out, "--from-cache", cache), "c.cache:2", f"'{name}'", needle)
    assert not out.exists()


def test_zero_scales_are_no_range(tmp_path):
    # piu writes 0 for weights and constant tensors: such an entry is dropped, never used as a scale.
    conv = model("cases/conv_bn.onnx")
    name = onnx.load(conv).graph.input[0].name
    out = tmp_path / "q.onnx"
    one_line_error(piu("quantize", conv, "-o", out, "--from-cache", cache_for(conv, tmp_path, [f"{name}: 00000000"])),
                   "c.cache", "every scale after the header is zero")
    assert not out.exists()
    # A zero beside a real scale: the zero entry's tensor gets no range, so nothing quantizes it.
    inner = onnx.load(conv).graph.node[0].output[0]
    cache = cache_for(conv, tmp_path, [f"{name}: 3c010a14", f"{inner}: 00000000"])
    r = piu("quantize", conv, "-o", out, "--from-cache", cache, "--json")
    assert r.code == 0, r.err
    assert not [n for n in onnx.load(str(out)).graph.node if n.op_type == "QuantizeLinear" and n.input[0] == inner]


def test_calibration_cache_with_unknown_tensors(tmp_path):
    conv = model("cases/conv_bn.onnx")
    name = onnx.load(conv).graph.input[0].name
    cache = cache_for(conv, tmp_path, [f"{name}: 3c010a14", "nosuch: 3c010a14", "other: 3c010a14"])
    out = tmp_path / "q.onnx"
    one_line_error(piu("quantize", conv, "-o", out, "--from-cache", cache), "c.cache", "2 of its 3 tensors",
                   "'nosuch'", "'other'")
    assert not out.exists()


def corrupt_first_data_entry(src, dst):
    """Copies a TorchScript zip and flips one byte inside its first stored data entry."""
    shutil.copy(src, dst)
    with zipfile.ZipFile(dst) as z:
        info = next(i for i in z.infolist() if "/data/" in i.filename and i.file_size > 0)
    with open(dst, "r+b") as f:
        f.seek(info.header_offset + 26)
        name_len, extra_len = struct.unpack("<HH", f.read(4))
        at = info.header_offset + 30 + name_len + extra_len
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0xFF]))
    return info.filename


@pytest.mark.torch
def test_torchscript_archive_crcs_are_checked(tmp_path):
    bad = tmp_path / "bad.pt"
    entry = corrupt_first_data_entry(model("shapes.pt"), bad)
    for args in (["run", bad, "--shape", "x:1x3x64x64"],
                 ["export", bad, "-o", tmp_path / "e.onnx", "--shape", "x:1x3x64x64"]):
        one_line_error(piu(*args), "bad.pt", f"'{entry}'", "CRC")
    assert not (tmp_path / "e.onnx").exists()


def test_npz_entry_claiming_more_than_deflate_can_expand(tmp_path):
    src = identity_model(tmp_path / "m.onnx")
    npz = tmp_path / "x.npz"
    np.savez_compressed(npz, x=np.zeros(1, np.float32))
    data = bytearray(npz.read_bytes())
    with zipfile.ZipFile(npz) as z:
        info = z.infolist()[0]
    central = data.rfind(b"PK\x01\x02")  # the one central-directory entry: its uncompressed size at +24
    data[central + 24:central + 28] = struct.pack("<I", 0xFFFFFFF0)
    data[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", 0xFFFFFFF0)
    npz.write_bytes(bytes(data))
    one_line_error(piu("run", src, "--input", npz), "x.npz", "more than deflate can expand")

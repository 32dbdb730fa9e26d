#!/usr/bin/env python3
"""Writes the fuzz seeds of fuzz/corpus/<harness>/: small valid inputs of every kind each reader
takes, so that fuzzing starts from files that go deep into the readers.

Each section needs only its own modules and is skipped (said so) when they are missing: ONNX seeds
need onnx (the venv's Python), TorchScript and JPEG/GIF seeds need torch and PIL (Debian's python3).
Run it under both:
    .deps/venv/bin/python fuzz/gen_corpus.py && /usr/bin/python3 fuzz/gen_corpus.py
The files are deterministic; the whole corpus stays well under 1 MB.
"""
import argparse
import io
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def out(harness, name, data):
    folder = os.path.join(HERE, "corpus", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def gen_shape():
    specs = ["1x3x224x224", "-1,3,224,224", "input:1x3x224x224", "ids:-1x128:int64", "a:[1, 3] b:2x4",
             "scalar", "x:scalar:float16", "[]", "input:0:1x3", "?x3x?x?", "a:1x2;b:3x4:bool",
             "ids:0:30522", "mask:-5:5", "[ 1 , 2 ]", "n:9223372036854775807", "x:2x3:bfloat16"]
    for i, s in enumerate(specs):
        out("shape", f"spec_{i:02d}.txt", s.encode())


def gen_trt_cache():
    def scale(v):
        return struct.unpack("<I", struct.pack("<f", v))[0]
    lines = ["input: %08x" % scale(0.0078125), "conv1.out: %08x" % scale(0.031), "relu:0: %08x" % scale(1e-3)]
    for calibrator in ["EntropyCalibration2", "EntropyCalibration", "MinMaxCalibration", "LegacyCalibration"]:
        out("trt_cache", f"{calibrator}.cache", ("TRT-8601-%s\n" % calibrator + "\n".join(lines) + "\n").encode())
    out("trt_cache", "crlf.cache", ("TRT-100100-EntropyCalibration2\r\n" + "\r\n".join(lines) + "\r\n").encode())
    out("trt_cache", "one.cache", b"TRT-7000-MinMaxCalibration\nx: 3c000000")


def gen_npy():
    import numpy as np
    dtypes = ["float32", "float16", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
              "uint64", "bool"]
    for dt in dtypes:
        a = (np.arange(6) % 3).astype(dt).reshape(2, 3)
        buf = io.BytesIO()
        np.save(buf, a)
        out("npy", f"{dt}.npy", buf.getvalue())
    for name, a in [("scalar", np.float32(1.5)), ("empty", np.zeros((0, 3), np.float32)),
                    ("rank5", np.ones((1, 2, 1, 2, 1), np.int64)), ("fortran", np.asfortranarray(np.ones((2, 3)))),
                    ("big_endian", np.ones(3, ">f4"))]:
        buf = io.BytesIO()
        np.save(buf, np.asarray(a))
        out("npy", f"{name}.npy", buf.getvalue())
    for version in [(2, 0), (3, 0)]:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.ones((2, 2), np.float32), version=version)
        out("npy", f"format_{version[0]}_0.npy", buf.getvalue())
    gen_npz(np)


def gen_npz(np):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    ids = np.array([[1, 2, 3]], dtype=np.int64)
    for name, save in [("stored", np.savez), ("compressed", np.savez_compressed)]:
        buf = io.BytesIO()
        save(buf, x=a, ids=ids)
        out("npz", f"{name}.npz", buf.getvalue())
        buf = io.BytesIO()
        save(buf, np.ones(4, np.float16))
        out("npz", f"{name}_unnamed.npz", buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf)
    out("npz", "empty.npz", buf.getvalue())


def png(width, height, color_type, bit_depth, rows, palette=None):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + (chunk(b"PLTE", palette) if palette else b"")
    raw = b"".join(b"\x00" + r for r in rows)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def gen_image():
    w, h = 4, 3
    out("image", "rgb.png", png(w, h, 2, 8, [bytes([x * 60, y * 80, 128][c] for x in range(w) for c in range(3))
                                             for y in range(h)]))
    out("image", "rgba.png", png(w, h, 6, 8, [bytes([x * 60, y * 80, 7, 200][c] for x in range(w) for c in range(4))
                                              for y in range(h)]))
    out("image", "gray.png", png(w, h, 0, 8, [bytes(range(y, y + w)) for y in range(h)]))
    out("image", "gray16.png", png(w, h, 0, 16, [bytes(range(2 * w)) for _ in range(h)]))
    out("image", "palette.png", png(w, h, 3, 8, [bytes([0, 1, 2, 1]) for _ in range(h)], palette=b"\xff\x00\x00\x00\xff\x00\x00\x00\xff"))
    out("image", "rgb.ppm", b"P6\n4 3\n255\n" + bytes(range(36)))
    out("image", "gray.pgm", b"P5 4 3 255\n" + bytes(range(12)))
    # A 24-bit BMP: rows bottom-up, padded to 4 bytes.
    row = bytes([10, 20, 30] * w)
    pixels = row * h
    header = b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    out("image", "rgb.bmp", header + info + pixels)
    # An uncompressed true-color TGA.
    out("image", "rgb.tga", struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, w, h, 24, 0) + row * h)


def gen_image_pil():
    from PIL import Image
    img = Image.new("RGB", (8, 6))
    img.putdata([(x * 30, y * 40, (x + y) * 10) for y in range(6) for x in range(8)])
    for name, kwargs in [("baseline.jpg", dict(format="JPEG", quality=75)),
                         ("progressive.jpg", dict(format="JPEG", quality=50, progressive=True)),
                         ("subsampled.jpg", dict(format="JPEG", quality=90, subsampling=2)),
                         ("anim.gif", dict(format="GIF"))]:
        buf = io.BytesIO()
        img.save(buf, **kwargs)
        out("image", name, buf.getvalue())
    buf = io.BytesIO()
    img.convert("L").save(buf, format="JPEG")
    out("image", "gray.jpg", buf.getvalue())


def gen_onnx():
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def save(name, graph, opsets=(("", 17),)):
        model = helper.make_model(graph, producer_name="piu-fuzz",
                                  opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
        model.ir_version = 8
        out("onnx", name, model.SerializeToString())

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])
    save("add.onnx", helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "add", [x], [y]))
    w = numpy_helper.from_array(np.arange(9, dtype=np.float32).reshape(3, 3), "w")
    b = numpy_helper.from_array(np.ones(3, np.float32), "b")
    save("gemm.onnx", helper.make_graph([helper.make_node("Gemm", ["x", "w", "b"], ["y"])], "gemm", [x], [y], [w, b]))
    img = helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 2, 4, 4])
    conv_out = helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2, 4, 4])
    k = numpy_helper.from_array(np.ones((2, 2, 3, 3), np.float16).astype(np.float32), "k")
    save("conv_relu.onnx", helper.make_graph(
        [helper.make_node("Conv", ["img", "k"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["z"])],
        "conv", [img], [conv_out], [k]), opsets=(("", 13), ("com.microsoft", 1)))
    # Initializers of every dtype, raw and in typed fields.
    inits = []
    for i, dt in enumerate([np.float32, np.float16, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
                            np.bool_]):
        inits.append(numpy_helper.from_array(np.arange(4).astype(dt), f"t{i}"))
    inits.append(helper.make_tensor("typed", TensorProto.FLOAT, [2], [1.0, 2.0]))
    inits.append(helper.make_tensor("typed_i64", TensorProto.INT64, [2], [3, 4]))
    inits.append(helper.make_tensor("bf16", TensorProto.BFLOAT16, [1], [1.0]))
    inits.append(helper.make_tensor("str", TensorProto.STRING, [1], [b"a"]))
    save("dtypes.onnx", helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "dtypes", [x], [y], inits))
    # Control flow: an If whose branches are subgraphs.
    cond = helper.make_tensor_value_info("cond", TensorProto.BOOL, [])
    then_g = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    else_g = helper.make_graph([helper.make_node("Abs", ["x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    save("if.onnx", helper.make_graph([helper.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)],
                                      "if", [cond, x], [y]))
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, [1, "seq"])
    emb = numpy_helper.from_array(np.ones((10, 4), np.float32), "emb")
    e_out = helper.make_tensor_value_info("e", TensorProto.FLOAT, None)
    save("gather.onnx", helper.make_graph([helper.make_node("Gather", ["emb", "ids"], ["e"])], "gather", [ids], [e_out],
                                          [emb]))
    # External data pointing into the model file itself: inside the folder, offsets checked.
    ext = numpy_helper.from_array(np.ones(4, np.float32), "ext")
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    for key, value in [("location", "model.onnx"), ("offset", "0"), ("length", "16")]:
        entry = ext.external_data.add()
        entry.key, entry.value = key, value
    save("external_self.onnx", helper.make_graph([helper.make_node("Add", ["x", "ext"], ["y"])], "ext", [x], [y], [ext]))


SECTIONS = {"shape": (gen_shape,), "trt_cache": (gen_trt_cache,), "npy": (gen_npy,), "image": (gen_image,),
            "image_pil": (gen_image_pil,), "onnx": (gen_onnx,), "torchscript": None}


def gen_torchscript():
    import torch

    class Small(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(2)

        def forward(self, x):
            return torch.relu(self.bn(self.conv(x))).mean(dim=(2, 3))

    class Branchy(torch.nn.Module):
        def forward(self, x, n: int):
            for _ in range(n):
                x = x * 2 if bool(x.sum() > 0) else x - 1
            return {"y": x, "z": x.reshape(-1)}

    torch.manual_seed(0)
    traced = torch.jit.trace(Small().eval(), torch.zeros(1, 2, 4, 4))
    for name, module in [("traced_conv_bn.pt", traced), ("scripted_loop_dict.pt", torch.jit.script(Branchy())),
                         ("linear.pt", torch.jit.trace(torch.nn.Linear(3, 2).eval(), torch.zeros(1, 3)))]:
        buf = io.BytesIO()
        torch.jit.save(module, buf)
        out("torchscript", name, buf.getvalue())


SECTIONS["torchscript"] = (gen_torchscript,)


def gen_pickle():
    """Python's pickles of every protocol, and the pickle entries of the TorchScript seeds (protocol 2)."""
    import glob
    import pickle
    import zipfile

    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        obj = {"a": [1, -300, 70000, 2**70, 2.5, "x\u00e9", b"y", None, True, (1, 2, 3)], "l": [[] for _ in range(300)],
               "t": "t" * 300, "b": b"b" * 300}
        if protocol >= 4:
            obj["s"] = frozenset([1])
        if protocol >= 5:
            obj["c"] = bytearray(b"q")
        out("pickle", f"protocol{protocol}.pkl", pickle.dumps(obj, protocol=protocol))
    for archive in sorted(glob.glob(os.path.join(HERE, "corpus", "torchscript", "*.pt"))):
        with zipfile.ZipFile(archive) as z:
            for entry in z.namelist():
                if entry.endswith("pkl"):
                    stem = os.path.basename(archive)[:-3] + "_" + os.path.basename(entry).replace(".", "_")
                    out("pickle", stem + ".pkl", z.read(entry))


SECTIONS["pickle"] = (gen_pickle,)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated sections: " + ",".join(SECTIONS))
    args = parser.parse_args()
    wanted = [s for s in args.only.split(",") if s] or list(SECTIONS)
    for name in wanted:
        try:
            SECTIONS[name][0]()
            print(f"[gen_corpus] {name}: written")
        except ImportError as e:
            print(f"[gen_corpus] {name}: skipped ({e.name} is not installed for this Python)")


if __name__ == "__main__":
    main()

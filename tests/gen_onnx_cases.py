#!/usr/bin/env python3
"""Small hand-built ONNX models and bad inputs for the tests (run with .deps/venv/bin/python).

Writes into OUT_DIR/cases:
  add.onnx           y = x + w, x: float32 [batch, 4], w an initializer
  multi_io.onnx      two inputs (float32 [batch, 3], int64 [batch]) and two outputs
  token_mlp.onnx     two inputs like a text encoder's: ids int64 [batch, seq] (an embedding of 50)
                     and mask float32 [batch, seq]; Gather -> MatMul -> Relu -> masked mean -> MatMul
                     -> logits [batch, 4] (multi-input calibration)
  dynamic_hw.onnx    Relu over float32 [1, 3, height, width] (dynamic non-batch dims)
  reshape_dynamic.onnx  Reshape whose target comes from Shape(x)[0] (the simplifier regression)
  conv_bn.onnx       Conv -> BatchNormalization (random statistics) -> Relu over [batch, 3, 8, 8]:
                     folding the BN changes float rounding, so exact verification fails
  branch_on_rate.onnx  an If on the value of an int64 input `sr` (an LSTM at 16000, an error
                     otherwise), with a state input [2, batch, 16] sharing x's batch dim
  ext/model.onnx     add.onnx with w stored as external data in ext/weights.bin
  npy/<dtype>.npy    arange-valued arrays of every supported dtype, written by numpy
  npy/inputs.npz, npy/inputs_compressed.npz  ids int64 [2, 3], x float32 [8], flag bool [] (savez and
                     savez_compressed)
  token_ids.onnx     ids int64 -> Gather on a [30, 4] table; mask int64 cast to float (input ranges)
  bad/...            empty file, truncated protobuf, PNG renamed .onnx, ModelProto without graph,
                     npy with bad magic, npy with an overflowing shape
"""
import os
import shutil
import struct
import sys
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def save(model, path):
    onnx.checker.check_model(model)
    onnx.save(model, path)


def add_model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    w = numpy_helper.from_array(np.array([1.0, 2.0, 3.0, 4.0], np.float32).reshape(1, 4), "w")
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"], name="add")], "add", [x], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def multi_io_model():
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 3])
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch"])
    scaled = helper.make_tensor_value_info("scaled", TensorProto.FLOAT, ["batch", 3])
    shifted = helper.make_tensor_value_info("shifted", TensorProto.INT64, ["batch"])
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    one = numpy_helper.from_array(np.array(1, np.int64), "one")
    nodes = [helper.make_node("Mul", ["a", "two"], ["scaled"]), helper.make_node("Add", ["ids", "one"], ["shifted"])]
    graph = helper.make_graph(nodes, "multi_io", [a, ids], [scaled, shifted], [two, one])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def token_mlp_model():
    rng = np.random.default_rng(0)
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "seq"])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 4])
    inits = [numpy_helper.from_array(a.astype(np.float32), n) for n, a in [
        ("table", rng.standard_normal((50, 16))), ("w1", rng.standard_normal((16, 32)) / 4),
        ("b1", rng.standard_normal(32) / 4), ("w2", rng.standard_normal((32, 4)) / 6)]]
    inits.append(numpy_helper.from_array(np.array([-1], np.int64), "last"))
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "seq_axis"))
    nodes = [
        helper.make_node("Gather", ["table", "ids"], ["embedded"], name="embed"),
        helper.make_node("MatMul", ["embedded", "w1"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1_bias"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("Unsqueeze", ["mask", "last"], ["mask3"], name="mask_dim"),
        helper.make_node("Mul", ["h2", "mask3"], ["masked"], name="apply_mask"),
        helper.make_node("ReduceSum", ["masked", "seq_axis"], ["pooled"], keepdims=0, name="pool"),
        helper.make_node("MatMul", ["pooled", "w2"], ["logits"], name="fc2"),
    ]
    graph = helper.make_graph(nodes, "token_mlp", [ids, mask], [logits], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def dynamic_hw_model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "height", "width"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, "height", "width"])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "dynamic_hw", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def conv_bn_model():
    rng = np.random.default_rng(7)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 16, 8, 8])
    inits = [
        numpy_helper.from_array(rng.standard_normal((16, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "scale"),
        numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "bias"),
        numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "mean"),
        numpy_helper.from_array(rng.uniform(0.5, 2.0, 16).astype(np.float32), "var"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"], name="bn"),
        helper.make_node("Relu", ["b"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(nodes, "conv_bn", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def reshape_dynamic_model():
    """The known simplifier failure: Reshape(x, [Shape(x)[0], -1]) must keep a dynamic batch.

    x: [batch, 3, 4, 4] -> flatten to [batch, 48] with a target computed from Shape(x)[0] and from
    the static dims 1..3 (Shape(x)[1] * Shape(x)[2] * Shape(x)[3], foldable) -> MatMul(48 x 5) -> y.
    """
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((48, 5)).astype(np.float32), "w")
    i0 = numpy_helper.from_array(np.array(0, np.int64), "i0")
    axes = numpy_helper.from_array(np.array([0], np.int64), "axes0")
    start = numpy_helper.from_array(np.array([1], np.int64), "start")
    end = numpy_helper.from_array(np.array([4], np.int64), "end")
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "i0"], ["batch"], axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch_1d"]),
        helper.make_node("Slice", ["shape", "start", "end"], ["rest"]),
        helper.make_node("ReduceProd", ["rest"], ["features"], keepdims=1),
        helper.make_node("Concat", ["batch_1d", "features"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "reshape_dynamic", [x], [y], [w, i0, axes, start, end])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def png_bytes():
    """A valid 2x2 RGB PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes([255, 0, 0] * 2) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def token_ids_model():
    """ids int64 [batch, seq] -> Unsqueeze -> Gather on a [30, 4] table (an embedding); mask int64
    [batch, seq] cast to float and multiplied in: only ids index a table."""
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("mask", TensorProto.INT64, ["batch", "seq"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1, "seq", 4])
    table = numpy_helper.from_array(np.arange(120, dtype=np.float32).reshape(30, 4), "table")
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    nodes = [
        helper.make_node("Unsqueeze", ["ids", "axes"], ["ids_1"]),
        helper.make_node("Gather", ["table", "ids_1"], ["emb"]),
        helper.make_node("Cast", ["mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axes"], ["mask_1"]),
        helper.make_node("Unsqueeze", ["mask_1", "three"], ["mask_2"]),
        helper.make_node("Mul", ["emb", "mask_2"], ["y"]),
    ]
    three = numpy_helper.from_array(np.array([3], np.int64), "three")
    graph = helper.make_graph(nodes, "token_ids", [ids, mask], [y], [table, axes, three])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def branch_on_rate_model():
    """An `If` on an int64 input's value, as a model that supports one sample rate: at 16000 an LSTM
    runs over x [batch, 10, 8] from a state [2, batch, 16] (its dim named like x's batch); any other
    rate takes a branch that reads past a table (an error at run time, as real models' unsupported
    paths are). Random inputs (rates 0 or 1) fail; the user's own inputs verify."""
    rng = np.random.default_rng(0)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 10, 8])
    sr = helper.make_tensor_value_info("sr", TensorProto.INT64, [1])
    state = helper.make_tensor_value_info("state", TensorProto.FLOAT, [2, "batch", 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 16])
    inits = [
        numpy_helper.from_array(rng.standard_normal((1, 64, 8)).astype(np.float32) * 0.3, "W"),
        numpy_helper.from_array(rng.standard_normal((1, 64, 16)).astype(np.float32) * 0.3, "R"),
        numpy_helper.from_array(rng.standard_normal((1, 128)).astype(np.float32) * 0.1, "B"),
        numpy_helper.from_array(np.array([16000], np.int64), "rate"),
        numpy_helper.from_array(np.zeros((4, 1, 16), np.float32), "table"),
        numpy_helper.from_array(np.array([100], np.int64), "past_end"),
        numpy_helper.from_array(np.array([0], np.int64), "zero"),
        numpy_helper.from_array(np.array([1], np.int64), "one"),
        numpy_helper.from_array(np.array([2], np.int64), "two"),
    ]
    lstm_out = helper.make_tensor_value_info("h_n", TensorProto.FLOAT, None)
    then_graph = helper.make_graph([
        helper.make_node("Transpose", ["x"], ["x_t"], perm=[1, 0, 2]),
        helper.make_node("Slice", ["state", "zero", "one", "zero"], ["h0"]),
        helper.make_node("Slice", ["state", "one", "two", "zero"], ["c0"]),
        helper.make_node("LSTM", ["x_t", "W", "R", "B", "", "h0", "c0"], ["", "h_n"], hidden_size=16),
    ], "rate_16000", [], [lstm_out])
    bad_out = helper.make_tensor_value_info("bad", TensorProto.FLOAT, None)
    else_graph = helper.make_graph([
        helper.make_node("Add", ["sr", "past_end"], ["index"]),
        helper.make_node("Gather", ["table", "index"], ["bad"]),
    ], "other_rate", [], [bad_out])
    nodes = [
        helper.make_node("Equal", ["sr", "rate"], ["is_16k_1"]),
        helper.make_node("Squeeze", ["is_16k_1", "zero"], ["is_16k"]),
        helper.make_node("If", ["is_16k"], ["h"], then_branch=then_graph, else_branch=else_graph),
        helper.make_node("Squeeze", ["h", "zero"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "branch_on_rate", [x, sr, state], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def main():
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build/models", "cases")
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("ext", "npy", "bad"):
        os.makedirs(os.path.join(out, sub))
    save(add_model(), os.path.join(out, "add.onnx"))
    save(multi_io_model(), os.path.join(out, "multi_io.onnx"))
    save(dynamic_hw_model(), os.path.join(out, "dynamic_hw.onnx"))
    save(token_mlp_model(), os.path.join(out, "token_mlp.onnx"))
    save(reshape_dynamic_model(), os.path.join(out, "reshape_dynamic.onnx"))
    save(conv_bn_model(), os.path.join(out, "conv_bn.onnx"))
    save(branch_on_rate_model(), os.path.join(out, "branch_on_rate.onnx"))
    save(token_ids_model(), os.path.join(out, "token_ids.onnx"))

    ext = add_model()
    onnx.external_data_helper.convert_model_to_external_data(ext, all_tensors_to_one_file=True, location="weights.bin",
                                                             size_threshold=0)
    onnx.save(ext, os.path.join(out, "ext", "model.onnx"))

    for dtype in ["float32", "float16", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"]:
        arr = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4) if dtype != "bool" else (np.arange(24) % 3 == 0).reshape(2, 3, 4)
        np.save(os.path.join(out, "npy", dtype + ".npy"), arr)
    arrays = {"ids": np.arange(6, dtype=np.int64).reshape(2, 3), "x": np.linspace(0, 1, 8, dtype=np.float32),
              "flag": np.array(True)}
    np.savez(os.path.join(out, "npy", "inputs.npz"), **arrays)
    np.savez_compressed(os.path.join(out, "npy", "inputs_compressed.npz"), **arrays)

    bad = os.path.join(out, "bad")
    open(os.path.join(bad, "empty.onnx"), "wb").close()
    data = add_model().SerializeToString()
    with open(os.path.join(bad, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(bad, "image.onnx"), "wb") as f:
        f.write(png_bytes())
    with open(os.path.join(bad, "no_graph.onnx"), "wb") as f:
        f.write(onnx.ModelProto(ir_version=8, producer_name="test").SerializeToString())
    with open(os.path.join(bad, "bad_magic.npy"), "wb") as f:
        f.write(b"NOTNUMPY" + b"\x00" * 64)
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"
    header += b" " * (118 - len(header)) + b"\n"
    with open(os.path.join(bad, "overflow.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\x00" * 16)


if __name__ == "__main__":
    main()

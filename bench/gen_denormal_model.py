#!/usr/bin/env python3
"""A model with planted denormal weights, for bench/denormal_bench.sh.

Eight 512x512 Gemm layers, each followed by an elementwise Mul with a per-feature scale and ReLU.
90% of each weight matrix and of each scale is denormal (|w| ~ 1e-39), the rest normal values, so
both the Gemm and the Mul compute with denormal operands and produce denormal results. Written with .deps/venv/bin/python (onnx + numpy).
  gen_denormal_model.py OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    rng = np.random.default_rng(0)
    n, layers = 512, 8
    nodes, inits = [], []
    prev = "x"
    for i in range(layers):
        w = rng.standard_normal((n, n)).astype(np.float32) * 0.05
        planted = rng.random((n, n)) < 0.9
        w[planted] = (rng.standard_normal(planted.sum()) * 1e-39).astype(np.float32)
        b = np.zeros(n, np.float32)
        s = np.ones(n, np.float32)
        s[rng.random(n) < 0.9] = 3e-39
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}"),
                  numpy_helper.from_array(s, f"s{i}")]
        nodes.append(helper.make_node("Gemm", [prev, f"w{i}", f"b{i}"], [f"g{i}"]))
        nodes.append(helper.make_node("Mul", [f"g{i}", f"s{i}"], [f"m{i}"]))
        out = "y" if i == layers - 1 else f"r{i}"
        nodes.append(helper.make_node("Relu", [f"m{i}"], [out]))
        prev = out
    graph = helper.make_graph(nodes, "denormal", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()

"""piu optimize and piu round-weights end to end."""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import model, piu
from test_cli import one_line_error

SEED_PASSES = 24


def small_model(nodes, inputs=("x",), outputs=("y",), opset=17, initializers=()):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(i, TensorProto.FLOAT, [2]) for i in inputs],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, [2]) for o in outputs], list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_list_passes():
    r = piu("optimize", "--list-passes")
    assert r.code == 0
    lines = [l for l in r.out.splitlines() if l.strip()]
    assert len([l for l in lines if "not in the default list" not in l]) == SEED_PASSES
    assert any(l.startswith("eliminate_nop_concat ") and "not in the default list" in l for l in lines)
    for name in ["eliminate_identity", "fuse_bn_into_conv", "lift_lexical_references", "nop"]:
        assert any(l.startswith(name + " ") for l in lines)


def test_optimize_resnet18(tmp_path):
    src = model("resnet18.onnx")
    out = tmp_path / "opt.onnx"
    r = piu("optimize", src, "-o", out, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["nodes_after"] < j["nodes_before"]
    assert [p["name"] for p in j["passes"]][0] == "eliminate_deadend"
    assert j["verified"] and {c["batch"] for c in j["verification"]} == {1, 3}
    x = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    a = ort.InferenceSession(src).run(None, {"input": x})[0]
    b = ort.InferenceSession(str(out)).run(None, {"input": x})[0]
    assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max()
    table = piu("optimize", src, "-o", tmp_path / "t.onnx")
    assert table.code == 0 and "nodes" in table.out and "verified on ONNX Runtime" in table.out


@pytest.mark.parametrize("case,needle", [
    ("cycle", "cycle"),
    ("undefined", "consumes undefined value 'nowhere'"),
    ("duplicate", "duplicate output name"),
    ("opset", "opset 99"),
])
def test_bad_graphs(tmp_path, case, needle):
    if case == "cycle":
        m = small_model([helper.make_node("Add", ["x", "b"], ["a"], name="n1"),
                         helper.make_node("Relu", ["a"], ["b"], name="n2"),
                         helper.make_node("Identity", ["a"], ["y"], name="n3")])
    elif case == "undefined":
        m = small_model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="adder")])
    elif case == "duplicate":
        m = small_model([helper.make_node("Relu", ["x"], ["y"], name="one"),
                         helper.make_node("Neg", ["x"], ["y"], name="two")])
    else:
        m = small_model([helper.make_node("Relu", ["x"], ["y"])], opset=99)
    src = tmp_path / "bad.onnx"
    onnx.save(m, src)
    out = tmp_path / "out.onnx"
    one_line_error(piu("optimize", src, "-o", out), needle)
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.onnx"], "nothing written, no temp files"


def test_unknown_pass_and_same_output(tmp_path):
    src = model("cases/add.onnx")
    out = tmp_path / "out.onnx"
    one_line_error(piu("optimize", src, "-o", out, "--passes", "eliminate_identity,fuse_everything"),
                   "unknown pass 'fuse_everything'", "known passes:", "eliminate_identity")
    assert not out.exists()
    one_line_error(piu("optimize", src, "-o", src), "never modifies an input in place")
    one_line_error(piu("optimize", src), "missing -o")


def test_round_weights_flushes_denormals(tmp_path):
    w = np.array([1e-40, -2e-39, 0.5, 1e-20], np.float32)
    m = small_model([helper.make_node("Add", ["x", "w"], ["y"])], initializers=[numpy_helper.from_array(w[:2], "w")])
    src = tmp_path / "in.onnx"
    onnx.save(m, src)
    out = tmp_path / "out.onnx"
    r = piu("round-weights", src, "-o", out, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["values_changed"] == 2 and j["denormals_before"] == 2 and j["denormals_after"] == 0
    rounded = numpy_helper.to_array(onnx.load(out).graph.initializer[0])
    assert (rounded == 0).all()
    before = src.read_bytes()
    assert piu("round-weights", src, "-o", tmp_path / "again.onnx").code == 0
    assert src.read_bytes() == before, "the input is never modified"


def test_common_subexpression_and_shape_chains_as_optimize_passes(tmp_path):
    # x [batch, 3, 4]: y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) written twice (two
    # Shape chains), as exporters do; z = Relu of the second. The two passes leave one Reshape with a
    # constant target [0, -1], the batch stays dynamic, and the result is verified by piu.
    i64 = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.int64), name)
    nodes = []
    for k in ("1", "2"):
        nodes += [helper.make_node("Shape", ["x"], ["s" + k]),
                  helper.make_node("Gather", ["s" + k, "zero"], ["g" + k]),
                  helper.make_node("Unsqueeze", ["g" + k, "axes"], ["u" + k]),
                  helper.make_node("Concat", ["u" + k, "rest"], ["c" + k], axis=0),
                  helper.make_node("Reshape", ["x", "c" + k], ["r" + k])]
    nodes += [helper.make_node("Relu", ["r1"], ["y"]), helper.make_node("Sigmoid", ["r2"], ["z"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in ("y", "z")],
        [i64("zero", 0), i64("axes", [0]), i64("rest", [-1])])
    src, out = tmp_path / "chains.onnx", tmp_path / "out.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), src)
    r = piu("optimize", src, "-o", out, "--passes", "eliminate_common_subexpression,fold_shape_chains", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["verified"] and (j["nodes_before"], j["nodes_after"]) == (12, 3)
    m = onnx.load(out)
    assert [o.name for o in m.graph.output] == ["y", "z"]
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)
    a = ort.InferenceSession(str(src)).run(None, {"x": x})
    b = ort.InferenceSession(str(out)).run(None, {"x": x})
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)

"""piu fp16: float16 conversion driven by the op schemas, verified on ONNX Runtime before it is written."""
import hashlib
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import model, piu
from test_cli import one_line_error

F16, F32 = TensorProto.FLOAT16, TensorProto.FLOAT


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def session(path):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def run(path, feeds):
    """Runs a model, feeding float32 arrays as float16 where it takes float16; outputs as float32/ints."""
    s = session(path)
    typed = {}
    for i in s.get_inputs():
        a = feeds[i.name]
        typed[i.name] = a.astype(np.float16) if i.type == "tensor(float16)" else a
    return [o.astype(np.float32) if o.dtype == np.float16 else o for o in s.run(None, typed)]


def assert_close(actual, expected, rtol=1e-2):
    for a, e in zip(actual, expected):
        assert a.shape == e.shape
        if e.dtype.kind == "f":
            scale = float(np.abs(e).max())
            assert float(np.abs(a - e).max()) <= rtol * scale + 1e-3, (np.abs(a - e).max(), scale)
        else:
            np.testing.assert_array_equal(a, e)


def io_types(path):
    m = onnx.load(str(path))
    return ([v.type.tensor_type.elem_type for v in m.graph.input],
            [v.type.tensor_type.elem_type for v in m.graph.output])


def init(m, name):
    return next(t for t in m.graph.initializer if t.name == name)


# ---- the zoo models ------------------------------------------------------------------------------

@pytest.mark.parametrize("keep_io", [False, True])
def test_resnet18_converts_and_verifies(tmp_path, keep_io):
    src = model("resnet18.onnx")
    before = sha(src)
    out = tmp_path / "r18.fp16.onnx"
    r = piu("fp16", src, "-o", out, "--json", *(["--keep-io-types"] if keep_io else []))
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["verified"] and {c["batch"] for c in j["verification"]} >= {1}
    assert j["converted_nodes"] > 50 and j["blocked_nodes"] == 0
    assert j["bytes_after"] * 2 == pytest.approx(j["bytes_before"], rel=0.01), "weights take half the bytes"
    assert all(c["max_abs"] <= 1e-2 * c["scale"] + 1e-6 for c in j["verification"])
    assert sha(src) == before, "the input file is never touched"
    m = onnx.load(str(out))
    onnx.checker.check_model(m, full_check=True)
    assert {t.data_type for t in m.graph.initializer} == {F16}
    ins, outs = io_types(out)
    assert ins == outs == ([F32] if keep_io else [F16])
    assert [v.name for v in m.graph.input] == [v.name for v in onnx.load(src).graph.input]
    assert [v.name for v in m.graph.output] == [v.name for v in onnx.load(src).graph.output]
    assert j["casts"] == (2 if keep_io else 0)
    x = np.load(model("resnet18.input.npy"))
    name = m.graph.input[0].name
    ref, got = run(src, {name: x}), run(out, {name: x})
    assert_close(got, ref)
    assert (got[0].argmax(1) == ref[0].argmax(1)).all()


@pytest.mark.parametrize("name", ["mobilenet_v3_small.onnx", "shapes.onnx"])
def test_zoo_models_load_and_run(tmp_path, name):
    src = model(name)
    out = tmp_path / "m.onnx"
    r = piu("fp16", src, "-o", out)
    assert r.code == 0, r.err
    assert "verified on ONNX Runtime" in r.out and f"wrote {out}" in r.out
    assert "nodes in float16" in r.out and "MiB" in r.out
    m = onnx.load(src)
    shape = [d.dim_value or 2 for d in m.graph.input[0].type.tensor_type.shape.dim]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ref, got = run(src, {m.graph.input[0].name: x}), run(out, {m.graph.input[0].name: x})
    assert_close(got, ref)


# ---- schema-driven conversion on a generated model -----------------------------------------------

def mixed_model(path):
    """Resize (float-only scales), ReduceMean, LayerNormalization, Softmax, an int64 shape path cast to
    float, a float Constant, ConstantOfShape with a float value, and an If reading an outer value."""
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    axes = numpy_helper.from_array(np.array([2, 3], np.int64), "axes")
    ln_scale = numpy_helper.from_array(np.array([1.0, 0.5, 2.0], np.float32), "ln_scale")
    ln_bias = numpy_helper.from_array(np.array([0.1, 0.2, 0.3], np.float32), "ln_bias")
    idx = numpy_helper.from_array(np.array(1, np.int64), "idx")
    two = helper.make_tensor("two", F32, [], [2.0])
    then_g = helper.make_graph([helper.make_node("Constant", [], ["k"], value=two),
                                helper.make_node("Mul", ["y", "k"], ["z_then"])], "then", [],
                               [helper.make_tensor_value_info("z_then", F32, ["batch", 3])])
    else_g = helper.make_graph([helper.make_node("Identity", ["y"], ["z_else"])], "else", [],
                               [helper.make_tensor_value_info("z_else", F32, ["batch", 3])])
    nodes = [
        helper.make_node("Resize", ["x", "", "scales"], ["r"], mode="nearest", name="resize"),
        helper.make_node("ReduceMean", ["r", "axes"], ["m"], keepdims=1, name="mean"),
        helper.make_node("Flatten", ["m"], ["f"], name="flatten"),
        helper.make_node("LayerNormalization", ["f", "ln_scale", "ln_bias"], ["ln"], name="ln"),
        helper.make_node("Softmax", ["ln"], ["sm"], axis=-1, name="softmax"),
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "idx"], ["n"], axis=0, name="gather"),
        helper.make_node("Cast", ["n"], ["nf"], to=F32, name="cast"),
        helper.make_node("Mul", ["sm", "nf"], ["sm2"], name="mul_n"),
        helper.make_node("Constant", [], ["c"], value=helper.make_tensor("cv", F32, [3], [0.5, 1.0, 2.0]),
                         name="const"),
        helper.make_node("Mul", ["sm2", "c"], ["sm3"], name="mul_c"),
        helper.make_node("Shape", ["sm3"], ["s3"], name="shape3"),
        helper.make_node("ConstantOfShape", ["s3"], ["q"], value=helper.make_tensor("qv", F32, [1], [0.25]),
                         name="cos"),
        helper.make_node("Add", ["sm3", "q"], ["y"], name="add_q"),
        helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0, name="sum"),
        helper.make_node("Greater", ["total", "minus"], ["cond"], name="greater"),
        helper.make_node("If", ["cond"], ["z"], then_branch=then_g, else_branch=else_g, name="if"),
    ]
    minus = numpy_helper.from_array(np.array(-1e9, np.float32), "minus")
    g = helper.make_graph(nodes, "mixed", [helper.make_tensor_value_info("x", F32, ["batch", 3, 8, 8])],
                          [helper.make_tensor_value_info("z", F32, ["batch", 3]),
                           helper.make_tensor_value_info("n", TensorProto.INT64, [])],
                          [scales, axes, ln_scale, ln_bias, idx, minus])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(path))
    return str(path)


def node(m, name):
    return next(n for n in m.graph.node if n.name == name)


def attr(n, name):
    return next(a for a in n.attribute if a.name == name)


@pytest.mark.parametrize("keep_io", [False, True])
def test_schema_rules_on_mixed_model(tmp_path, keep_io):
    src = mixed_model(tmp_path / "mixed.onnx")
    out = tmp_path / "mixed.fp16.onnx"
    r = piu("fp16", src, "-o", out, "--json", *(["--keep-io-types"] if keep_io else []))
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["verified"]
    m = onnx.load(str(out))
    onnx.checker.check_model(m, full_check=True)
    assert init(m, "scales").data_type == F32, "Resize's scales allow only tensor(float)"
    assert node(m, "resize").input[0] != "x" or not keep_io
    for name in ("ln_scale", "ln_bias", "minus"):
        assert init(m, name).data_type == F16, name
    assert attr(node(m, "cast"), "to").i == F16, "Cast(to=FLOAT) now casts to float16"
    assert attr(node(m, "cos"), "value").t.data_type == F16
    assert attr(node(m, "const"), "value").t.data_type == F16
    assert numpy_helper.to_array(attr(node(m, "const"), "value").t).tolist() == [0.5, 1.0, 2.0]
    # The If keeps float32: its outer reference to y comes through one Cast to float32.
    if_node = node(m, "if")
    then_in = [n for n in attr(if_node, "then_branch").g.node if n.op_type == "Mul"][0].input[0]
    else_in = attr(if_node, "else_branch").g.node[0].input[0]
    assert then_in == else_in != "y"
    cast = next(n for n in m.graph.node if n.output[0] == then_in)
    assert cast.op_type == "Cast" and attr(cast, "to").i == F32 and cast.input[0] == "y"
    assert j["blocked_nodes"] == 1, "only the If stays float32"
    # Graph I/O keeps its names; int outputs keep their types.
    assert [v.name for v in m.graph.input] == ["x"] and [v.name for v in m.graph.output] == ["z", "n"]
    ins, outs = io_types(out)
    io = F32 if keep_io else F16
    assert ins == [io] and outs == [io, TensorProto.INT64]
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 8, 8)).astype(np.float32)
        assert_close(run(out, {"x": x}), run(src, {"x": x}))


def test_block_ops_and_nodes(tmp_path):
    src = mixed_model(tmp_path / "mixed.onnx")
    out = tmp_path / "b.onnx"
    r = piu("fp16", src, "-o", out, "--block-ops", "Softmax,LayerNormalization", "--block-nodes", "mul_c", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["block_ops"] == ["Softmax", "LayerNormalization"] and j["block_nodes"] == ["mul_c"]
    assert j["blocked_nodes"] == 4
    m = onnx.load(str(out))
    assert init(m, "ln_scale").data_type == F32 and init(m, "ln_bias").data_type == F32
    # The Constant read only by the blocked Mul stays float32; ln -> softmax needs no Cast between.
    assert attr(node(m, "const"), "value").t.data_type == F32
    assert node(m, "softmax").input[0] == "ln"
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    assert_close(run(out, {"x": x}), run(src, {"x": x}))
    # An empty list: everything the schemas allow.
    r = piu("fp16", src, "-o", tmp_path / "none.onnx", "--block-ops", "none", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["block_ops"] == []
    one_line_error(piu("fp16", src, "-o", tmp_path / "x.onnx", "--block-nodes", "nosuch"), "nosuch")
    assert not (tmp_path / "x.onnx").exists()


def test_shared_initializer_gets_a_float16_copy(tmp_path):
    """A weight read by a float16 node and a blocked one stays float32 plus one float16 copy (no Cast)."""
    w = numpy_helper.from_array(np.array([1.5, -2.0, 3.0, 0.25], np.float32), "w")
    g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["a"]), helper.make_node("Mul", ["a", "w"], ["y"])],
                          "shared", [helper.make_tensor_value_info("x", F32, [2, 4])],
                          [helper.make_tensor_value_info("y", F32, [2, 4])], [w])
    src = tmp_path / "shared.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(src))
    out = tmp_path / "shared.fp16.onnx"
    r = piu("fp16", src, "-o", out, "--block-nodes", "Mul#1", "--json")  # unnamed nodes: op_type#index
    assert r.code == 0, r.err
    m = onnx.load(str(out))
    types = {t.name: t.data_type for t in m.graph.initializer}
    assert types["w"] == F32 and len(types) == 2
    copy = next(n for n in types if n != "w")
    assert types[copy] == F16
    assert not any(n.op_type == "Cast" and n.input[0] in ("w", copy) for n in m.graph.node)
    add = next(n for n in m.graph.node if n.op_type == "Add")
    mul = next(n for n in m.graph.node if n.op_type == "Mul")
    assert add.input[1] == copy and mul.input[1] == "w"
    assert json.loads(r.out)["casts"] == 2, "a -> float32 for the Mul, its result -> float16 for the output"
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    assert_close(run(out, {"x": x}), run(src, {"x": x}))


def edge_graphs():
    v = lambda n: helper.make_tensor_value_info(n, F32, [2])  # noqa: E731
    w = numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "w")
    n = numpy_helper.from_array(np.array(3, np.int64), "n")
    body = helper.make_graph(
        [helper.make_node("Add", ["v", "w"], ["v2"]), helper.make_node("Identity", ["cond"], ["c2"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond", TensorProto.BOOL, []), v("v")],
        [helper.make_tensor_value_info("c2", TensorProto.BOOL, []), v("v2")])
    mk = lambda nodes, outs, inits=(), ins=("x",): helper.make_graph(  # noqa: E731
        nodes, "g", [v(i) for i in ins], [v(o) for o in outs], list(inits))
    relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    return {
        "initializer_is_output": (mk([helper.make_node("Add", ["x", "w"], ["y"])], ["y", "w"], [w]), []),
        "input_is_output": (mk([relu], ["y", "x"]), []),
        "same_output_twice": (mk([relu], ["y", "y"]), []),
        "blocked_node_feeds_output": (mk([relu], ["y"]), ["--block-nodes", "relu"]),
        "constant_is_output": (mk([relu, helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(
            np.array([1.0, 2.0], np.float32)))], ["y", "c"]), []),
        # The Loop stays float32; its body reads w, which the Mul after it reads as float16.
        "loop_reads_outer_value": (mk([relu, helper.make_node("Loop", ["n", "", "y"], ["l"], body=body),
                                       helper.make_node("Mul", ["l", "w"], ["z"])], ["z"], [w, n]), []),
    }


@pytest.mark.parametrize("keep_io", [False, True])
@pytest.mark.parametrize("case", sorted(edge_graphs()))
def test_graph_io_edge_cases(tmp_path, case, keep_io):
    """Graph inputs and outputs keep their names and take one type each, whatever feeds them."""
    g, args = edge_graphs()[case]
    src = tmp_path / "e.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(src))
    out = tmp_path / "e.fp16.onnx"
    r = piu("fp16", src, "-o", out, *args, *(["--keep-io-types"] if keep_io else []))
    assert r.code == 0, r.err
    m = onnx.load(str(out))
    onnx.checker.check_model(m, full_check=True)
    assert [x.name for x in m.graph.input] == [x.name for x in g.input]
    assert [x.name for x in m.graph.output] == [x.name for x in g.output]
    ins, outs = io_types(out)
    assert set(ins + outs) == {F32 if keep_io else F16}
    x = np.array([-1.5, 2.25], np.float32)
    assert_close(run(out, {"x": x}), run(src, {"x": x}))


def test_values_beyond_float16_are_clamped(tmp_path):
    big = numpy_helper.from_array(np.array([1e6, -1e6, 1e-10, 1.0, np.inf], np.float32), "big")
    g = helper.make_graph([helper.make_node("Mul", ["x", "big"], ["y"])], "clamp",
                          [helper.make_tensor_value_info("x", F32, [5])],
                          [helper.make_tensor_value_info("y", F32, [5])], [big])
    src = tmp_path / "clamp.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(src))
    out = tmp_path / "clamp.fp16.onnx"
    r = piu("fp16", src, "-o", out, "--no-verify")
    assert r.code == 0, r.err
    assert "verified" not in r.out
    values = numpy_helper.to_array(init(onnx.load(str(out)), "big"))
    assert values.dtype == np.float16
    assert values.tolist() == [65504.0, -65504.0, 0.0, 1.0, np.inf]


def test_verification_failure_writes_nothing(tmp_path):
    src = model("shapes.onnx")
    out = tmp_path / "tight.onnx"
    r = piu("fp16", src, "-o", out, "--rtol", "1e-9", "--atol", "0")
    assert r.code == 1, (r.code, r.err)
    assert "verification failed" in r.err
    assert list(tmp_path.iterdir()) == []


# ---- bad input -----------------------------------------------------------------------------------

def test_bad_inputs(tmp_path):
    out = tmp_path / "out.onnx"
    text = tmp_path / "notes.onnx"
    text.write_text("this is not an onnx model\n")
    one_line_error(piu("fp16", text, "-o", out), str(text))
    one_line_error(piu("fp16", tmp_path / "missing.onnx", "-o", out), "missing.onnx")
    src = model("shapes.onnx")
    one_line_error(piu("fp16", src, "-o", src), "input")
    one_line_error(piu("fp16", src), "-o")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.onnx"]


def test_help_lists_options():
    r = piu("fp16", "--help")
    assert r.code == 0
    for opt in ("--keep-io-types", "--block-ops", "--block-nodes", "--no-verify", "--rtol"):
        assert opt in r.out

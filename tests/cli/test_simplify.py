"""piu simplify end to end: dynamic dims survive, static parts fold, verification across batches."""
import json

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from conftest import model, piu
from test_cli import one_line_error


def ops(path):
    return sorted(n.op_type for n in onnx.load(str(path)).graph.node)


def test_reshape_from_shape_keeps_dynamic_batch(tmp_path):
    """The known onnx-simplifier failure: the Reshape target read from Shape(x)[0] must stay dynamic."""
    src = model("cases/reshape_dynamic.onnx")
    out = tmp_path / "s.onnx"
    r = piu("simplify", src, "-o", out, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert {c["batch"] for c in j["verification"]} == {1, 3, 8}
    assert ops(out) == ["MatMul", "Reshape"], "the static dims fold; Reshape copies the batch (0)"
    m = onnx.load(str(out))
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    reshape = next(n for n in m.graph.node if n.op_type == "Reshape")
    target = next(t for t in m.graph.initializer if t.name == reshape.input[1])
    assert list(numpy_helper.to_array(target)) == [0, 48], "the batch is never baked in"
    a, b = ort.InferenceSession(src), ort.InferenceSession(str(out))
    for batch in (1, 3, 8, 5):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 4, 4)).astype(np.float32)
        np.testing.assert_allclose(b.run(None, {"x": x})[0], a.run(None, {"x": x})[0], rtol=1e-5, atol=1e-5)
    # An empty batch: the original's [Shape(x)[0], -1] cannot reshape it; the simplified [0, 48] can.
    assert b.run(None, {"x": np.zeros((0, 3, 4, 4), np.float32)})[0].shape[0] == 0


def test_input_shape_makes_a_static_model(tmp_path):
    src = model("cases/reshape_dynamic.onnx")
    out = tmp_path / "static.onnx"
    r = piu("simplify", src, "-o", out, "--input-shape", "x:2x3x4x4")
    assert r.code == 0, r.err
    assert ops(out) == ["MatMul", "Reshape"], "with a static batch the whole shape computation folds"
    m = onnx.load(str(out))
    target = next(t for t in m.graph.initializer if t.name == m.graph.node[0].input[1])
    assert list(numpy_helper.to_array(target)) in ([2, 48], [2, -1])
    dims = [d.dim_value for d in onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [2, 3, 4, 4]
    one_line_error(piu("simplify", src, "-o", tmp_path / "x.onnx", "--input-shape", "nosuch:1x3x4x4"), "nosuch")
    one_line_error(piu("simplify", src, "-o", tmp_path / "x.onnx", "--input-shape", "x:1x3"), "rank")


def test_large_folds_stay_computed(tmp_path):
    """A Tile of a small constant into 4 MiB is not folded under --max-fold-bytes 1 MiB."""
    small = numpy_helper.from_array(np.ones((1, 256), np.float32), "small")
    reps = numpy_helper.from_array(np.array([4096, 1], np.int64), "reps")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 256])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4096])
    nodes = [helper.make_node("Tile", ["small", "reps"], ["big"]),
             helper.make_node("MatMul", ["x", "big_t"], ["y"]),
             helper.make_node("Transpose", ["big"], ["big_t"], perm=[1, 0])]
    g = helper.make_graph([nodes[0], nodes[2], nodes[1]], "tile", [x], [y], [small, reps])
    src = tmp_path / "tile.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), src)
    out = tmp_path / "s.onnx"
    r = piu("simplify", src, "-o", out, "--max-fold-bytes", str(1 << 20), "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert "Tile" in ops(out)
    assert any("--max-fold-bytes" in s["reason"] for s in j["skipped_folds"])
    assert out.stat().st_size < 1 << 20, "the model did not grow by the folded value"
    r = piu("simplify", src, "-o", tmp_path / "folded.onnx", "--json")
    assert r.code == 0 and "Tile" not in ops(tmp_path / "folded.onnx"), "under the default limit it folds"


def test_simplify_zoo_like_model(tmp_path):
    src = model("mobilenet_v3_small.onnx")
    out = tmp_path / "s.onnx"
    r = piu("simplify", src, "-o", out, "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["nodes_after"] <= j["nodes_before"]
    assert all(c["max_abs"] <= 1e-4 * max(c["scale"], 1e-12) + 1e-6 for c in j["verification"])

"""piu export of torch.jit.script'ed modules as real projects write them (tests/gen_scripted_cases.py):
methods calling methods of self, attributes and buffers, control flow decided at run time as ONNX
If/Loop (verified against LibTorch, both branches), and unsupported constructs as one exit-2 line
naming the construct and its Python source line."""
import json

import numpy as np
import onnx
import pytest

from conftest import model, piu
from test_cli import one_line_error

pytestmark = pytest.mark.torch

GEN = "/tests/gen_scripted_cases.py:"  # the Python source line, not TorchScript's code/__torch__.py


def ops(path):
    """Op types of the graph and of every subgraph, recursively."""
    def walk(g):
        for n in g.node:
            yield n.op_type
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    yield from walk(a.g)
    return list(walk(onnx.load(str(path)).graph))


def export(tmp_path, name, *args, opset=17):
    out = tmp_path / f"{name}_{opset}.onnx"
    r = piu("export", model(f"scripted/{name}.pt"), "-o", out, "--opset", opset, "--json", *args)
    assert r.code == 0, (opset, r.err)
    j = json.loads(r.out)
    assert j["verified"] and {c["batch"] for c in j["verification"]} == {1, 4}
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)
    return out


def compare(a, b, tmp_path, **inputs):
    args = []
    for name, value in inputs.items():
        path = tmp_path / f"{name}.npy"
        np.save(path, value)
        args += ["--input", f"{name}={path}"]
    r = piu("compare", a, b, *args)
    assert r.code == 0, r.out + r.err


@pytest.mark.parametrize("opset", [11, 13, 17, 21])
def test_vad_like_module_exports_with_onnx_if_and_loop(tmp_path, opset):
    out = export(tmp_path, "vad", "--shape", "x:-1x-1", "--verify-shape", "x:-1x64", opset=opset)
    m = onnx.load(str(out))
    sr = m.graph.input[1].type.tensor_type
    assert sr.elem_type == onnx.TensorProto.INT64 and len(sr.shape.dim) == 0, "`sr: int` is a 0-d int64 input"
    kinds = ops(out)
    assert kinds.count("If") == 1, "the branch on the sample rate"
    assert kinds.count("Loop") == 2, "the loop over frames and the while loop on data"
    assert "Conv" in kinds, "the encoders' methods were inlined into the branches"


def test_vad_like_module_matches_libtorch_on_both_sample_rates(tmp_path):
    out = export(tmp_path, "vad", "--shape", "x:-1x-1", "--verify-shape", "x:-1x64")
    rng = np.random.default_rng(0)
    for sr in (8000, 16000):
        for samples in (37, 160):  # frames: a run-time trip count
            compare(model("scripted/vad.pt"), out, tmp_path, x=rng.standard_normal((3, samples)).astype(np.float32),
                    sr=np.array(sr, dtype=np.int64))


def test_if_on_tensor_data_is_an_onnx_if(tmp_path):
    out = export(tmp_path, "tensor_if", "--shape", "-1x3")
    assert ops(out).count("If") == 2
    rng = np.random.default_rng(1)
    for sign in (1, -1):  # x.sum() > 0 and not
        x = (np.abs(rng.standard_normal((4, 3))) * sign).astype(np.float32)
        compare(model("scripted/tensor_if.pt"), out, tmp_path, x=x)


def test_long_constant_loop_is_an_onnx_loop(tmp_path):
    out = export(tmp_path, "big_loop", "--shape", "-1x4")
    assert "Loop" in ops(out)


def test_loops_counting_to_an_int_input_and_growing_carried_values(tmp_path):
    out = export(tmp_path, "counted", "--shape", "x:-1x-1x4", "--verify-shape", "x:-1x5x4", opset=11)
    assert ops(out).count("Loop") == 2 and ops(out).count("If") == 2, "the `if` in the while loop and `n in allowed`"
    count = onnx.load(str(out)).graph.output[1].type.tensor_type
    assert count.elem_type == onnx.TensorProto.INT64 and len(count.shape.dim) == 0
    rng = np.random.default_rng(2)
    for n in (0, 2, 5):
        for sign in (1, -1):
            x = (np.abs(rng.standard_normal((2, 3 + n, 4))) * sign).astype(np.float32)
            compare(model("scripted/counted.pt"), out, tmp_path, x=x, n=np.array(n, dtype=np.int64))


def test_sample_rate_normalization_with_a_run_time_slice_step(tmp_path):
    # Random verification inputs hold sr = 0 or 1, for which this module slices with step 0: export
    # unverified, then compare at the rates it accepts.
    out = tmp_path / "rates.onnx"
    r = piu("export", model("scripted/rates.pt"), "-o", out, "--shape", "x:-1x-1", "--no-verify")
    assert r.code == 0, r.err
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 96)).astype(np.float32)
    for sr in (8000, 16000, 32000, 48000):
        compare(model("scripted/rates.pt"), out, tmp_path, x=x, sr=np.array(sr, dtype=np.int64))
    # The module's own failure on an input it refuses is the user's input, exit 2 with its error.
    np.save(tmp_path / "zero.npy", np.array(0, dtype=np.int64))
    np.save(tmp_path / "x.npy", x)
    one_line_error(piu("run", model("scripted/rates.pt"), "--input", f"x={tmp_path / 'x.npy'}",
                       "--input", f"sr={tmp_path / 'zero.npy'}"), "the module failed on these inputs",
                   "slice step must be positive")


def test_a_list_appended_to_in_a_static_loop_is_unrolled(tmp_path):
    out = export(tmp_path, "list_append", "--shape", "-1x5x3")
    assert "Loop" not in ops(out)


@pytest.mark.parametrize("name,shape,needles", [
    ("list_append", ["--shape", "-1x-1x3"], ["aten::append (at ", "carry a tensor"]),
    ("state_write", ["--shape", "-1x4"], ["prim::GetAttr (at ", "self.state", "forward() writes"]),
    ("dict_write", ["--shape", "-1x4"], ["prim::DictConstruct (at "]),
    ("string_op", ["--shape", "x:-1x4"], ["aten::str (at ", "run time"]),
    ("runtime_raise", ["--shape", "-1x4"], ["prim::RaiseException (at ", "`raise`", "run time"]),
])
def test_unsupported_constructs_exit_2_with_their_source_line(tmp_path, name, shape, needles):
    out = tmp_path / f"{name}.onnx"
    one_line_error(piu("export", model(f"scripted/{name}.pt"), "-o", out, *shape), GEN, *needles)
    assert not out.exists()


def test_number_input_takes_no_shape(tmp_path):
    out = tmp_path / "v.onnx"
    r = piu("export", model("scripted/vad.pt"), "-o", out, "--shape", "x:-1x-1", "--shape", "sr:2x3", "--no-verify")
    one_line_error(r, "'sr' is a number")

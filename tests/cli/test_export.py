"""piu export: TorchScript to ONNX, one generated module per converter family, each verified
against LibTorch by the export itself (batch 1 and 4) at every opset from its lowest to 21."""
import json
import os
import subprocess

import onnx
import pytest

from conftest import BIN, MODELS, model, piu
from test_cli import one_line_error

pytestmark = pytest.mark.torch


def families():
    path = os.path.join(MODELS, "torch", "shapes.txt")
    if not os.path.exists(path):
        return []
    return [line.split() for line in open(path) if line.strip()]


@pytest.mark.parametrize("family,spec,lowest", families() or [pytest.param("-", "-", "0", marks=pytest.mark.skip(
    reason="missing build/models/torch: run scripts/models.sh"))])
def test_family_exports_and_matches_libtorch(tmp_path, family, spec, lowest):
    for opset in sorted({int(lowest), 13, 17, 21}):
        if opset < int(lowest):
            continue
        out = tmp_path / f"{family}_{opset}.onnx"
        r = piu("export", model(f"torch/{family}.pt"), "-o", out, "--shape", spec, "--opset", opset, "--json")
        assert r.code == 0, (opset, r.err)
        j = json.loads(r.out)
        assert j["verified"] and {c["batch"] for c in j["verification"]} == {1, 4}
        m = onnx.load(str(out))
        onnx.checker.check_model(m, full_check=True)
        assert m.opset_import[0].version == opset
        assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch", "the -1 dim stays dynamic"


def test_resnet18_export_names_and_options(tmp_path):
    out = tmp_path / "r.onnx"
    r = piu("export", model("resnet18.pt"), "-o", out, "--shape", "images:-1x3x224x224", "--input-names", "images",
            "--output-names", "logits", "--opset", "17", "--keep-initializers-as-inputs", "--json")
    assert r.code == 0, r.err
    m = onnx.load(str(out))
    assert m.graph.input[0].name == "images" and m.graph.output[0].name == "logits"
    assert len(m.graph.input) > 1, "weights listed as inputs"
    # The same module exported by torch.onnx (tests/gen_models.py) agrees with ours on ONNX Runtime.
    r = piu("compare", model("resnet18.onnx"), out, "--batch", "3")
    assert r.code == 0, r.out + r.err


def test_several_inputs_and_outputs(tmp_path):
    out = tmp_path / "two.onnx"
    r = piu("export", model("torch/two_inputs.pt"), "-o", out, "--shape", "-1x3", "--shape", "-1x3")
    assert r.code == 0, r.err
    m = onnx.load(str(out))
    assert [i.name for i in m.graph.input] == ["a", "b"], "forward()'s argument names"
    assert [o.name for o in m.graph.output] == ["output_0", "output_1"]


def test_named_dims_are_shared_by_inputs(tmp_path):
    # ids and mask share their sequence dim: named in --shape, it is one ONNX dim_param, and the
    # verification shape given for ids sizes the mask's alike (else LibTorch sees 5 against 64).
    out = tmp_path / "bert.onnx"
    r = piu("export", model("torch/bert_like.pt"), "-o", out, "--shape", "input_ids:[batch, seq]:int64",
            "--shape", "attention_mask:batch,seq:int64", "--verify-shape", "input_ids:2x5", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["verified"]
    m = onnx.load(str(out))
    dims = [[d.dim_param for d in i.type.tensor_type.shape.dim] for i in m.graph.input]
    assert dims == [["batch", "seq"], ["batch", "seq"]], dims
    # Unnamed, each input's dynamic dim is its own.
    r = piu("export", model("torch/bert_like.pt"), "-o", out, "--shape", "input_ids:-1x-1:int64",
            "--shape", "attention_mask:-1x-1:int64")
    assert r.code == 0, r.err
    dims = [[d.dim_param for d in i.type.tensor_type.shape.dim] for i in onnx.load(str(out)).graph.input]
    assert dims == [["batch", "input_ids_dim1"], ["batch", "attention_mask_dim1"]], dims
    r = piu("run", out, "--shape", "input_ids:3x6", "--shape", "attention_mask:3x6")
    assert r.code == 0, r.err


def test_unsupported_ops_are_all_listed_with_locations(tmp_path):
    out = tmp_path / "u.onnx"
    r = piu("export", model("torch/unsupported.pt"), "-o", out, "--shape", "-1x16")
    one_line_error(r, "aten::linalg_svdvals (2 uses, first at", "aten::_standard_gamma", "no converter")
    assert not out.exists()


def test_in_place_writes_that_cannot_be_proven_safe_are_refused(tmp_path):
    # copy_ into slices is exported out of place only when that is what PyTorch computes (op cases
    # copy_slice*); otherwise every such write is named with its line and reason, nothing written.
    out = tmp_path / "w.onnx"
    r = piu("export", model("torch/unsafe_writes.pt"), "-o", out, "--shape", "-1x4")
    one_line_error(r, "aten::copy_ (at", "is still read afterwards", "strided slice (step 2)")
    assert not out.exists()


def test_export_bad_input(tmp_path):
    out = tmp_path / "x.onnx"
    one_line_error(piu("export", model("torch/state_dict.pt"), "-o", out, "--shape", "1x3x16x16"), "state_dict")
    bad = tmp_path / "bad.pt"
    bad.write_text("not a zip")
    one_line_error(piu("export", bad, "-o", out, "--shape", "1x3"), "not a TorchScript file")
    one_line_error(piu("export", model("torch/two_inputs.pt"), "-o", out, "--shape", "-1x3"), "give the shape of input")
    one_line_error(piu("export", model("torch/arith.pt"), "-o", out, "--shape", "-1x3x4", "--shape", "1x2"),
                   "takes 1 input(s)")
    one_line_error(piu("export", model("torch/arith.pt"), "-o", out, "--shape", "-1x3x4", "--opset", "9"), "opset")
    assert not out.exists()


def test_dict_outputs_are_named_by_their_keys(tmp_path):
    out = tmp_path / "d.onnx"
    r = piu("export", model("torch/dict_out.pt"), "-o", out, "--shape", "-1x3", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["verified"]
    m = onnx.load(str(out))
    assert [o.name for o in m.graph.output] == ["logits", "features"]


def test_scripted_control_flow_on_data_is_an_onnx_if(tmp_path):
    out = tmp_path / "c.onnx"
    r = piu("export", model("torch/control_flow.pt"), "-o", out, "--shape", "-1x3", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["verified"]
    assert [n.op_type for n in onnx.load(str(out)).graph.node].count("If") == 1


def test_list_converters():
    r = piu("export", "--list-converters")
    assert r.code == 0, r.err
    kinds = r.out.split()
    assert kinds == sorted(kinds) and len(kinds) == len(set(kinds))
    assert {"aten::relu", "aten::_convolution", "prim::ListConstruct"} <= set(kinds)
    r = piu("export", "--list-converters", "--json")
    assert r.code == 0 and json.loads(r.out) == kinds


def test_onnx_coverage_tool_joins_torch_onnx_converters_and_cases(tmp_path):
    """tests/zoo/onnx_coverage.py: every op an op case lists is in that case's graph, and every op
    with a converter and a case is reported as tested."""
    model("ops/cases.json")
    out = tmp_path / "coverage.json"
    tool = os.path.join(os.path.dirname(__file__), "..", "zoo", "onnx_coverage.py")
    r = subprocess.run(["/usr/bin/python3", "-W", "ignore", tool, "--piu", os.path.join(BIN, "piu"), "--models", MODELS,
                        "--json", str(out), "--markdown", str(tmp_path / "coverage.md")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "has no such node" not in r.stderr, r.stderr
    rows = {row["op"]: row for row in json.load(open(out))}
    assert len(rows) > 300
    assert rows["aten::grid_sampler"]["converter"] == ["aten::grid_sampler"]
    assert "case grid_sampler" in rows["aten::grid_sampler"]["tests"]
    assert rows["aten::__and_"]["converter"] == ["aten::__and__"]
    assert rows["aten::_standard_gamma"]["reason"].startswith("random Gamma")

"""TorchScript files through the CLI (the torch plugin): run, bench, compare, and clear errors."""
import json
import os

import pytest

from conftest import BIN, model, piu
from test_cli import one_line_error

pytestmark = pytest.mark.torch


def test_run_and_compare_torchscript_with_its_onnx_export():
    pt = model("shapes.pt")
    r = piu("run", pt, "--shape", "x:2x3x64x64", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["backend"] == "torch" and j["outputs"][0]["shape"] == [2, 3]
    # The same module exported by torch.onnx: LibTorch and ONNX Runtime agree.
    r = piu("compare", pt, model("shapes.onnx"), "--shape", "-1x3x64x64", "--batch", "3")
    assert r.code == 0, r.out + r.err


def test_bench_torchscript():
    r = piu("bench", model("shapes.pt"), "--shape", "-1x3x64x64", "--batch", "1,4", "--iterations", "5", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["backend"] == "torch" and [x["batch"] for x in j["results"]] == [1, 4]


def test_torchscript_bad_input(tmp_path):
    one_line_error(piu("run", model("resnet18.state_dict.pt")), "state_dict", "TorchScript")
    one_line_error(piu("run", model("shapes.pt")), "--shape")
    bad = tmp_path / "model.pt"
    bad.write_text("hello")
    one_line_error(piu("run", bad, "--shape", "1x3x64x64"), "not a TorchScript file")

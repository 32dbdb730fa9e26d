"""The jobs: keyword arguments in, the command's JSON report out as a dict, files written."""
import json
import re

import numpy as np
import pytest

import piu
from conftest import model, piu_cli


def test_version_and_versions():
    assert piu.__version__ == piu.versions()["piu"]
    proc = piu_cli("--version")
    assert piu.__version__ in proc.stdout
    assert re.search(r"ONNX Runtime\s+\S+ \(runtime library; .*providers: .*CPU", proc.stdout), proc.stdout
    assert piu.versions()["ONNX Runtime"]


def test_inspect_matches_the_cli():
    report = piu.inspect(model("shapes.onnx"))
    assert report == json.loads(piu_cli("inspect", model("shapes.onnx"), "--json").stdout)
    assert report["inputs"][0]["name"] == "input"


def test_optimize_writes_a_verified_model(tmp_path):
    out = tmp_path / "resnet18.opt.onnx"
    report = piu.optimize(model("resnet18.onnx"), str(out), fixed_point=True)
    assert out.exists()
    assert isinstance(report, dict) and report["verified"] is True
    x = np.load(model("resnet18.input.npy"))
    np.testing.assert_allclose(piu.Session(str(out)).run([x])[0], np.load(model("resnet18.output.npy")),
                               rtol=1e-4, atol=1e-4)


def test_optimize_with_listed_passes_and_no_verification(tmp_path):
    out = tmp_path / "out.onnx"
    report = piu.optimize(model("cases/conv_bn.onnx"), str(out), passes=["fuse_bn_into_conv"], verify=False)
    assert out.exists()
    assert report["verified"] is False
    assert [p["name"] for p in report["passes"]] == ["fuse_bn_into_conv"]


def test_simplify_with_input_shapes(tmp_path):
    out = tmp_path / "shapes.sim.onnx"
    report = piu.simplify(model("shapes.onnx"), str(out), input_shapes="input:1x3x64x64", batches=[1])
    assert out.exists() and report["verified"] is True
    assert piu.Session(str(out)).inputs[0]["shape"] == [1, 3, 64, 64]
    as_dict = tmp_path / "shapes.sim2.onnx"
    piu.simplify(model("shapes.onnx"), str(as_dict), input_shapes={"input": [1, 3, 64, 64]}, batches=[1])
    assert piu.Session(str(as_dict)).inputs[0]["shape"] == [1, 3, 64, 64]


def test_round_weights_and_fp16(tmp_path):
    rounded = tmp_path / "rounded.onnx"
    assert piu.round_weights(model("shapes.onnx"), str(rounded), digits=8)["verified"] is True
    half = tmp_path / "half.onnx"
    report = piu.fp16(model("shapes.onnx"), str(half), keep_io_types=True)
    assert half.exists() and report["verified"] is True
    assert piu.Session(str(half)).inputs[0]["dtype"] == "float32"
    all_half = tmp_path / "all_half.onnx"
    piu.fp16(model("shapes.onnx"), str(all_half))
    session = piu.Session(str(all_half))
    assert session.inputs[0]["dtype"] == "float16"
    (out,) = session.run([np.zeros((1, 3, 64, 64), dtype=np.float16)])
    assert out.dtype == np.float16 and out.shape == (1, 3)


def test_verification_failure_raises_and_writes_nothing(tmp_path):
    out = tmp_path / "half.onnx"
    with pytest.raises(piu.VerificationError) as info:
        piu.fp16(model("resnet18.onnx"), str(out), op_block_list=[], rel_tol=1e-9)
    assert info.value.code == "verification failed"
    assert not out.exists()


def test_compare_and_bench():
    report = piu.compare(model("shapes.onnx"), model("shapes.onnx"), batch=2)
    assert report["pass"] is True
    bench = piu.bench(model("cases/add.onnx"), batches=[1, 4], warmup=1, iterations=5)
    assert [r["batch"] for r in bench["results"]] == [1, 4]
    assert all(r["iterations"] == 5 for r in bench["results"])


def test_compare_and_bench_take_int_ranges():
    ids = model("cases/token_ids.onnx")
    shapes = ["ids:1x8", "mask:1x8"]
    assert piu.compare(ids, ids, shapes=shapes, int_ranges={"ids": (0, 3)})["pass"] is True
    assert piu.bench(ids, shapes=shapes, int_ranges=["ids:0:3"], warmup=0, iterations=2)["results"]
    with pytest.raises(piu.BadInputError, match="no input named 'zz'"):
        piu.compare(ids, ids, shapes=shapes, int_ranges={"zz": (0, 3)})


def test_compare_reads_input_files():
    report = piu.compare(model("resnet18.onnx"), model("resnet18.onnx"),
                         inputs=[f"input={model('resnet18.input.npy')}"])
    assert report["pass"] is True


@pytest.mark.torch
def test_export_shapes_pt_matches_the_torchscript(tmp_path):
    out = tmp_path / "shapes.onnx"
    report = piu.export(model("shapes.pt"), str(out), shapes=["x:-1x3x64x64"], opset=17)
    assert out.exists() and report["verified"] is True and report["opset"] == 17
    x = np.random.default_rng(1).standard_normal((3, 3, 64, 64)).astype(np.float32)
    (from_onnx,) = piu.Session(str(out)).run([x])
    (from_torch,) = piu.Session(model("shapes.pt")).run([x])
    np.testing.assert_allclose(from_onnx, from_torch, rtol=1e-4, atol=1e-5)


@pytest.mark.torch
def test_export_takes_shapes_as_lists(tmp_path):
    out = tmp_path / "shapes.onnx"
    piu.export(model("shapes.pt"), str(out), shapes=[None, 3, 64, 64], input_names=["image"])
    assert piu.Session(str(out)).inputs[0]["name"] == "image"
    assert piu.Session(str(out)).inputs[0]["shape"] == [-1, 3, 64, 64]


def test_verification_on_given_arrays_and_integer_ranges(tmp_path):
    # An If on the value of the int64 input `sr`: random rates fail, the user's rate verifies.
    rate_model = model("cases/branch_on_rate.onnx")
    with pytest.raises(piu.Error, match="--input"):
        piu.optimize(rate_model, str(tmp_path / "random.onnx"))
    report = piu.optimize(rate_model, str(tmp_path / "given.onnx"), inputs={"sr": np.array([16000], np.int64)})
    assert report["verified"] and [c["batch"] for c in report["verification"]] == [1]
    report = piu.simplify(rate_model, str(tmp_path / "ranged.onnx"), int_ranges={"sr": (16000, 16001)})
    assert report["verified"] and {c["batch"] for c in report["verification"]} == {1, 3, 8}
    np.savez(tmp_path / "all.npz", x=np.zeros((2, 10, 8), np.float32), sr=np.array([16000], np.int64),
             state=np.zeros((2, 2, 16), np.float32))
    report = piu.round_weights(rate_model, str(tmp_path / "rw.onnx"), inputs=str(tmp_path / "all.npz"))
    assert [c["batch"] for c in report["verification"]] == [2]
    with pytest.raises(piu.BadInputError, match="int32"):
        piu.fp16(rate_model, str(tmp_path / "bad.onnx"), inputs={"sr": np.array([16000], np.int32)})
    assert not (tmp_path / "bad.onnx").exists()

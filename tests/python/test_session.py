"""piu.Session: descriptions, runs with list and dict inputs, zero-copy outputs, threads."""
import threading
import time

import numpy as np
import pytest

import piu
from conftest import model, piu_cli, ticking


def test_describes_inputs_and_outputs():
    session = piu.Session(model("resnet18.onnx"))
    assert session.backend == "ort"
    assert session.path == model("resnet18.onnx")
    assert session.inputs == [{"name": "input", "dtype": "float32", "shape": [-1, 3, 224, 224],
                               "dim_names": ["batch", "", "", ""], "rank_known": True}]
    assert [(o["name"], o["dtype"], o["shape"]) for o in session.outputs] == [("output", "float32", [-1, 1000])]
    assert np.dtype(session.inputs[0]["dtype"]) == np.float32


def test_resnet18_matches_the_stored_reference(resnet_io):
    x, reference = resnet_io
    (out,) = piu.Session(model("resnet18.onnx")).run([x])
    assert out.shape == reference.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, reference, rtol=1e-4, atol=1e-4)


def test_resnet18_matches_piu_run(tmp_path, resnet_io):
    x, _ = resnet_io
    proc = piu_cli("run", model("resnet18.onnx"), "--input", f"input={model('resnet18.input.npy')}", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    (out,) = piu.Session(model("resnet18.onnx"), threads=2).run([x])
    np.testing.assert_array_equal(out, np.load(tmp_path / "output.npy"))


def test_dict_and_list_inputs_agree():
    session = piu.Session(model("cases/multi_io.onnx"))
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    ids = np.array([4, 7], dtype=np.int64)
    by_position = session.run([a, ids])
    by_name = session.run({"ids": ids, "a": a}, as_dict=True)
    assert list(by_name) == ["scaled", "shifted"]
    for positional, named in zip(by_position, by_name.values()):
        np.testing.assert_array_equal(positional, named)
    assert by_position[1].dtype == np.int64


def test_outputs_are_views_of_piu_buffers(resnet_io):
    x, _ = resnet_io
    (out,) = piu.Session(model("resnet18.onnx")).run([x])
    assert out.flags.owndata is False
    assert type(out.base).__name__ == "PyCapsule"
    del x
    assert np.isfinite(out).all()  # the buffer outlives the session and the input


def test_non_contiguous_input_is_copied_once_and_gives_the_same_result(resnet_io):
    x, reference = resnet_io
    transposed = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    assert not transposed.flags.c_contiguous
    (out,) = piu.Session(model("resnet18.onnx")).run([transposed])
    np.testing.assert_allclose(out, reference, rtol=1e-4, atol=1e-4)


def test_four_threads_get_identical_outputs(resnet_io):
    x, _ = resnet_io
    session = piu.Session(model("resnet18.onnx"))
    (expected,) = session.run([x])
    results, errors = [], []

    def worker():
        try:
            for _ in range(3):
                results.append(session.run([x])[0])
        except Exception as e:  # reported below: an exception in a thread would otherwise be lost
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 12
    for out in results:
        np.testing.assert_array_equal(out, expected)


@pytest.mark.torch
def test_torchscript_session_matches_onnx():
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    torch_session = piu.Session(model("shapes.pt"))
    assert torch_session.backend == "torch"
    assert torch_session.inputs[0]["rank_known"] is False
    (from_torch,) = torch_session.run([x])
    (from_onnx,) = piu.Session(model("shapes.onnx")).run([x])
    np.testing.assert_allclose(from_torch, from_onnx, rtol=1e-4, atol=1e-4)


def test_tuple_and_single_array_are_accepted():
    session = piu.Session(model("cases/add.onnx"))
    x = np.ones((2, 4), dtype=np.float32)
    (expected,) = session.run([x])
    np.testing.assert_array_equal(session.run((x,))[0], expected)
    np.testing.assert_array_equal(session.run(x)[0], expected)


def test_the_gil_is_released_while_cpp_runs():
    # A Python thread can only take timestamps inside the window of a call that released the GIL.
    with ticking() as stamps:
        start = time.monotonic()
        piu.bench(model("cases/add.onnx"), warmup=0, duration_s=0.6)
        end = time.monotonic()
    assert any(start + 0.2 < t < end - 0.2 for t in stamps)

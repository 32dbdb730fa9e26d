"""piu.Error and its subclasses: one class per error code, `.code`, one-line messages."""
import numpy as np
import pytest

import piu
from conftest import model

SUBCLASSES = [piu.BadInputError, piu.UnsupportedError, piu.IoError, piu.BackendError, piu.VerificationError,
              piu.InternalError]


def test_hierarchy():
    assert issubclass(piu.Error, RuntimeError)
    for cls in SUBCLASSES:
        assert issubclass(cls, piu.Error)
        assert cls.__module__ == "piu"


def test_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(piu.IoError) as info:
        piu.Session(str(tmp_path / "missing.onnx"))
    assert info.value.code == "i/o error"
    assert "missing.onnx" in str(info.value) and "\n" not in str(info.value)


def test_wrong_dtype_is_bad_input():
    session = piu.Session(model("cases/add.onnx"))
    with pytest.raises(piu.BadInputError) as info:
        session.run([np.zeros((2, 4), dtype=np.float64)])
    assert info.value.code == "bad input"
    assert str(info.value) == "input 'x' expects dtype float32, given float64"


def test_wrong_shape_and_count_are_bad_input():
    session = piu.Session(model("cases/add.onnx"))
    with pytest.raises(piu.BadInputError, match="'x'") as info:
        session.run([np.zeros((2, 5), dtype=np.float32)])
    assert "\n" not in str(info.value)
    with pytest.raises(piu.BadInputError):
        session.run([])
    with pytest.raises(piu.BadInputError, match="nope"):
        session.run({"nope": np.zeros((2, 4), dtype=np.float32)})


def test_dtype_numpy_cannot_hand_over_is_bad_input_naming_the_input():
    session = piu.Session(model("cases/add.onnx"))
    with pytest.raises(piu.BadInputError, match="input x"):
        session.run([np.zeros((2, 4), dtype=np.complex64)])


def test_unknown_backend_is_bad_input():
    with pytest.raises(piu.BadInputError, match="ort"):
        piu.Session(model("cases/add.onnx"), backend="nonesuch")


def test_thread_counts_past_four_times_the_cores_are_bad_input():
    # The cap lives in Session::open, so Python (and every job that opens a session) gets it too.
    with pytest.raises(piu.BadInputError, match="more than 4 x the"):
        piu.Session(model("shapes.onnx"), threads=1_000_000)
    with pytest.raises(piu.BadInputError, match="^threads: -2 is below 0$"):
        piu.Session(model("shapes.onnx"), threads=-2)


def test_unknown_pass_is_bad_input(tmp_path):
    with pytest.raises(piu.BadInputError, match="no_such_pass"):
        piu.optimize(model("cases/add.onnx"), str(tmp_path / "out.onnx"), passes=["no_such_pass"])
    assert not (tmp_path / "out.onnx").exists()


def test_inputs_that_are_not_arrays_are_bad_input():
    session = piu.Session(model("cases/add.onnx"))
    with pytest.raises(piu.BadInputError, match="list of arrays or a dict"):
        session.run(5)
    with pytest.raises(piu.BadInputError, match="expects dtype float32, given float64"):
        session.run([[[1.0, 2.0, 3.0, 4.0]]])  # numpy makes float64 of Python floats
    with pytest.raises(piu.BadInputError, match="input x"):
        session.run([[[1.0, 2.0], [3.0]]])  # ragged: numpy cannot make an array of it


def test_devices():
    with pytest.raises(piu.BadInputError, match="device 'tpu': expected cpu, cuda or cuda:N"):
        piu.Session(model("shapes.onnx"), device="tpu")
    with pytest.raises(piu.BadInputError, match="provider options apply to a GPU device"):
        piu.Session(model("shapes.onnx"), provider_options={"enable_cuda_graph": "1"})
    try:
        session = piu.Session(model("shapes.onnx"), device="cuda")
    except piu.UnsupportedError as e:  # this ONNX Runtime has no CUDA provider (or no GPU to use)
        assert "device cuda:0: ONNX Runtime" in str(e) and "\n" not in str(e)
    else:
        x = np.ones((1, 3, 64, 64), np.float32)
        np.testing.assert_allclose(session.run([x])[0], piu.Session(model("shapes.onnx")).run([x])[0], atol=1e-5)

"""calibrate and quantize from Python: calibration data as a folder, arrays, dicts or the seed's
calibration_set + load_item_func; the written int8 model's output SQNR against the float model."""
import time

import numpy as np
import pytest

import piu
from conftest import model, ticking

MIN_SQNR_DB = 15  # a broken quantization lands far below; shapes.onnx in int8 reaches well above


def items(count=8, seed=0):
    """`count` calibration items of shapes.onnx's input (3x64x64), float32."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 64, 64)).astype(np.float32) for _ in range(count)]


def check_written(report, out, count=8):
    assert out.exists()
    assert report["output"] == str(out)
    assert report["items"] == count
    assert report["quantized_nodes"] > 0
    assert report["sqnr_db"] > MIN_SQNR_DB


def test_quantize_on_a_folder_of_npy_items(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i, item in enumerate(items()):
        np.save(data / f"{i:02d}.npy", item)
    out = tmp_path / "int8.onnx"
    report = piu.quantize(model("shapes.onnx"), str(out), calibration=data, batch_size=4)
    check_written(report, out)
    assert report["target"] == "ort" and report["method"] == "entropy"
    (y,) = piu.Session(str(out)).run([np.stack(items(2))])
    assert y.shape == (2, 3)


def test_quantize_on_a_list_of_arrays_items_or_batches(tmp_path):
    out = tmp_path / "int8.onnx"
    check_written(piu.quantize(model("shapes.onnx"), str(out), calibration=items(), batch_size=4), out)
    batches = [np.stack(items(4, seed)) for seed in (1, 2)]
    out = tmp_path / "int8_batches.onnx"
    report = piu.quantize(model("shapes.onnx"), str(out), calibration=iter(batches), method="minmax",
                          target="tensorrt")
    check_written(report, out)
    assert report["target"] == "tensorrt" and report["method"] == "minmax"


def test_quantize_on_dicts_by_input_name(tmp_path):
    out = tmp_path / "int8.onnx"
    check_written(piu.quantize(model("shapes.onnx"), str(out), calibration=[{"input": x} for x in items()]), out)
    with pytest.raises(piu.BadInputError, match="'image' the model lacks"):
        piu.quantize(model("shapes.onnx"), str(tmp_path / "bad.onnx"), calibration=[{"image": x} for x in items()])
    assert not (tmp_path / "bad.onnx").exists()


def token_items(count=8, seed=0):
    """Items of token_mlp.onnx (two inputs): {"ids": int64 [12] below 50, "mask": float32 [12] of 0/1}."""
    rng = np.random.default_rng(seed)
    return [{"ids": rng.integers(0, 50, 12), "mask": (rng.random(12) < 0.8).astype(np.float32)}
            for _ in range(count)]


def test_a_model_of_two_inputs_calibrates_and_quantizes_from_dicts(tmp_path):
    onnx_path = model("cases/token_mlp.onnx")
    table = piu.calibrate(onnx_path, calibration=token_items(), cache=str(tmp_path / "token.cache"))
    assert table["items"] == 8 and "mask" in table["ranges"] and "ids" not in table["ranges"]  # ids are int64
    out = tmp_path / "int8.onnx"
    report = piu.quantize(onnx_path, str(out), calibration=token_items(), batch_size=3)
    check_written(report, out)
    batch = token_items(4, seed=1)
    (y,) = piu.Session(str(out)).run({"ids": np.stack([b["ids"] for b in batch]),
                                      "mask": np.stack([b["mask"] for b in batch])})
    assert y.shape == (4, 4)
    with pytest.raises(piu.BadInputError, match="items hold no array for input 'mask'"):
        piu.quantize(onnx_path, str(tmp_path / "bad.onnx"), calibration=[{"ids": b["ids"]} for b in token_items()])
    with pytest.raises(piu.BadInputError, match="2 inputs"):
        piu.quantize(onnx_path, str(tmp_path / "bad.onnx"), calibration=[b["ids"] for b in token_items()])
    assert not (tmp_path / "bad.onnx").exists()


def test_quantize_from_a_cache_measures_on_given_inputs_or_int_ranges(tmp_path):
    """Without calibration data the SQNR is measured on inputs=... (a dict of arrays) or on random
    inputs of int_ranges=... and shapes=..., as the CLI's --input/--int-range/--shape."""
    onnx_path = model("cases/token_mlp.onnx")
    cache = tmp_path / "token.cache"
    piu.calibrate(onnx_path, calibration=token_items(), cache=str(cache))
    batch = token_items(3, seed=2)
    given = {"ids": np.stack([b["ids"] for b in batch]), "mask": np.stack([b["mask"] for b in batch])}
    out = tmp_path / "int8.onnx"
    report = piu.quantize(onnx_path, str(out), from_cache=str(cache), inputs=given)
    assert out.exists() and report["sqnr_db"] > MIN_SQNR_DB
    out2 = tmp_path / "int8_ranges.onnx"
    report = piu.quantize(onnx_path, str(out2), from_cache=str(cache), int_ranges={"ids": (0, 50)},
                          shapes=["ids:2x12", "mask:2x12"])
    assert out2.exists() and report["sqnr_db"] > MIN_SQNR_DB
    with pytest.raises(piu.BadInputError, match="nope"):
        piu.quantize(onnx_path, str(tmp_path / "bad.onnx"), from_cache=str(cache), inputs={"nope": given["ids"]})
    assert not (tmp_path / "bad.onnx").exists()


def test_quantize_with_calibration_set_and_load_item_func(tmp_path):
    arrays = dict(zip(("a", "b", "c", "d", "e", "f", "g", "h"), items()))
    calls = {}

    def load_item(name):
        calls[name] = calls.get(name, 0) + 1
        return arrays[name]

    out = tmp_path / "int8.onnx"
    report = piu.quantize(model("shapes.onnx"), str(out), calibration=list(arrays), load_item_func=load_item,
                          batch_size=3)
    check_written(report, out)
    assert set(calls) == set(arrays)  # every item loaded (some twice: calibration, then the accuracy check)


def test_quantize_from_the_cache_calibrate_wrote(tmp_path):
    cache = tmp_path / "shapes.cache"
    report = piu.calibrate(model("shapes.onnx"), calibration=items(), cache=str(cache), batch_size=4)
    assert cache.exists() and report["cache"] == str(cache)
    assert report["items"] == 8 and report["ranges"]
    out = tmp_path / "int8.onnx"
    report = piu.quantize(model("shapes.onnx"), str(out), from_cache=str(cache), calibration=items(4, seed=5))
    assert report["from_cache"] == str(cache)
    assert out.exists() and report["sqnr_db"] > MIN_SQNR_DB
    with pytest.raises(piu.BadInputError, match="from_cache"):
        piu.quantize(model("shapes.onnx"), str(out), from_cache=str(cache), method="minmax")


class LoaderFailed(Exception):
    pass


def test_a_raising_load_item_func_surfaces_as_itself(tmp_path):
    def load_item(name):
        if name == 5:
            raise LoaderFailed(f"cannot read item {name}")
        return items(1)[0]

    out = tmp_path / "int8.onnx"
    with pytest.raises(LoaderFailed, match="cannot read item 5") as info:
        piu.quantize(model("shapes.onnx"), str(out), calibration=range(8), load_item_func=load_item)
    assert not out.exists()
    if hasattr(info.value, "__notes__"):  # Python 3.11+
        assert any("calibration_set[5]" in note for note in info.value.__notes__)
    with pytest.raises(LoaderFailed):
        piu.calibrate(model("shapes.onnx"), calibration=range(8), load_item_func=load_item,
                      cache=str(tmp_path / "c.cache"))
    assert not (tmp_path / "c.cache").exists()


def test_bad_arguments_raise_bad_input(tmp_path):
    out = str(tmp_path / "int8.onnx")
    with pytest.raises(piu.BadInputError, match="calibration=... or from_cache"):
        piu.quantize(model("shapes.onnx"), out)
    with pytest.raises(piu.BadInputError, match="target"):
        piu.quantize(model("shapes.onnx"), out, calibration=items(), target="cuda")
    with pytest.raises(piu.BadInputError, match="max_error"):
        piu.quantize(model("shapes.onnx"), out, calibration=items(), max_error="thirty")
    with pytest.raises(piu.BadInputError, match="calibration must be"):
        piu.quantize(model("shapes.onnx"), out, calibration=3)


def test_the_gil_is_released_while_quantize_calibrates(tmp_path):
    with ticking() as stamps:
        start = time.monotonic()
        piu.quantize(model("shapes.onnx"), str(tmp_path / "int8.onnx"), calibration=items(32), batch_size=8)
        end = time.monotonic()
    # Held, the GIL would let the ticker run only at switch intervals during the few loader calls.
    inside = [t for t in stamps if start < t < end]
    assert len(inside) >= 10, (len(inside), end - start)

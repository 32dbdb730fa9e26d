"""pytorch_infer_utils' build_engine(int8_mode=True): the calibration runs through the Python
load_item_func into cache_file, and the int8 Q/DQ model an engine would be built from is written
from that cache beside the engine path (symmetric int8, the cache's scales), TensorRT or not.

Runs under the venv's Python (CTest's python_onnx): onnx reads the written model's scales.
"""
import os
import re
import shutil
import struct

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import piu
import pytorch_infer_utils as seed
from conftest import model

SAME_SCALE_OPS = ("MaxPool", "Flatten", "Reshape")  # their outputs reuse their input's scale


def cache_scales(path):
    """{tensor: scale} of a TensorRT calibration cache: "name: <big-endian float32 hex>" lines, each
    scale amax / 127."""
    lines = open(path).read().splitlines()
    assert lines[0].startswith("TRT-")
    scales = {}
    for line in lines[1:]:
        match = re.fullmatch(r"(.+): ([0-9a-f]{8})", line)
        assert match, line
        scales[match.group(1)] = struct.unpack(">f", bytes.fromhex(match.group(2)))[0]
    return scales


def sqnr_db(reference, approximation):
    noise = np.sum((reference - approximation) ** 2)
    return 10 * np.log10(np.sum(reference**2) / noise)


def test_int8_mode_writes_the_cache_and_the_qdq_model_before_tensorrt_is_needed(tmp_path):
    onnx_path = str(tmp_path / "shapes.onnx")
    shutil.copy(model("shapes.onnx"), onnx_path)
    rng = np.random.default_rng(0)
    images = {f"img{i}.png": rng.standard_normal((3, 64, 64)).astype(np.float32) for i in range(8)}
    loaded = []

    def load_item(name):  # the seed's load_item_func: an item of calibration_set -> one CHW array
        loaded.append(name)
        return images[name]

    cache, engine = tmp_path / "calib.cache", tmp_path / "engines" / "model.trt"
    qdq = tmp_path / "engines" / "model.int8.onnx"
    assert seed.int8_model_path(str(engine)) == str(qdq)
    build = dict(int8_mode=True, calibration_set=list(images), load_item_func=load_item, max_item_shape=[3, 64, 64],
                 stream_batch_size=4, cache_file=str(cache), engine_path=str(engine))
    health = piu.check_tensorrt_health()
    if health["ok"]:  # TensorRT runs here: the engine is built too (tests/gpu covers running it)
        assert seed.TRTEngineBuilder().build_engine(onnx_path, **build) == str(engine)
    else:
        with pytest.raises(seed.TensorRTUnavailableError) as info:
            seed.TRTEngineBuilder().build_engine(onnx_path, **build)
        assert str(info.value) == f"wrote {cache} and {qdq}; TensorRT is needed to build the engine: " + \
            health["message"]
        assert not engine.exists() and sorted(os.listdir(engine.parent)) == ["model.int8.onnx"]
    assert set(loaded) == set(images)  # every item went through load_item_func

    scales = cache_scales(cache)
    m = onnx.load(str(qdq))
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("QuantizeLinear") >= 6 and ops.count("DequantizeLinear") >= 6
    initializers = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    same_scale = {o for n in m.graph.node if n.op_type in SAME_SCALE_OPS for o in n.output}
    checked = 0
    for node in m.graph.node:
        if node.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        zero_point = initializers[node.input[2]]
        assert zero_point.dtype == np.int8 and not zero_point.any(), node.name  # symmetric, as TensorRT needs
        if node.op_type == "QuantizeLinear" and node.input[0] in scales and node.input[0] not in same_scale:
            assert float(initializers[node.input[1]]) == pytest.approx(scales[node.input[0]], rel=1e-6), node.name
            checked += 1
    assert checked >= 4  # the input and the Conv/Relu activations the cache holds

    x = np.stack(list(images.values())[:4])
    (int8_out,) = piu.Session(str(qdq)).run([x])
    (float_out,) = piu.Session(onnx_path).run([x])
    assert sqnr_db(float_out, int8_out) > 15  # a broken quantization lands far below


def test_int8_mode_uses_an_existing_cache_as_it_is(tmp_path):
    onnx_path = str(tmp_path / "shapes.onnx")
    shutil.copy(model("shapes.onnx"), onnx_path)
    items = [np.random.default_rng(i).standard_normal((3, 64, 64)).astype(np.float32) for i in range(4)]
    cache = tmp_path / "model.trt.int8calibration"
    piu.calibrate(onnx_path, calibration=items, cache=str(cache))
    before = cache.read_bytes()
    qdq = tmp_path / "shapes.int8.onnx"  # beside the default engine path, shapes.trt
    try:  # no calibration_set: the cache is all there is (the Q/DQ model's SQNR is measured on random inputs)
        seed.build_engine(onnx_path, int8_mode=True, cache_file=str(cache))
    except seed.TensorRTUnavailableError as e:
        assert str(e).startswith(f"wrote {cache} and {qdq}; TensorRT is needed to build the engine: ")
    assert cache.read_bytes() == before
    m = onnx.load(str(qdq))
    assert "QuantizeLinear" in {n.op_type for n in m.graph.node}

"""piu calibrate / quantize: ranges against ONNX Runtime's own calibrators, the entropy rule against
an independent NumPy implementation, the TensorRT cache read back, int8 models on ONNX Runtime, and
bad input."""
import json
import os
import re
import struct

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import model, piu


def write_batches(folder, batches):
    os.makedirs(folder, exist_ok=True)
    for i, b in enumerate(batches):
        np.save(os.path.join(folder, f"b{i:02d}.npy"), b)
    return folder


@pytest.fixture(scope="module")
def resnet_data(tmp_path_factory):
    rng = np.random.default_rng(0)
    d = tmp_path_factory.mktemp("resnet_data")
    return write_batches(str(d), [rng.standard_normal((8, 3, 224, 224)).astype(np.float32) for _ in range(2)])


def our_ranges(path, data, method, batch=8):
    r = piu("calibrate", path, "--data", data, "--method", method, "--batch", batch, "--cache",
            os.path.join(os.path.dirname(data), f"{method}.cache"), "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)["ranges"]


def asymmetric(r):
    """The range piu's uint8 quantization uses (TensorRange::lo/hi)."""
    return min(0.0, max(r["min"], -r["amax"])), max(0.0, min(r["max"], r["amax"]))


def ort_ranges(path, data, method, tmp):
    from onnxruntime.quantization.calibrate import CalibrationDataReader, CalibrationMethod, create_calibrator

    class Reader(CalibrationDataReader):
        def __init__(self):
            name = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).get_inputs()[0].name
            self.it = iter([{name: np.load(os.path.join(data, f))} for f in sorted(os.listdir(data))])

        def get_next(self):
            return next(self.it, None)

    m = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile}[method]
    cal = create_calibrator(path, augmented_model_path=os.path.join(tmp, "augmented.onnx"), calibrate_method=m)
    cal.collect_data(Reader())
    return {k: tuple(float(np.ravel(x)[0]) for x in v.range_value) for k, v in cal.compute_data().items()}


@pytest.mark.parametrize("method", ["minmax", "percentile"])
def test_scales_agree_with_onnxruntime_calibrators(method, resnet_data, tmp_path):
    path = model("resnet18.onnx")
    ours = our_ranges(path, resnet_data, method)
    theirs = ort_ranges(path, resnet_data, method, str(tmp_path))
    common = set(ours) & set(theirs)
    assert len(common) >= 0.95 * len(theirs), (len(common), len(theirs))
    worst, worst_name = 0.0, None
    for name in common:
        lo, hi = asymmetric(ours[name])
        tlo, thi = min(theirs[name][0], 0.0), max(theirs[name][1], 0.0)
        ours_scale, their_scale = (hi - lo) / 255, (thi - tlo) / 255
        if their_scale == 0:
            assert ours_scale == 0, name  # a tensor that was always 0
            continue
        diff = abs(ours_scale - their_scale) / their_scale
        if diff > worst:
            worst, worst_name = diff, name
    assert worst <= 0.01, f"worst relative scale difference {worst:.4f} ({worst_name})"


def entropy_reference(x, bins=2048, levels=128):
    """TensorRT's EntropyCalibration2 threshold, written independently from its published description."""
    a = np.abs(x.ravel()).astype(np.float64)
    hist, edges = np.histogram(a, bins=bins, range=(0, a.max()))
    hist = hist.astype(np.float64)
    hist[0] = hist[1]
    best, best_i = np.inf, bins
    for i in range(levels, bins + 1):
        ref = hist[:i].copy()
        ref[-1] += hist[i:].sum()
        groups = np.arange(i) * levels // i
        nonzero = hist[:i] != 0
        sums = np.bincount(groups, weights=hist[:i], minlength=levels)
        counts = np.bincount(groups, weights=nonzero, minlength=levels)
        cand = np.where(nonzero, sums[groups] / np.maximum(counts[groups], 1), 0)
        p, q = ref / ref.sum(), cand / cand.sum()
        mask = p > 0
        kl = np.inf if np.any(q[mask] == 0) else float(np.sum(p[mask] * np.log(p[mask] / q[mask])))
        if kl <= best:
            best, best_i = kl, i
    return edges[best_i]


def test_entropy_threshold_matches_reference(tmp_path):
    # x -> Mul(1) -> y: the calibrated tensors are the input data themselves.
    one = numpy_helper.from_array(np.ones((1,), np.float32), "one")
    g = helper.make_graph([helper.make_node("Mul", ["x", "one"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 256])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 256])], [one])
    path = str(tmp_path / "mul.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    rng = np.random.default_rng(3)
    x = rng.laplace(size=(64, 256)).astype(np.float32)
    x[0, :4] = [40, -35, 30, 25]  # outliers the threshold should clip
    data = write_batches(str(tmp_path / "data"), [x])
    ours = our_ranges(path, data, "entropy", batch=64)
    ref = entropy_reference(x)
    assert abs(ours["x"]["amax"] - ref) <= 0.01 * ref, (ours["x"]["amax"], ref)
    assert ours["x"]["amax"] < 20  # outliers clipped


def test_tensorrt_cache_format_and_parse_back(resnet_data, tmp_path):
    path = model("resnet18.onnx")
    cache = str(tmp_path / "resnet18.trt.int8calibration")
    r = piu("calibrate", path, "--data", resnet_data, "--batch", "8", "--cache", cache, "--json")
    assert r.code == 0, r.err
    ranges = json.loads(r.out)["ranges"]
    lines = open(cache).read().splitlines()
    assert lines[0] == "TRT-8601-EntropyCalibration2"
    scales = {}
    for line in lines[1:]:
        m = re.fullmatch(r"(.+): ([0-9a-f]{8})", line)
        assert m, line
        scales[m.group(1)] = struct.unpack(">f", bytes.fromhex(m.group(2)))[0]
    assert set(scales) == set(ranges)
    for name, s in scales.items():
        assert s == pytest.approx(ranges[name]["amax"] / 127, rel=1e-6)
    # Read back: the Q/DQ model built from the cache carries exactly those scales.
    out = str(tmp_path / "from_cache.onnx")
    r = piu("quantize", path, "-o", out, "--from-cache", cache, "--target", "tensorrt", "--data", resnet_data,
            "--batch", "8", "--json")
    assert r.code == 0, r.err
    m = onnx.load(out)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    # Outputs of MaxPool/Flatten/... reuse their input's scale (runtimes then skip requantizing).
    same_scale = {o for n in onnx.load(path).graph.node if n.op_type in ("MaxPool", "Flatten", "Reshape") for o in n.output}
    checked = 0
    for n in m.graph.node:
        if n.op_type == "QuantizeLinear" and n.input[0] not in same_scale:
            assert inits[n.input[2]].dtype == np.int8 and int(inits[n.input[2]]) == 0  # symmetric, as TensorRT needs
            assert float(inits[n.input[1]]) == pytest.approx(scales[n.input[0]], rel=1e-6)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("target", ["ort", "tensorrt"])
def test_quantized_resnet_runs_int8_on_onnxruntime(target, resnet_data, tmp_path):
    path = model("resnet18.onnx")
    before = open(path, "rb").read()
    out = str(tmp_path / "int8.onnx")
    r = piu("quantize", path, "-o", out, "--data", resnet_data, "--batch", "8", "--target", target, "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["quantized_nodes"] == report["quantizable_nodes"] > 20
    assert report["sqnr_db"] > 25
    assert open(path, "rb").read() == before  # the input is never modified
    if target == "tensorrt":
        return  # symmetric activations keep Relu between Conv and Q: TensorRT fuses that, ONNX Runtime does not
    # ONNX Runtime fuses the Q/DQ pairs into its int8 kernels.
    so = ort.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(out, so, providers=["CPUExecutionProvider"])
    ops = [n.op_type for n in onnx.load(so.optimized_model_filepath).graph.node]
    assert ops.count("QLinearConv") >= 15, sorted(set(ops))


def one_line_error(r, *needles):
    assert r.code == 2, (r.code, r.out, r.err)
    for n in needles:
        assert n in r.err, (n, r.err)


def test_bad_calibration_data(tmp_path):
    path = model("resnet18.onnx")
    out = tmp_path / "out.onnx"
    cache = tmp_path / "c.cache"
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(piu("calibrate", path, "--data", empty, "--cache", cache), str(empty), "no .npy, .npz or image")
    one_line_error(piu("quantize", path, "-o", out, "--data", empty), str(empty))
    one_line_error(piu("calibrate", path, "--data", tmp_path / "missing", "--cache", cache), "no such folder")

    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    one_line_error(piu("calibrate", path, "--data", corrupt, "--cache", cache), "a.jpg", "cannot decode")

    large = write_batches(str(tmp_path / "large"), [np.zeros((3, 256, 256), np.float32)])
    one_line_error(piu("calibrate", path, "--data", large, "--cache", cache), "b00.npy", "larger than max_item_shape")

    nan = np.zeros((2, 3, 224, 224), np.float32)
    nan[1, 0, 5, 5] = np.nan
    nan_dir = write_batches(str(tmp_path / "nan"), [np.zeros((2, 3, 224, 224), np.float32), nan])
    one_line_error(piu("quantize", path, "-o", out, "--data", nan_dir), "b01.npy", "NaN")
    assert not out.exists() and not cache.exists()
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == []


def test_smaller_items_are_padded(tmp_path):
    # Items up to --max-item-shape are zero-padded (the seed's max_item_shape).
    path = model("resnet18.onnx")
    small = write_batches(str(tmp_path / "small"), [np.ones((3, 200, 180), np.float32), np.ones((3, 224, 224), np.float32)])
    r = piu("calibrate", path, "--data", small, "--cache", tmp_path / "c.cache", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["items"] == 2


def test_bad_cache_files(tmp_path, resnet_data):
    path = model("resnet18.onnx")
    out = tmp_path / "out.onnx"
    cases = {
        "header.cache": ("not a cache\nx: 3c010a14\n", "header"),
        "hex.cache": ("TRT-8601-EntropyCalibration2\ninput: 3c01zz14\n", "not 8 hex digits"),
        "short.cache": ("TRT-8601-EntropyCalibration2\ninput: 3c01\n", "not 8 hex digits"),
        "nan.cache": ("TRT-8601-EntropyCalibration2\ninput: 7fc00000\n", "not a finite"),
        "line.cache": ("TRT-8601-EntropyCalibration2\njust words\n", "expected '<tensor>: <hex scale>'"),
    }
    for name, (text, needle) in cases.items():
        p = tmp_path / name
        p.write_text(text)
        r = piu("quantize", path, "-o", out, "--from-cache", p, "--data", resnet_data)
        one_line_error(r, name, needle)
        assert not out.exists()


def test_bias_that_overflows_int32_stays_float(tmp_path):
    # Vanishing activations (random-init GoogLeNet's classifier input is ~1e-11) times small weights
    # give a bias scale so small that the bias does not fit int32: it must stay float, not saturate.
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array((rng.standard_normal((16, 10)) * 0.01).astype(np.float32), "w")
    b = numpy_helper.from_array((rng.standard_normal(10) * 0.03).astype(np.float32), "b")
    g = helper.make_graph([helper.make_node("Gemm", ["x", "w", "b"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 10])], [w, b])
    path = str(tmp_path / "gemm.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    data = write_batches(str(tmp_path / "data"), [(np.abs(rng.standard_normal((8, 16))) * 1e-11).astype(np.float32)])
    r = piu("quantize", path, "-o", tmp_path / "q.onnx", "--data", data, "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["quantized_nodes"] == 1
    assert report["sqnr_db"] is None or report["sqnr_db"] > 40  # None: exact (the output is the bias)
    m = onnx.load(str(tmp_path / "q.onnx"))
    gemm = next(n for n in m.graph.node if n.op_type == "Gemm")
    assert gemm.input[2] == "b"


def test_image_folder_calibration(tmp_path):
    # PNG images resized to the input's 64x64 and normalized (ImageNet mean/std by default).
    src = os.path.dirname(model("shapes.onnx"))
    images = tmp_path / "images"
    images.mkdir()
    for name in ("circle.png", "square.png", "triangle.png"):
        (images / name).write_bytes(open(os.path.join(src, name), "rb").read())
    r = piu("calibrate", model("shapes.onnx"), "--data", images, "--cache", tmp_path / "c.cache", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["items"] == 3 and j["ranges"]
    out = tmp_path / "int8.onnx"
    r = piu("quantize", model("shapes.onnx"), "-o", out, "--data", images, "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["sqnr_db"] > 20
    # Mixed folders are refused.
    np.save(images / "x.npy", np.zeros((3, 64, 64), np.float32))
    one_line_error(piu("calibrate", model("shapes.onnx"), "--data", images, "--cache", tmp_path / "d.cache"), "mixes")


def test_a_model_of_two_inputs_calibrates_from_npz_files(tmp_path):
    """token_mlp.onnx takes ids (int64) and mask (float32): a folder of .npz files gives an array per
    input name, as items (savez) and as a compressed batch (savez_compressed)."""
    path = model("cases/token_mlp.onnx")
    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(6):
        np.savez(data / f"item{i}.npz", ids=rng.integers(0, 50, 12), mask=(rng.random(12) < 0.8).astype(np.float32))
    np.savez_compressed(data / "batch.npz", ids=rng.integers(0, 50, (4, 12)),
                        mask=(rng.random((4, 12)) < 0.8).astype(np.float32))
    out = tmp_path / "int8.onnx"
    r = piu("quantize", path, "-o", out, "--data", data, "--batch", 4, "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["items"] == 10 and report["quantized_nodes"] > 0
    assert report["sqnr_db"] > 20, report["sqnr_db"]
    feeds = {"ids": rng.integers(0, 50, (3, 12)), "mask": np.ones((3, 12), np.float32)}
    (y,) = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, feeds)
    assert y.shape == (3, 4)
    # One item naming another input, and .npy items for a model of two inputs: one line each.
    np.savez(data / "zz.npz", ids=rng.integers(0, 50, 12), other=np.zeros(12, np.float32))
    r = piu("quantize", path, "-o", tmp_path / "bad.onnx", "--data", data)
    assert r.code == 2 and "zz.npz" in r.err and "other" in r.err and len(r.err.strip().splitlines()) == 1, r.err
    npy = tmp_path / "npy"
    npy.mkdir()
    np.save(npy / "a.npy", rng.integers(0, 50, 12))
    r = piu("quantize", path, "-o", tmp_path / "bad.onnx", "--data", npy)
    assert r.code == 2 and "2 inputs (ids, mask)" in r.err, r.err
    assert not (tmp_path / "bad.onnx").exists()

"""pytorch_infer_utils: the seed's API over piu (README examples on small models, hooks, TensorRT options and errors, timers)."""
import json
import os
import shutil

import numpy as np
import pytest

import piu
import pytorch_infer_utils as seed
from conftest import model
from pytorch_infer_utils import ONNXExporter, ONNXWrapper, ReportTime, report_time_decorator


@pytest.fixture
def shapes_onnx(tmp_path):
    """shapes.onnx (dynamic batch, input 'input' Nx3x64x64 -> 'output' Nx3) copied into tmp_path."""
    path = tmp_path / "shapes.onnx"
    shutil.copy(model("shapes.onnx"), path)
    return str(path)


def batch(n, seed_value=0):
    return np.random.default_rng(seed_value).standard_normal((n, 3, 64, 64)).astype(np.float32)


def test_exporter_defaults_are_the_seeds():
    exporter = ONNXExporter()
    assert exporter.default_shapes == [1, 3, 224, 224]
    assert exporter.onnx_export_params == {"export_params": True, "do_constant_folding": True,
                                           "input_names": ["input"], "output_names": ["output"],
                                           "opset_version": 11}
    assert exporter.onnx_optimize_params["fixed_point"] is False
    passes = exporter.onnx_optimize_params["passes"]
    assert len(passes) == 24 and passes[0] == "eliminate_deadend" and passes[-1] == "nop"
    tuned = ONNXExporter(opset_version=17, fixed_point=True, default_shapes=[1, 3, 64, 64])
    assert tuned.onnx_export_params["opset_version"] == 17 and tuned.onnx_optimize_params["fixed_point"] is True
    assert tuned.default_shapes == [1, 3, 64, 64]
    assert ONNXExporter().onnx_export_params["opset_version"] == 11  # defaults are not shared state
    from_cfg = ONNXExporter(cfg={"onnx_export_params": {"opset_version": 13}})
    assert from_cfg.onnx_export_params["input_names"] == ["input"]  # cfg replaces key by key
    with pytest.raises(TypeError, match="unknown parameter 'opset'"):
        ONNXExporter(opset=13)


def test_optimize_onnx_as_in_the_readme(shapes_onnx, tmp_path):
    exporter = ONNXExporter()
    out = str(tmp_path / "optimized_model.onnx")
    assert exporter.optimize_onnx(shapes_onnx, out) == out
    x = batch(2)
    np.testing.assert_allclose(piu.Session(out).run([x])[0], piu.Session(shapes_onnx).run([x])[0], rtol=1e-4, atol=1e-5)


def test_optimize_onnx_sim_as_in_the_readme_keeps_the_dynamic_batch(shapes_onnx, tmp_path):
    out = str(tmp_path / "optimized_model.onnx")
    assert ONNXExporter().optimize_onnx_sim(shapes_onnx, out) == out
    session = piu.Session(out)
    assert session.inputs[0]["shape"][0] == -1
    x = batch(3)
    np.testing.assert_allclose(session.run([x])[0], piu.Session(shapes_onnx).run([x])[0], rtol=1e-4, atol=1e-5)


def test_default_output_names_sit_next_to_the_input(shapes_onnx, tmp_path):
    exporter = ONNXExporter()
    optimized = exporter.optimize_onnx(shapes_onnx)
    assert optimized == str(tmp_path / "shapes_opt.onnx") and os.path.exists(optimized)
    simplified = exporter.optimize_onnx_sim(optimized)
    assert simplified == str(tmp_path / "shapes_opt_sim.onnx") and os.path.exists(simplified)


def test_optimize_onnx_sim_takes_input_shapes(shapes_onnx, tmp_path):
    out = ONNXExporter().optimize_onnx_sim(shapes_onnx, input_shapes={"input": [1, 3, 64, 64]}, batches=[1])
    assert piu.Session(out).inputs[0]["shape"] == [1, 3, 64, 64]
    again = ONNXExporter().optimize_onnx_sim(shapes_onnx, str(tmp_path / "b.onnx"),
                                             overwrite_input_shapes={"input": [2, 3, 64, 64]}, batches=[2])
    assert piu.Session(again).inputs[0]["shape"] == [2, 3, 64, 64]


def test_verification_failure_surfaces_as_piu_error(shapes_onnx, tmp_path):
    with pytest.raises(piu.Error):
        ONNXExporter().optimize_onnx(str(tmp_path / "missing.onnx"))


class Softmaxed(ONNXWrapper):
    """A user wrapper: uint8 HWC images in, class probabilities out."""

    def _process_img_(self, img):
        return np.ascontiguousarray(img.astype(np.float32).transpose(0, 3, 1, 2) / 255.0)

    def _process_preds_(self, preds):
        logits = preds[0]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("n", [1, 5])
def test_onnx_wrapper_hooks_over_a_dynamic_batch(shapes_onnx, n):
    images = np.random.default_rng(n).integers(0, 256, (n, 64, 64, 3), dtype=np.uint8)
    probs = Softmaxed(shapes_onnx, intra_op_num_threads=1).run(images)
    x = np.ascontiguousarray(images.astype(np.float32).transpose(0, 3, 1, 2) / 255.0)
    (logits,) = piu.Session(shapes_onnx).run([x])
    assert probs.shape == (n, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.argmax(probs, 1), np.argmax(logits, 1))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


def test_onnx_wrapper_defaults_pass_through(shapes_onnx):
    wrapper = ONNXWrapper(shapes_onnx)
    assert wrapper.is_using_tensorrt is False
    x = batch(5)
    (out,) = wrapper.run(x)
    np.testing.assert_array_equal(out, piu.Session(shapes_onnx).run([x])[0])
    np.testing.assert_array_equal(wrapper.run({"input": x})[0], out)


def test_gpu_device_id_is_the_cuda_provider(shapes_onnx):
    try:
        wrapper = ONNXWrapper(shapes_onnx, gpu_device_id=0)
    except piu.UnsupportedError as e:  # ONNX Runtime's CPU build (or no GPU): one line naming it
        assert e.code == "unsupported" and "device cuda:0: ONNX Runtime" in str(e) and "CUDA provider" in str(e)
    else:  # the GPU build on a machine with a GPU: the CPU's outputs
        x = batch(3)
        np.testing.assert_allclose(wrapper.run(x)[0], ONNXWrapper(shapes_onnx).run(x)[0], rtol=1e-4, atol=1e-5)


def test_trt_wrapper_runs_on_the_cpu_like_onnx_wrapper(shapes_onnx):
    x = batch(5)
    (out,) = seed.TRTWrapper(onnx_path=shapes_onnx).run(x)
    np.testing.assert_array_equal(out, ONNXWrapper(shapes_onnx).run(x)[0])


def test_tensorrt_entry_points_raise_the_health_line(shapes_onnx, tmp_path, capsys):
    health = piu.check_tensorrt_health()
    if health["ok"]:
        return  # TensorRT runs here: tests/gpu/test_tensorrt_gpu.py builds and runs engines
    engine = str(tmp_path / "model.trt")
    calls = [
        lambda: seed.TRTEngineBuilder().build_engine(shapes_onnx),
        lambda: seed.TRTEngineBuilder().build_engine(shapes_onnx, engine_path=engine),
        lambda: seed.TRTEngineBuilder().build_engine(shapes_onnx, fp16_mode=True),
        lambda: seed.build_engine(shapes_onnx, max_batch_size=8, trt_builder_optimization_level=3),
        lambda: seed.TRTRunWrapper(engine),
        lambda: seed.load_engine(engine),
        lambda: seed.save_engine(object(), engine),
        lambda: seed.TRTWrapper(onnx_path=shapes_onnx, gpu_device_id=0),
        lambda: seed.TRTWrapper(trt_path=engine, gpu_device_id=0, fp16_mode=True),
    ]
    for call in calls:
        with pytest.raises(seed.TensorRTUnavailableError) as info:
            call()
        assert str(info.value) == health["message"]  # what is missing and what to install, in one line
        assert isinstance(info.value, piu.UnsupportedError) and info.value.code == "unsupported"
        assert "\n" not in str(info.value) and "libnvinfer" in str(info.value)
    assert sorted(os.listdir(tmp_path)) == ["shapes.onnx"]  # TensorRT is checked before anything is written
    # int8_mode writes what needs no TensorRT first (tests/python/test_seed_int8.py checks the files).
    cache = tmp_path / "model.trt.int8calibration"
    with pytest.raises(seed.TensorRTUnavailableError) as info:
        seed.TRTEngineBuilder().build_engine(shapes_onnx, int8_mode=True, calibration_set=[batch(1)],
                                             max_item_shape=[3, 64, 64], load_item_func=lambda item: item,
                                             cache_file=str(cache))
    assert str(info.value) == (f"wrote {cache} and {tmp_path / 'shapes.int8.onnx'}; TensorRT is needed to build the "
                               f"engine: {health['message']}")
    assert sorted(os.listdir(tmp_path)) == ["model.trt.int8calibration", "shapes.int8.onnx", "shapes.onnx"]
    assert seed.check_tensorrt_health() is False
    assert capsys.readouterr().out.strip() == health["message"]


def test_build_engine_refuses_builder_config_onnx_runtime_has_no_option_for(shapes_onnx):
    with pytest.raises(piu.BadInputError, match="builder config max_workspace, strict_types: .*trt_"):
        seed.build_engine(shapes_onnx, strict_types=True, max_workspace=1, trt_fp16_enable=True)


def test_engine_provider_options_map_the_seeds_parameters(shapes_onnx, tmp_path, monkeypatch):
    builder = seed.TRTEngineBuilder()
    cache = {"trt_engine_cache_enable": "1", "trt_engine_cache_path": str(tmp_path), "trt_timing_cache_enable": "1",
             "trt_timing_cache_path": str(tmp_path)}
    # The defaults: the engine cache beside the ONNX file, the seed's 1 << 30 workspace, no profile
    # (use_opt_shapes is False).
    assert builder.provider_options(shapes_onnx) == {**cache, "trt_max_workspace_size": str(1 << 30)}
    profile = {"input": [[1, 3, 64, 64], [4, 3, 64, 64], [8, 3, 64, 64]]}
    options = builder.provider_options(shapes_onnx, fp16_mode=True, opt_shape_dict=profile,
                                       max_workspace_size=[2, 20], engine_path=str(tmp_path / "engines" / "m.trt"),
                                       trt_builder_optimization_level=3, trt_dump_subgraphs=False)
    assert options == {"trt_engine_cache_enable": "1", "trt_engine_cache_path": str(tmp_path / "engines"),
                       "trt_timing_cache_enable": "1", "trt_timing_cache_path": str(tmp_path / "engines"),
                       "trt_max_workspace_size": str(2 << 20),
                       "trt_fp16_enable": "1", "trt_profile_min_shapes": "input:1x3x64x64",
                       "trt_profile_opt_shapes": "input:4x3x64x64", "trt_profile_max_shapes": "input:8x3x64x64",
                       "trt_builder_optimization_level": "3", "trt_dump_subgraphs": "0"}
    # use_opt_shapes applies the config's opt_shape_dict: the seed's default is 224x224, not this model's 64x64.
    assert seed.TRTEngineBuilder(use_opt_shapes=True, opt_shape_dict=profile).provider_options(shapes_onnx) == {
        **cache, "trt_max_workspace_size": str(1 << 30), "trt_profile_min_shapes": "input:1x3x64x64",
        "trt_profile_opt_shapes": "input:4x3x64x64", "trt_profile_max_shapes": "input:8x3x64x64"}
    with pytest.raises(piu.BadInputError, match=r"opt_shape_dict\['input'\]: dim 2 is 64 in the model"):
        seed.TRTEngineBuilder(use_opt_shapes=True).provider_options(shapes_onnx)
    # max_batch_size (builder config) without opt_shape_dict: batch 1 to it, optimized for it.
    assert seed.TRTEngineBuilder(max_batch_size=16).provider_options(shapes_onnx, max_workspace_size=[1, 20])[
        "trt_profile_max_shapes"] == "input:16x3x64x64"
    # int8_mode with a TensorRT calibration cache: TensorRT's own format, by absolute path.
    table = tmp_path / "calib.cache"
    table.write_text("TRT-8601-EntropyCalibration2\ninput: 3c010a14\n")
    monkeypatch.chdir(tmp_path)
    options = builder.provider_options(shapes_onnx, int8_mode=True, cache_file="calib.cache")
    assert options["trt_int8_enable"] == "1" and options["trt_int8_use_native_calibration_table"] == "1"
    assert options["trt_int8_calibration_table_name"] == str(table)
    assert "trt_int8_enable" not in builder.provider_options(shapes_onnx, cache_file="calib.cache")
    with pytest.raises(piu.IoError, match="missing.cache: no such file"):
        builder.provider_options(shapes_onnx, int8_mode=True, cache_file="missing.cache")


CpuSession = piu.Session


class StandInSession:
    """piu.Session with backend="tensorrt" stood in by the CPU session of the same model, recording
    how it was opened and what it ran: the seed layer's TensorRT path, checked where TensorRT is absent."""

    opened = []

    def __init__(self, path, device, provider_options):
        assert device.startswith("cuda:")
        self.args = dict(path=path, device=device, provider_options=dict(provider_options))
        self.runs = []
        self.cpu = CpuSession(path)
        self.inputs = self.cpu.inputs
        StandInSession.opened.append(self)

    def run(self, inputs):
        self.runs.append(inputs)
        return self.cpu.run(inputs)


@pytest.fixture
def tensorrt_stood_in(monkeypatch):
    health = dict(piu.check_tensorrt_health(), ok=True, missing=[], message="")
    monkeypatch.setattr(piu, "check_tensorrt_health", lambda: health)

    def session(path, threads=0, backend="auto", device="cpu", provider_options={}):  # noqa: B006
        if backend == "tensorrt":
            return StandInSession(path, device, provider_options)
        return CpuSession(path, threads=threads, backend=backend, device=device, provider_options=provider_options)

    monkeypatch.setattr(piu, "Session", session)
    StandInSession.opened = []
    return StandInSession.opened


def test_build_engine_calibrates_opens_a_caching_session_and_writes_the_engine_file(shapes_onnx, tmp_path,
                                                                                    tensorrt_stood_in):
    items = [f"item{i}" for i in range(8)]
    cache, engine = tmp_path / "calib.cache", tmp_path / "engines" / "model.trt"
    profile = {"input": [[1, 3, 64, 64], [4, 3, 64, 64], [8, 3, 64, 64]]}
    path = seed.TRTEngineBuilder().build_engine(
        shapes_onnx, int8_mode=True, calibration_set=items, load_item_func=lambda name: batch(1, int(name[4:]))[0],
        max_item_shape=[3, 64, 64], stream_batch_size=4, cache_file=str(cache), engine_path=str(engine),
        opt_shape_dict=profile, trt_builder_optimization_level=2)
    assert path == str(engine) and cache.read_bytes().startswith(b"TRT-")  # piu.calibrate wrote TensorRT's cache
    assert (tmp_path / "engines" / "model.int8.onnx").exists()  # the Q/DQ model from that cache, beside the engine
    (session,) = tensorrt_stood_in
    options = session.args["provider_options"]
    assert session.args["path"] == shapes_onnx and session.args["device"] == "cuda:0"
    assert options == {"trt_int8_enable": "1", "trt_int8_calibration_table_name": str(cache),
                       "trt_int8_use_native_calibration_table": "1", "trt_engine_cache_enable": "1",
                       "trt_engine_cache_path": str(tmp_path / "engines"), "trt_timing_cache_enable": "1",
                       "trt_timing_cache_path": str(tmp_path / "engines"),
                       "trt_max_workspace_size": str(1 << 30), "trt_profile_min_shapes": "input:1x3x64x64",
                       "trt_profile_opt_shapes": "input:4x3x64x64", "trt_profile_max_shapes": "input:8x3x64x64",
                       "trt_builder_optimization_level": "2"}
    ((warm_up,),) = session.runs  # one run at the profile's opt shape builds the engine
    assert warm_up.shape == (4, 3, 64, 64) and not warm_up.any()
    record = json.loads(engine.read_text())
    assert record["onnx"] == shapes_onnx and record["gpu_device_id"] == 0 and record["provider_options"] == options

    x = batch(3)
    runner = seed.TRTRunWrapper(path)
    assert tensorrt_stood_in[-1].args == session.args  # the same session again: ONNX Runtime loads the cache
    np.testing.assert_array_equal(runner.run(x)[0], ONNXWrapper(shapes_onnx).run(x)[0])
    seed.save_engine(runner, str(tmp_path / "copy.trt"))
    np.testing.assert_array_equal(seed.load_engine(str(tmp_path / "copy.trt")).run([x])[0], runner.run(x)[0])
    assert seed.TRTRunWrapper(path, gpu_device_id=2).session.args["device"] == "cuda:2"
    with pytest.raises(piu.BadInputError, match="is not an engine written by build_engine"):
        seed.TRTRunWrapper(shapes_onnx)


def test_trt_wrapper_on_a_gpu_builds_beside_the_onnx_file_and_keeps_the_hooks(shapes_onnx, tmp_path,
                                                                             tensorrt_stood_in):
    images = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)

    class SoftmaxedTRT(seed.TRTWrapper):
        _process_img_ = Softmaxed._process_img_
        _process_preds_ = Softmaxed._process_preds_

    wrapper = SoftmaxedTRT(onnx_path=shapes_onnx, gpu_device_id=1, fp16_mode=True)
    assert wrapper.is_using_tensorrt is True and os.path.exists(tmp_path / "shapes.trt")
    build, run = tensorrt_stood_in
    assert build.args["device"] == run.args["device"] == "cuda:1"
    assert run.args["provider_options"]["trt_fp16_enable"] == "1"
    assert run.args["provider_options"]["trt_engine_cache_path"] == str(tmp_path)
    np.testing.assert_allclose(wrapper.run(images), Softmaxed(shapes_onnx).run(images), rtol=1e-6)
    seed.TRTWrapper(trt_path=str(tmp_path / "shapes.trt"), gpu_device_id=1)  # runs what was built
    assert tensorrt_stood_in[-1].args == run.args


def test_build_engine_int8_needs_calibration_data_or_an_existing_cache(shapes_onnx, tmp_path, tensorrt_stood_in):
    with pytest.raises(piu.BadInputError, match="int8_mode needs calibration_set"):
        seed.build_engine(shapes_onnx, int8_mode=True, cache_file=str(tmp_path / "none.cache"))
    assert tensorrt_stood_in == [] and sorted(os.listdir(tmp_path)) == ["shapes.onnx"]


def test_trt_engine_builder_keeps_the_seeds_config():
    cfg = seed.TRTEngineBuilder().cfg
    assert cfg["opt_shape_dict"] == {"input": [[1, 3, 224, 224]] * 3}
    assert cfg["max_workspace_size"] == [1, 30] and cfg["stream_batch_size"] == 100
    assert cfg["cache_file"] == "model.trt.int8calibration" and cfg["use_opt_shapes"] is False
    assert seed.TRTEngineBuilder(stream_batch_size=8).cfg["stream_batch_size"] == 8


def test_report_time_prints_as_the_seed(capsys):
    timer = ReportTime()
    for _ in range(4):
        with timer:
            pass
    average = timer.time("noop")
    out = capsys.readouterr().out
    assert out.startswith("Speed(noop): ") and out.endswith(" ms per sample\n\n")
    assert average == pytest.approx(float(out.split()[1]), abs=1e-3)
    assert timer.time(verbose=False) == average and capsys.readouterr().out == ""
    timer.time(warmup=2)
    out = capsys.readouterr().out
    assert out.startswith("Using warmup: first 2 iterations\nSpeed: ")
    timer.reset()
    with pytest.raises(ValueError, match="nothing was timed"):
        timer.time()


def test_report_time_decorator(capsys):
    @report_time_decorator("add")
    def add(a, b=1):
        """Adds."""
        return a + b

    assert add(2, b=3) == 5 and add.__doc__ == "Adds."
    assert capsys.readouterr().out.startswith("Speed(add): ")


def test_torch2onnx_refuses_what_is_neither_a_module_nor_a_path(tmp_path):
    class NotAModel:
        pass

    with pytest.raises(TypeError, match="torch.nn.Module, a ScriptModule or a path"):
        ONNXExporter().torch2onnx(NotAModel(), str(tmp_path / "model.onnx"), [-1, 3, 224, 224])
    assert list(tmp_path.iterdir()) == []


class Tiny:
    """A small conv + BN + linear model, built only in torch tests."""

    @staticmethod
    def make():
        import torch

        return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                   torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))


@pytest.mark.torch
def test_readme_torch2onnx_exports_a_live_module_with_the_seeds_names(tmp_path):
    import torch

    torch.manual_seed(0)
    model = Tiny.make()
    model.eval()
    exporter = ONNXExporter()
    input_shapes = [-1, 3, 224, 224]  # -1 means that is dynamic shape
    path = exporter.torch2onnx(model, str(tmp_path / "model.onnx"), input_shapes)
    assert path == str(tmp_path / "model_op11.onnx") and sorted(os.listdir(tmp_path)) == ["model_op11.onnx"]
    session = piu.Session(path)
    assert [i["name"] for i in session.inputs] == ["input"] and [o["name"] for o in session.outputs] == ["output"]
    assert session.inputs[0]["shape"] == [-1, 3, 224, 224]
    x = torch.randn(5, 3, 224, 224)
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(session.run([x.numpy()])[0], expected, rtol=1e-3, atol=1e-5)


@pytest.mark.torch
def test_readme_torch2optimized_onnx_on_a_live_module(tmp_path):
    import torch

    model = Tiny.make().train()  # left in training mode: exported in eval mode, then restored
    paths = ONNXExporter().torch2optimized_onnx(model, str(tmp_path / "model.onnx"), [1, 3, 224, 224])
    assert paths == [str(tmp_path / n) for n in ("model_op11.onnx", "model_op11_opt.onnx", "model_op11_opt_sim.onnx")]
    assert model.training
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = model.eval()(x).numpy()
    for p in paths:
        np.testing.assert_allclose(piu.Session(p).run([x.numpy()])[0], expected, rtol=1e-3, atol=1e-5)


@pytest.mark.torch
def test_load_weights_rounded_model(tmp_path):
    import torch

    torch.manual_seed(0)
    source = Tiny.make()
    state = source.state_dict()
    state["0.weight"][0, 0, 0, 0] = 1e-30  # a denormal-range weight the rounding flushes
    state["0.weight"][0, 0, 0, 1] = 0.123456789
    torch.save(state, tmp_path / "state.pt")

    rounded = seed.load_weights_rounded_model(Tiny.make(), str(tmp_path / "state.pt"), n_digits=3,
                                              save_dict_path=str(tmp_path / "rounded.pt"))
    assert rounded.training is False
    weight = rounded.state_dict()["0.weight"]
    assert weight[0, 0, 0, 0].item() == 0.0
    assert weight[0, 0, 0, 1].item() == pytest.approx(0.123, abs=1e-7)
    np.testing.assert_allclose(weight.numpy(), np.round(state["0.weight"].numpy() * 1e3) / 1e3, atol=1e-7)
    assert rounded.state_dict()["1.num_batches_tracked"].dtype == torch.int64
    saved = torch.load(tmp_path / "rounded.pt")
    assert torch.equal(saved["0.weight"], weight)

    # As in the README: load_weights_rounded_model(model, path, map_location=map_location); n_digits=16.
    default = seed.load_weights_rounded_model(Tiny.make(), str(tmp_path / "state.pt"), map_location="cpu")
    assert default.state_dict()["0.weight"][0, 0, 0, 0].item() == 0.0
    assert default.state_dict()["0.weight"][0, 0, 0, 1].item() == state["0.weight"][0, 0, 0, 1].item()

    unchanged = seed.load_weights_rounded_model(Tiny.make(), str(tmp_path / "state.pt"), n_digits=0,
                                                save_dict_path=str(tmp_path / "unchanged.pt"))
    for key, value in state.items():
        assert torch.equal(unchanged.state_dict()[key], value), key
    assert not (tmp_path / "unchanged.pt").exists()  # the seed saves only a rounded dict


@pytest.mark.torch
def test_torch2optimized_onnx_from_a_torchscript_file(tmp_path):
    import torch

    torch.manual_seed(0)
    module = Tiny.make().eval()
    x = torch.randn(2, 3, 32, 32)
    torch.jit.trace(module, x).save(str(tmp_path / "tiny.pt"))
    exporter = ONNXExporter()
    paths = exporter.torch2optimized_onnx(str(tmp_path / "tiny.pt"), str(tmp_path / "model.onnx"), [-1, 3, 32, 32])
    assert paths == [str(tmp_path / f) for f in ("model_op11.onnx", "model_op11_opt.onnx", "model_op11_opt_sim.onnx")]
    with torch.no_grad():
        expected = module(x).numpy()
    for path in paths:
        session = piu.Session(path)
        assert session.inputs[0]["name"] == "input" and session.outputs[0]["name"] == "output"
        assert session.inputs[0]["shape"][0] == -1
        np.testing.assert_allclose(session.run([x.numpy()])[0], expected, rtol=1e-4, atol=1e-5)

"""piu's TensorRT functions from Python: check_tensorrt_health's dict, tensorrt_provider_options
(the seed's parameters as ONNX Runtime TensorRT provider options, checked against the model), and
Session(backend="tensorrt") refusing the CPU and, where TensorRT is missing, raising its one line."""
import pytest

import piu
from conftest import model, piu_cli

KEYS = ["ok", "version", "libnvinfer", "found_libnvinfer", "onnx_parser", "plugins", "onnxruntime_library",
        "provider_library", "cuda", "cuda_version", "missing", "message"]


def test_check_tensorrt_health_is_a_dict_with_the_message_the_backend_raises():
    health = piu.check_tensorrt_health()
    assert list(health) == KEYS
    assert piu.versions()["TensorRT"] == (health["version"] or "not found")
    if health["ok"]:
        assert health["missing"] == [] and health["message"] == ""
        return
    assert health["message"] == "TensorRT unavailable: " + "; ".join(health["missing"])
    with pytest.raises(piu.UnsupportedError) as info:
        piu.Session(model("shapes.onnx"), backend="tensorrt", device="cuda:0",
                    provider_options={"trt_fp16_enable": "1"})
    assert str(info.value) == health["message"] and info.value.code == "unsupported"
    assert health["message"] in piu_cli("run", model("shapes.onnx"), "--backend", "tensorrt", "--device",
                                        "cuda").stderr


def test_session_backend_tensorrt_refuses_the_cpu():
    with pytest.raises(piu.BadInputError, match="backend 'tensorrt' runs on a CUDA device"):
        piu.Session(model("shapes.onnx"), backend="tensorrt")
    assert piu.Session(model("shapes.onnx")).backend == "ort"


def test_tensorrt_provider_options_map_the_seeds_parameters(tmp_path):
    shapes = model("shapes.onnx")  # input 'input': batch x 3 x 64 x 64
    profile = {"input": [[1, 3, 64, 64], [4, 3, 64, 64], [8, 3, 64, 64]]}
    assert piu.tensorrt_provider_options(shapes) == {}
    options = piu.tensorrt_provider_options(shapes, fp16_mode=True, engine_path=str(tmp_path / "e" / "m.trt"),
                                            opt_shape_dict=profile, max_workspace_size=1 << 30)
    assert options == {"trt_fp16_enable": "1", "trt_engine_cache_enable": "1",
                       "trt_engine_cache_path": str(tmp_path / "e"), "trt_timing_cache_enable": "1",
                       "trt_timing_cache_path": str(tmp_path / "e"),
                       "trt_max_workspace_size": str(1 << 30), "trt_profile_min_shapes": "input:1x3x64x64",
                       "trt_profile_opt_shapes": "input:4x3x64x64", "trt_profile_max_shapes": "input:8x3x64x64"}
    assert piu.tensorrt_provider_options(shapes, max_batch_size=32)["trt_profile_opt_shapes"] == "input:32x3x64x64"
    assert piu.tensorrt_provider_options(shapes, int8_mode=True) == {"trt_int8_enable": "1"}  # a Q/DQ model


def test_tensorrt_provider_options_refuse_what_cannot_apply(tmp_path):
    shapes = model("shapes.onnx")
    with pytest.raises(piu.BadInputError, match=r"opt_shape_dict\['input'\] has 2 shapes; expected \[min, opt, max\]"):
        piu.tensorrt_provider_options(shapes, opt_shape_dict={"input": [[1, 3, 64, 64], [2, 3, 64, 64]]})
    with pytest.raises(piu.BadInputError, match="names 'x', which is not an input of the model"):
        piu.tensorrt_provider_options(shapes, opt_shape_dict={"x": [[1], [2], [3]]})
    with pytest.raises(piu.BadInputError, match=r"dim 0 has min 4, opt 2, max 8"):
        piu.tensorrt_provider_options(shapes, opt_shape_dict={"input": [[4, 3, 64, 64], [2, 3, 64, 64],
                                                                        [8, 3, 64, 64]]})
    with pytest.raises(piu.BadInputError, match=r"input 'x' \(1x3x-1x-1\) has a dynamic dim 2 \('height'\)"):
        piu.tensorrt_provider_options(model("cases/dynamic_hw.onnx"), max_batch_size=4)
    with pytest.raises(piu.IoError, match="no such file"):
        piu.tensorrt_provider_options(shapes, int8_mode=True, cache_file=str(tmp_path / "none.cache"))
    with pytest.raises(piu.IoError):
        piu.tensorrt_provider_options(str(tmp_path / "missing.onnx"))

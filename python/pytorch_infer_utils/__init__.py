"""pytorch_infer_utils: the seed package's API, in pure Python over piu.

The same names, signatures and defaults as the original ``pytorch_infer_utils``:

* ``ONNXExporter`` -- ``optimize_onnx`` (``piu.optimize``), ``optimize_onnx_sim``
  (``piu.simplify``), ``torch2onnx`` / ``torch2optimized_onnx`` (``piu.export`` of a live
  ``nn.Module``, exported from memory, or of a TorchScript file; then the seed's output check).
* ``load_weights_rounded_model`` -- a state dict with rounded weights loaded into a model (torch).
* ``ONNXWrapper`` / ``TRTWrapper`` -- inference base classes over ``piu.Session`` (CPU; ONNXWrapper's
  ``gpu_device_id`` = ONNX Runtime's CUDA provider, TRTWrapper's = piu's tensorrt backend).
* ``TRTEngineBuilder``, ``build_engine``, ``TRTRunWrapper``, ``load_engine``, ``save_engine`` --
  engines through piu's tensorrt backend (ONNX Runtime's TensorRT provider and engine cache;
  ``engine_provider_options`` gives the provider options a build uses). Where TensorRT cannot run,
  ``TensorRTUnavailableError`` says what to install; ``check_tensorrt_health`` prints it.
  ``int8_mode`` writes the calibration cache and the int8 Q/DQ model (``int8_model_path``) first,
  TensorRT or not.
* ``ReportTime``, ``report_time_decorator`` -- wall time per sample, printed as the seed prints it.
"""
from .errors import TensorRTUnavailableError, UnavailableError
from .onnx_exporter import DEFAULT_CONFIG, DEFAULT_PASSES, ONNXExporter, load_weights_rounded_model
from .onnx_infer import ONNXWrapper
from .tensorrt import (
    TRTEngineBuilder,
    TRTRunWrapper,
    TRTWrapper,
    build_engine,
    check_tensorrt_health,
    engine_provider_options,
    int8_model_path,
    load_engine,
    save_engine,
)
from .timer import ReportTime, report_time_decorator

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_PASSES",
    "ONNXExporter",
    "ONNXWrapper",
    "ReportTime",
    "TRTEngineBuilder",
    "TRTRunWrapper",
    "TRTWrapper",
    "TensorRTUnavailableError",
    "UnavailableError",
    "build_engine",
    "check_tensorrt_health",
    "engine_provider_options",
    "int8_model_path",
    "load_engine",
    "load_weights_rounded_model",
    "report_time_decorator",
    "save_engine",
]

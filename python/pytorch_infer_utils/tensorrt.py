"""The seed's TensorRT API. TensorRT is absent here: every entry point raises TensorRTUnavailableError.

The names, signatures and defaults are the seed's, so code written against them imports and fails
with one clear line. int8 calibration (``int8_mode``, ``calibration_set``, ``load_item_func``,
``max_item_shape``, ``stream_batch_size``, ``cache_file``) will map onto piu's quantizer once
``piu.quantize`` is in the Python module; until then it is part of the same TensorRT error.
"""
import os
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

from .errors import TENSORRT_MISSING, TensorRTUnavailableError, raise_tensorrt_missing
from .onnx_infer import ONNXWrapper

PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_TRT_CONFIG: Dict[str, Any] = {
    "use_opt_shapes": False,
    "opt_shape_dict": {"input": [[1, 3, 224, 224], [1, 3, 224, 224], [1, 3, 224, 224]]},
    "max_workspace_size": [1, 30],
    "stream_batch_size": 100,
    "cache_file": "model.trt.int8calibration",
}


def check_tensorrt_health() -> bool:
    """Prints whether TensorRT can be used and returns it, without raising.

    Prints ``TensorRT version: <version>`` when the ``tensorrt`` Python package imports and makes
    a builder; otherwise prints why TensorRT is not available and what to install.
    """
    try:
        import tensorrt as trt  # noqa: F401  (optional; absent on piu's machines)

        print(f"TensorRT version: {trt.__version__}")
        if not trt.Builder(trt.Logger()):
            print("TensorRT is not valid: it cannot create a builder (no usable NVIDIA GPU?)")
            return False
        return True
    except Exception as error:  # ImportError, or TensorRT failing without a GPU
        print(f"{TENSORRT_MISSING} ({type(error).__name__}: {error})")
        return False


def save_engine(engine: Any, path: PathLike) -> None:
    """Writes a serialized TensorRT engine to ``path``. Raises TensorRTUnavailableError here."""
    raise_tensorrt_missing()


def load_engine(path: PathLike, log_level: Any = None) -> Any:
    """Reads a serialized TensorRT engine. Raises TensorRTUnavailableError here."""
    raise_tensorrt_missing()


def build_engine(
    onnx_path: PathLike,
    fp16_mode: bool = False,
    int8_mode: bool = False,
    calibration_set: Optional[List[Any]] = None,
    load_item_func: Optional[Callable] = None,
    max_item_shape: Optional[List[int]] = None,
    stream_batch_size: int = 100,
    cache_file: str = "model.trt.int8calibration",
    engine_path: Optional[PathLike] = None,
    opt_shape_dict: Optional[Dict[str, List[List[int]]]] = None,
    max_workspace_size: List[int] = [1, 30],  # noqa: B006  (the seed's default; never mutated)
    **builder_config: Any,
) -> Any:
    """Builds a TensorRT engine from an ONNX file (saved to ``engine_path`` when given).

    The seed's signature: fp16/int8 modes; int8 calibration reads ``calibration_set`` items with
    ``load_item_func`` in batches of ``stream_batch_size`` (``max_item_shape`` = [C, H, W]),
    caching to ``cache_file``; ``opt_shape_dict`` = {input: [min, opt, max]} shapes;
    ``max_workspace_size`` = [a, b] meaning a << b bytes; ``builder_config`` goes to the builder
    config. Raises TensorRTUnavailableError here: piu has no TensorRT backend on this machine.
    """
    raise_tensorrt_missing()


class TRTEngineBuilder:
    """The seed's engine builder. Construction keeps the config; ``build_engine`` needs TensorRT.

    ``cfg`` and keyword arguments override ``DEFAULT_TRT_CONFIG`` (use_opt_shapes, opt_shape_dict,
    max_workspace_size, stream_batch_size, cache_file).
    """

    def __init__(self, cfg: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        self.cfg = dict(DEFAULT_TRT_CONFIG)
        self.cfg.update(cfg or {})
        self.cfg.update(kwargs)

    def build_engine(
        self,
        onnx_path: PathLike,
        fp16_mode: bool = False,
        int8_mode: bool = False,
        calibration_set: Optional[List[Any]] = None,
        load_item_func: Optional[Callable] = None,
        max_item_shape: Optional[List[int]] = None,
        stream_batch_size: Optional[int] = None,
        cache_file: Optional[str] = None,
        engine_path: Optional[PathLike] = None,
        opt_shape_dict: Optional[Dict[str, List[List[int]]]] = None,
        max_workspace_size: Optional[List[int]] = None,
        **builder_config: Any,
    ) -> Any:
        """``build_engine`` with this builder's config for the options left None.

        Raises TensorRTUnavailableError here.
        """
        return build_engine(
            onnx_path,
            fp16_mode=fp16_mode,
            int8_mode=int8_mode,
            calibration_set=calibration_set,
            load_item_func=load_item_func,
            max_item_shape=max_item_shape,
            stream_batch_size=stream_batch_size or self.cfg["stream_batch_size"],
            cache_file=cache_file or self.cfg["cache_file"],
            engine_path=engine_path,
            opt_shape_dict=opt_shape_dict or self.cfg["opt_shape_dict"],
            max_workspace_size=max_workspace_size or self.cfg["max_workspace_size"],
            **builder_config,
        )


class TRTRunWrapper:
    """Runs a serialized TensorRT engine. Raises TensorRTUnavailableError here."""

    def __init__(self, trt_path: PathLike, *args: Any, **kwargs: Any) -> None:
        raise_tensorrt_missing()

    def run(self, img: np.ndarray) -> List[np.ndarray]:
        """Runs the engine on ``img``; never reached without TensorRT."""
        raise_tensorrt_missing()
        return []


class TRTWrapper(ONNXWrapper):
    """The seed's wrapper: ONNX Runtime on the CPU (``gpu_device_id=None``), TensorRT on a GPU.

    On the CPU it is an ``ONNXWrapper`` over ``onnx_path`` (hooks, ``run`` and threads as there).
    With ``gpu_device_id`` it needs TensorRT (a ``trt_path`` engine, or one built from
    ``onnx_path`` with ``fp16_mode``) and raises TensorRTUnavailableError here.
    """

    def __init__(
        self,
        onnx_path: Optional[PathLike] = None,
        trt_path: Optional[PathLike] = None,
        gpu_device_id: Optional[int] = None,
        intra_op_num_threads: Optional[int] = 0,
        inter_op_num_threads: Optional[int] = 0,
        fp16_mode: bool = False,
    ) -> None:
        if gpu_device_id is not None:
            raise TensorRTUnavailableError(TENSORRT_MISSING)
        if onnx_path is None:
            raise ValueError("TRTWrapper: onnx_path is required without gpu_device_id (ONNX Runtime on the CPU)")
        super().__init__(onnx_path, None, intra_op_num_threads, inter_op_num_threads)
        self.fp16_mode = fp16_mode

"""The seed's TensorRT API. TensorRT is absent here: every entry point raises TensorRTUnavailableError.

The names, signatures and defaults are the seed's, so code written against them imports and fails
with one clear line. ``build_engine`` first does what piu can do without TensorRT and says so in
that line: with ``int8_mode`` it calibrates ``calibration_set`` through ``load_item_func``
(``piu.calibrate``, writing ``cache_file``, the TensorRT calibration cache) and writes the Q/DQ
model an engine would be built from (``piu.quantize``, target "tensorrt", from that cache); with
``fp16_mode`` it writes the float16 model (``piu.fp16``, float32 inputs and outputs).
"""
import os
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

import piu

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

    Before raising, what piu can do without TensorRT is done, and the error's message names the
    files written. int8_mode: ``calibration_set`` is read through ``load_item_func`` in batches of
    ``stream_batch_size`` (``piu.calibrate``), its ranges written to ``cache_file`` (the TensorRT
    calibration cache, a path as given, like the seed's calibrator), then the Q/DQ model an engine
    would be built from (``piu.quantize``, target "tensorrt", from that cache) is written as
    ``<onnx stem>_int8_qdq.onnx``. fp16_mode: the float16 model (``piu.fp16``, float32 inputs and
    outputs) as ``<onnx stem>_fp16.onnx``. These models go into ``engine_path``'s folder when
    given, else beside ``onnx_path``. A failure there raises that piu error instead (nothing of
    that step written).
    """
    written: List[str] = []
    if int8_mode:
        written += _write_int8(onnx_path, calibration_set, load_item_func, max_item_shape, stream_batch_size,
                               cache_file, engine_path)
    if fp16_mode:
        fp16_path = _beside(onnx_path, engine_path, "_fp16.onnx")
        piu.fp16(os.fspath(onnx_path), fp16_path, keep_io_types=True)
        written.append(f"{fp16_path} (the float16 model)")
    if not written:
        raise_tensorrt_missing()
    raise TensorRTUnavailableError(f"{TENSORRT_MISSING}; no engine built, but wrote {' and '.join(written)}")


def _beside(onnx_path: PathLike, engine_path: Optional[PathLike], suffix: str) -> str:
    """``<onnx stem><suffix>`` in engine_path's folder (when given) or onnx_path's."""
    folder = os.path.dirname(os.path.abspath(os.fspath(engine_path if engine_path is not None else onnx_path)))
    stem = os.path.splitext(os.path.basename(os.fspath(onnx_path)))[0]
    return os.path.join(folder, stem + suffix)


def _write_int8(
    onnx_path: PathLike,
    calibration_set: Optional[List[Any]],
    load_item_func: Optional[Callable],
    max_item_shape: Optional[List[int]],
    stream_batch_size: int,
    cache_file: str,
    engine_path: Optional[PathLike],
) -> List[str]:
    """Calibrates into ``cache_file`` and writes the Q/DQ model from it; returns what was written."""
    if calibration_set is None:
        error = piu.BadInputError("int8_mode needs calibration_set (the items given to load_item_func)")
        error.code = "bad input"
        raise error
    model = os.fspath(onnx_path)
    data = dict(calibration=calibration_set, load_item_func=load_item_func, max_item_shape=max_item_shape,
                batch_size=stream_batch_size)
    piu.calibrate(model, cache=os.fspath(cache_file), **data)
    qdq_path = _beside(onnx_path, engine_path, "_int8_qdq.onnx")
    # The cache is what TensorRT would read; the items measure the Q/DQ model's output SQNR.
    piu.quantize(model, qdq_path, from_cache=os.fspath(cache_file), target="tensorrt", **data)
    return [f"{cache_file} (the TensorRT calibration cache)", f"{qdq_path} (the int8 Q/DQ model)"]


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

        Raises TensorRTUnavailableError here, after writing the int8 calibration cache and Q/DQ
        model (int8_mode) or the float16 model (fp16_mode) as ``build_engine`` says.
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

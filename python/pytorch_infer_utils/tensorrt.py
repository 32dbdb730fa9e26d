"""The seed's TensorRT API over piu's "tensorrt" backend (ONNX Runtime's TensorRT execution provider).

piu runs TensorRT through ONNX Runtime, so a piu "engine" is ONNX Runtime's engine cache: ONNX
Runtime builds the engine from the ONNX model when a session opens with engine caching on, writes it
into the cache folder, and every later session with the same model and options loads it instead of
building it again. ``build_engine`` opens such a session (the cache folder is ``engine_path``'s) and
writes ``engine_path`` itself as a small JSON file naming the ONNX model, the GPU and the provider
options; ``TRTRunWrapper(engine_path)`` reads it back and opens the same session.

Where TensorRT cannot run (no GPU, no TensorRT, or ONNX Runtime's CPU build) every entry point
raises TensorRTUnavailableError with ``piu.check_tensorrt_health()``'s one line: what is missing
and what to install. ``build_engine(int8_mode=True)`` first writes what needs no TensorRT -- the
calibration cache and the int8 Q/DQ model beside the engine path -- and its exception says so.
Names, signatures and defaults are the seed's.
"""
import json
import os
import shutil
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

import piu

from .errors import require_tensorrt
from .onnx_infer import ONNXWrapper

PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_TRT_CONFIG: Dict[str, Any] = {
    "use_opt_shapes": False,
    "opt_shape_dict": {"input": [[1, 3, 224, 224], [1, 3, 224, 224], [1, 3, 224, 224]]},
    "max_workspace_size": [1, 30],
    "stream_batch_size": 100,
    "cache_file": "model.trt.int8calibration",
}

# The "format" of the JSON file build_engine writes at engine_path.
ENGINE_FILE_FORMAT = "piu tensorrt engine: ONNX Runtime's engine cache for this ONNX model and these options"


def check_tensorrt_health() -> bool:
    """Prints TensorRT's version and returns True when piu's tensorrt backend can run here.

    Otherwise prints what is missing and what to install (``piu.check_tensorrt_health()``'s
    message, one line) and returns False. Never raises.
    """
    health = piu.check_tensorrt_health()
    if health["version"]:
        print(f"TensorRT version: {health['version']}")
    if not health["ok"]:
        print(health["message"])
    return bool(health["ok"])


def _bad_input(message: str) -> piu.BadInputError:
    error = piu.BadInputError(message)
    error.code = "bad input"
    return error


def _engine_path(onnx_path: PathLike, engine_path: Optional[PathLike]) -> str:
    """``engine_path`` made absolute, or ``<onnx path without .onnx>.trt`` beside the ONNX file."""
    if engine_path is not None:
        return os.path.abspath(os.fspath(engine_path))
    return os.path.splitext(os.path.abspath(os.fspath(onnx_path)))[0] + ".trt"


def int8_model_path(engine_path: PathLike) -> str:
    """Where ``build_engine(int8_mode=True)`` writes the int8 Q/DQ model: ``<engine path without
    its suffix>.int8.onnx`` (``model.trt`` -> ``model.int8.onnx``)."""
    return os.path.splitext(os.fspath(engine_path))[0] + ".int8.onnx"


def _workspace_bytes(max_workspace_size: Any) -> int:
    """The seed's [a, b] (a << b bytes), or a number of bytes; None or 0: ONNX Runtime's default."""
    if isinstance(max_workspace_size, (list, tuple)):
        if len(max_workspace_size) != 2:
            raise _bad_input(f"max_workspace_size {list(max_workspace_size)}: expected [a, b] meaning a << b bytes")
        return int(max_workspace_size[0]) << int(max_workspace_size[1])
    return int(max_workspace_size or 0)


def _option_text(value: Any) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def _split_builder_config(builder_config: Dict[str, Any]) -> Dict[str, Any]:
    """The seed's builder config keyword arguments that piu understands; refuses the others.

    ``gpu_device_id`` (default 0) and ``max_batch_size`` are piu's; ``trt_*`` are ONNX Runtime's
    TensorRT provider options, passed through (``trt_builder_optimization_level=3``, ...).
    """
    known = {"gpu_device_id", "max_batch_size"}
    unknown = sorted(k for k in builder_config if k not in known and not k.startswith("trt_"))
    if unknown:
        raise _bad_input(f"builder config {', '.join(unknown)}: piu builds engines through ONNX Runtime's TensorRT "
                         "provider and passes only its options (trt_*), gpu_device_id and max_batch_size")
    return dict(builder_config)


def engine_provider_options(
    onnx_path: PathLike,
    fp16_mode: bool = False,
    int8_mode: bool = False,
    cache_file: str = "model.trt.int8calibration",
    engine_path: Optional[PathLike] = None,
    opt_shape_dict: Optional[Dict[str, List[List[int]]]] = None,
    max_workspace_size: Any = [1, 30],  # noqa: B006  (the seed's default; never mutated)
    **builder_config: Any,
) -> Dict[str, str]:
    """The ONNX Runtime TensorRT provider options ``build_engine`` opens its session with.

    ``piu.tensorrt_provider_options`` over the seed's parameters: ``max_workspace_size`` [a, b] is
    a << b bytes; ``cache_file`` counts only with ``int8_mode`` and must exist by then (TensorRT's
    calibration cache format); ``engine_path`` defaults to ``<onnx stem>.trt`` beside the ONNX file
    (its folder holds the engine cache); builder config ``max_batch_size`` gives the profiles' batch
    dim when there is no ``opt_shape_dict``, and ``trt_*`` options are passed through.
    """
    config = _split_builder_config(builder_config)
    options = piu.tensorrt_provider_options(
        os.fspath(onnx_path),
        fp16_mode=bool(fp16_mode),
        int8_mode=bool(int8_mode),
        cache_file=os.fspath(cache_file) if int8_mode and cache_file else None,
        engine_path=_engine_path(onnx_path, engine_path),
        opt_shape_dict=opt_shape_dict,
        max_batch_size=int(config.pop("max_batch_size", 0) or 0),
        max_workspace_size=_workspace_bytes(max_workspace_size),
    )
    config.pop("gpu_device_id", None)
    options.update({key: _option_text(value) for key, value in config.items()})
    return options


def _calibrate(onnx_path: str, cache_file: str, calibration_set: Optional[List[Any]],
               load_item_func: Optional[Callable], max_item_shape: Optional[List[int]],
               stream_batch_size: int) -> None:
    """Writes ``cache_file`` from ``calibration_set`` unless it exists (TensorRT's calibrators reuse
    an existing cache the same way)."""
    if os.path.exists(cache_file):
        return
    if calibration_set is None:
        raise _bad_input(f"int8_mode needs calibration_set (the items given to load_item_func) or an existing "
                         f"cache_file; {cache_file} does not exist")
    piu.calibrate(onnx_path, calibration=calibration_set, load_item_func=load_item_func,
                  max_item_shape=max_item_shape, batch_size=stream_batch_size, cache=cache_file)


def _write_int8_model(onnx_path: str, cache_file: str, qdq_path: str, calibration_set: Optional[List[Any]],
                      load_item_func: Optional[Callable], max_item_shape: Optional[List[int]],
                      stream_batch_size: int) -> None:
    """Writes ``qdq_path``: ``piu.quantize`` with target "tensorrt" (symmetric int8, zero points 0)
    on the ranges of ``cache_file``, so its scales are the cache's. Its output SQNR against the ONNX
    model is measured on up to 32 items of ``calibration_set`` (random inputs without one). The
    engine path's folder is made for it, as for the engine file, and removed again on failure."""
    folder = os.path.dirname(qdq_path)
    made = not os.path.isdir(folder)
    os.makedirs(folder, exist_ok=True)
    try:
        piu.quantize(onnx_path, qdq_path, from_cache=cache_file, target="tensorrt", calibration=calibration_set,
                     load_item_func=load_item_func if calibration_set is not None else None,
                     max_item_shape=max_item_shape, batch_size=stream_batch_size)
    except BaseException:
        if made and not os.listdir(folder):
            os.rmdir(folder)
        raise


def _opt_shapes(options: Dict[str, str]) -> Dict[str, List[int]]:
    """{input: opt shape} from trt_profile_opt_shapes ("name:1x3x224x224,...")."""
    shapes = {}
    for item in filter(None, options.get("trt_profile_opt_shapes", "").split(",")):
        name, dims = item.split(":")
        shapes[name] = [int(d) for d in dims.split("x")]
    return shapes


def _warm_up(session: piu.Session, options: Dict[str, str]) -> None:
    """One run on zeros: ONNX Runtime builds engines for inputs without a profile at the first run.
    Inputs take their profile's opt shape, or their static dims with 1 for dynamic ones."""
    opt = _opt_shapes(options)
    inputs = []
    for info in session.inputs:
        shape = opt.get(info["name"]) or [d if d >= 0 else 1 for d in info["shape"]]
        inputs.append(np.zeros(shape, dtype=info["dtype"]))
    session.run(inputs)


def _write_engine_file(path: str, onnx_path: str, gpu_device_id: int, options: Dict[str, str]) -> None:
    record = {"format": ENGINE_FILE_FORMAT, "onnx": onnx_path, "gpu_device_id": gpu_device_id,
              "provider_options": options}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(record, f, indent=2)
    os.replace(path + ".tmp", path)


def _read_engine_file(path: PathLike) -> Dict[str, Any]:
    try:
        with open(os.fspath(path)) as f:
            record = json.load(f)
        if record.get("format") == ENGINE_FILE_FORMAT:
            return record
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        pass
    raise _bad_input(f"{os.fspath(path)} is not an engine written by build_engine: piu runs TensorRT through ONNX "
                     "Runtime, which builds engines from the ONNX model (TRTEngineBuilder().build_engine(onnx_path, "
                     "engine_path=...)); it cannot load an engine serialized by TensorRT's own builder")


def save_engine(engine: Any, path: PathLike) -> None:
    """Writes ``engine`` (a ``TRTRunWrapper`` or the path of an engine ``build_engine`` wrote) to
    ``path``. The engine cache it names stays where it was built."""
    require_tensorrt()
    source = engine.trt_path if isinstance(engine, TRTRunWrapper) else engine
    _read_engine_file(source)
    shutil.copyfile(os.fspath(source), os.fspath(path))


def load_engine(path: PathLike, log_level: Any = None) -> "TRTRunWrapper":
    """Opens an engine ``build_engine`` wrote, ready to run (``log_level`` is accepted for the seed's
    signature; ONNX Runtime logs only fatal errors)."""
    return TRTRunWrapper(path)


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
) -> str:
    """Builds a TensorRT engine from an ONNX file through piu's tensorrt backend; returns its path.

    In order: the builder config is checked (``gpu_device_id``, ``max_batch_size``, ``trt_*``);
    with ``int8_mode``, ``calibration_set`` is read through ``load_item_func`` in batches of
    ``stream_batch_size`` (``max_item_shape`` = [C, H, W]) into ``cache_file``, TensorRT's
    calibration cache (``piu.calibrate``; an existing cache is used as it is), and the int8 Q/DQ
    model an engine would be built from is written from that cache to ``int8_model_path(engine
    path)`` (``<engine path without suffix>.int8.onnx``; ``piu.quantize(from_cache=cache_file,
    target="tensorrt")``: symmetric int8, the cache's scales); then TensorRT itself is checked
    (TensorRTUnavailableError with what to install when it cannot run here; after int8_mode's files
    it begins "wrote CACHE and MODEL; TensorRT is needed to build the engine: "); then a
    ``piu.Session(backend="tensorrt")`` opens on the ONNX model with ``engine_provider_options``
    (the cache as TensorRT's calibration table, engine caching in ``engine_path``'s folder), runs
    once so that ONNX Runtime builds and caches the engine, and ``engine_path`` (default ``<onnx
    stem>.trt`` beside the ONNX file) is written for ``TRTRunWrapper``. Without int8_mode nothing is
    written when TensorRT is missing.
    """
    config = _split_builder_config(builder_config)
    onnx = os.path.abspath(os.fspath(onnx_path))
    path = _engine_path(onnx, engine_path)
    if int8_mode:
        cache, qdq = os.fspath(cache_file), int8_model_path(path)
        _calibrate(onnx, cache, calibration_set, load_item_func, max_item_shape, stream_batch_size)
        _write_int8_model(onnx, cache, qdq, calibration_set, load_item_func, max_item_shape, stream_batch_size)
    require_tensorrt(written=[cache, qdq] if int8_mode else [])
    gpu_device_id = int(config.get("gpu_device_id", 0))
    options = engine_provider_options(onnx, fp16_mode, int8_mode, cache_file, engine_path, opt_shape_dict,
                                      max_workspace_size, **config)
    session = piu.Session(onnx, backend="tensorrt", device=f"cuda:{gpu_device_id}", provider_options=options)
    _warm_up(session, options)
    _write_engine_file(path, onnx, gpu_device_id, options)
    return path


class TRTEngineBuilder:
    """The seed's engine builder: ``cfg`` and keyword arguments override ``DEFAULT_TRT_CONFIG``.

    Its keys: use_opt_shapes (apply opt_shape_dict when build_engine is given none), opt_shape_dict,
    max_workspace_size, stream_batch_size, cache_file; any other key (``gpu_device_id``,
    ``max_batch_size``, ``trt_*``) is builder config for every build.
    """

    def __init__(self, cfg: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        self.cfg = dict(DEFAULT_TRT_CONFIG)
        self.cfg.update(cfg or {})
        self.cfg.update(kwargs)

    def _arguments(self, stream_batch_size: Optional[int], cache_file: Optional[str],
                   opt_shape_dict: Optional[Dict[str, List[List[int]]]], max_workspace_size: Optional[List[int]],
                   builder_config: Dict[str, Any]) -> Dict[str, Any]:
        """The module functions' keyword arguments: this builder's config for those left None."""
        if opt_shape_dict is None and self.cfg.get("use_opt_shapes"):
            opt_shape_dict = self.cfg["opt_shape_dict"]
        config = {k: v for k, v in self.cfg.items() if k not in DEFAULT_TRT_CONFIG}
        config.update(builder_config)
        return dict(stream_batch_size=stream_batch_size or self.cfg["stream_batch_size"],
                    cache_file=cache_file or self.cfg["cache_file"], opt_shape_dict=opt_shape_dict,
                    max_workspace_size=max_workspace_size or self.cfg["max_workspace_size"], **config)

    def provider_options(
        self,
        onnx_path: PathLike,
        fp16_mode: bool = False,
        int8_mode: bool = False,
        cache_file: Optional[str] = None,
        engine_path: Optional[PathLike] = None,
        opt_shape_dict: Optional[Dict[str, List[List[int]]]] = None,
        max_workspace_size: Optional[List[int]] = None,
        **builder_config: Any,
    ) -> Dict[str, str]:
        """``engine_provider_options`` with this builder's config: the options ``build_engine`` uses."""
        arguments = self._arguments(None, cache_file, opt_shape_dict, max_workspace_size, builder_config)
        del arguments["stream_batch_size"]
        return engine_provider_options(onnx_path, fp16_mode, int8_mode, engine_path=engine_path, **arguments)

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
    ) -> str:
        """``build_engine`` with this builder's config for the options left None; returns the engine's path.

        Raises TensorRTUnavailableError where TensorRT cannot run, having written only int8_mode's
        calibration cache and Q/DQ model (``int8_model_path``), which its message names.
        """
        arguments = self._arguments(stream_batch_size, cache_file, opt_shape_dict, max_workspace_size, builder_config)
        return build_engine(onnx_path, fp16_mode=fp16_mode, int8_mode=int8_mode, calibration_set=calibration_set,
                            load_item_func=load_item_func, max_item_shape=max_item_shape, engine_path=engine_path,
                            **arguments)


class TRTRunWrapper:
    """Runs an engine ``build_engine`` wrote: ``piu.Session(backend="tensorrt")`` over its ONNX model
    with the provider options it was built with, so ONNX Runtime loads the cached engine.

    ``gpu_device_id`` (piu's addition) overrides the GPU the engine file names.
    """

    def __init__(self, trt_path: PathLike, gpu_device_id: Optional[int] = None) -> None:
        require_tensorrt()
        record = _read_engine_file(trt_path)
        self.trt_path = os.fspath(trt_path)
        device = record["gpu_device_id"] if gpu_device_id is None else int(gpu_device_id)
        self.session = piu.Session(record["onnx"], backend="tensorrt", device=f"cuda:{device}",
                                   provider_options=record["provider_options"])

    def run(self, img: Any) -> List[np.ndarray]:
        """Runs one array (the first input), a list of arrays or a dict {input name: array}; returns
        the outputs as a list of arrays."""
        if isinstance(img, (list, tuple, dict)):
            return self.session.run(img)
        return self.session.run([img])


class TRTWrapper(ONNXWrapper):
    """The seed's wrapper: ONNX Runtime on the CPU (``gpu_device_id=None``), TensorRT on GPU N.

    On the CPU it is an ``ONNXWrapper`` over ``onnx_path`` (hooks, ``run`` and threads as there).
    With ``gpu_device_id`` it runs the engine at ``trt_path``, or one ``TRTEngineBuilder`` builds
    from ``onnx_path`` (with ``fp16_mode``), through ``TRTRunWrapper``; ``run`` keeps the hooks.
    Where TensorRT cannot run it raises TensorRTUnavailableError saying what to install.
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
        self.fp16_mode = fp16_mode
        if gpu_device_id is None:
            if onnx_path is None:
                raise ValueError("TRTWrapper: onnx_path is required without gpu_device_id (ONNX Runtime on the CPU)")
            super().__init__(onnx_path, None, intra_op_num_threads, inter_op_num_threads)
            return
        require_tensorrt()
        if trt_path is None and onnx_path is None:
            raise ValueError("TRTWrapper: onnx_path or trt_path is required")
        self.is_using_tensorrt = True
        self.inter_op_num_threads = inter_op_num_threads or 0
        if trt_path is None:
            trt_path = TRTEngineBuilder(gpu_device_id=gpu_device_id).build_engine(onnx_path, fp16_mode=fp16_mode)
        self.trt_session = TRTRunWrapper(trt_path, gpu_device_id=gpu_device_id)

    def _run_session_(self, inputs: Any) -> List[np.ndarray]:
        if self.is_using_tensorrt:
            return self.trt_session.run(inputs)
        return super()._run_session_(inputs)

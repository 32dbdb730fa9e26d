"""piu: PyTorch models to verified production inference, from Python.

A thin layer over piu's C++ library (the same functions the `piu` command line calls):

* ``Session(path, threads=0, backend="auto")`` runs ONNX models (ONNX Runtime) and TorchScript files
  (LibTorch) on numpy arrays without copying them; ``run`` releases the GIL and may be called from
  several threads at once.
* ``export(model, output, example_inputs=... or shapes=..., opset=..., dynamic=...)`` exports a
  live ``torch.nn.Module`` (traced in this process and handed to the C++ exporter in memory), a
  ``torch.jit.ScriptModule`` or a TorchScript file, verified against LibTorch before it is written.
* One function per job -- ``inspect``, ``optimize``, ``simplify``, ``round_weights``, ``fp16``,
  ``compare``, ``bench`` -- taking the command's options as keyword arguments and
  returning its ``--json`` report as a dict. Jobs that write a model verify it first and write
  nothing when it differs.
* ``calibrate`` and ``quantize`` take calibration data as a folder, an iterable of arrays (or of
  ``{input name: array}`` dicts), or the seed's ``calibration_set`` with a ``load_item_func``
  called from the job (the GIL held only around each call; its exception is raised again as
  itself). ``quantize`` writes the int8 model and reports its output SQNR against the input.
* ``deploy(model, output_dir, ...)`` is ``piu deploy``: export or load, round weights, optimize,
  simplify, int8 or fp16, verify, benchmark; writes ``model.onnx`` and ``report.md`` (and
  ``latency.png``) or nothing, with ``progress=callable(line)`` for its progress lines.
* ``check_tensorrt_health()`` says whether the "tensorrt" backend (ONNX Runtime's TensorRT provider)
  can run here and, when not, what to install; ``tensorrt_provider_options(model, fp16_mode=...,
  int8_mode=..., cache_file=..., engine_path=..., opt_shape_dict=...)`` turns the seed's
  TRTEngineBuilder parameters into that provider's options for ``Session(..., backend="tensorrt")``.
* Every failure raises a subclass of ``piu.Error`` (a ``RuntimeError``) whose ``code`` names the
  kind of error and whose message is the command line's one-line message.
"""
from ._piu import (
    BackendError,
    BadInputError,
    Error,
    InternalError,
    IoError,
    Session,
    UnsupportedError,
    VerificationError,
    __version__,
    bench,
    calibrate,
    check_tensorrt_health,
    compare,
    deploy,
    fp16,
    inspect,
    optimize,
    quantize,
    round_weights,
    simplify,
    tensorrt_provider_options,
    versions,
)
from ._export import export

__all__ = [
    "BackendError",
    "BadInputError",
    "Error",
    "InternalError",
    "IoError",
    "Session",
    "UnsupportedError",
    "VerificationError",
    "__version__",
    "bench",
    "calibrate",
    "check_tensorrt_health",
    "compare",
    "deploy",
    "export",
    "fp16",
    "inspect",
    "optimize",
    "quantize",
    "round_weights",
    "simplify",
    "tensorrt_provider_options",
    "versions",
]

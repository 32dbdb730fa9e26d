"""piu: PyTorch models to verified production inference, from Python.

A thin layer over piu's C++ library (the same functions the `piu` command line calls):

* ``Session(path, threads=0, backend="auto")`` runs ONNX models (ONNX Runtime) and TorchScript files
  (LibTorch) on numpy arrays without copying them; ``run`` releases the GIL and may be called from
  several threads at once.
* One function per job -- ``inspect``, ``optimize``, ``simplify``, ``round_weights``, ``fp16``,
  ``export``, ``compare``, ``bench`` -- taking the command's options as keyword arguments and
  returning its ``--json`` report as a dict. Jobs that write a model verify it first and write
  nothing when it differs.
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
    compare,
    export,
    fp16,
    inspect,
    optimize,
    round_weights,
    simplify,
    versions,
)

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
    "compare",
    "export",
    "fp16",
    "inspect",
    "optimize",
    "round_weights",
    "simplify",
    "versions",
]

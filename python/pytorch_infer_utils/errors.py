"""The package's own errors: what piu cannot do yet, as subclasses of piu.UnsupportedError."""
import piu


class UnavailableError(piu.UnsupportedError):
    """A seed feature whose piu backend is not there yet (GPU sessions, TensorRT).

    A ``piu.UnsupportedError`` (so ``except piu.Error`` catches it) with ``code == "unsupported"``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "unsupported"


class TensorRTUnavailableError(UnavailableError):
    """TensorRT is needed but piu has no TensorRT backend on this machine."""


TENSORRT_MISSING = (
    "TensorRT is not available: piu is built without its TensorRT backend and no TensorRT is installed; "
    "it needs an NVIDIA GPU with CUDA, NVIDIA TensorRT >= 8 (with its Python package `tensorrt`) and "
    "piu built with TensorRT"
)


def raise_tensorrt_missing() -> None:
    """Raises TensorRTUnavailableError with the one-line reason and what to install."""
    raise TensorRTUnavailableError(TENSORRT_MISSING)

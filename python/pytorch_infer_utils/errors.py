"""The package's own errors: what piu cannot do (here), as subclasses of piu.UnsupportedError."""
import piu


class UnavailableError(piu.UnsupportedError):
    """A seed feature piu cannot provide (here): TensorRT missing, an export option piu lacks.

    A ``piu.UnsupportedError`` (so ``except piu.Error`` catches it) with ``code == "unsupported"``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "unsupported"


class TensorRTUnavailableError(UnavailableError):
    """TensorRT cannot run here; the message says what is missing and what to install."""


def require_tensorrt() -> None:
    """Returns when piu's tensorrt backend can run here; otherwise raises TensorRTUnavailableError with
    ``piu.check_tensorrt_health()``'s one line (what is missing and what to install)."""
    health = piu.check_tensorrt_health()
    if not health["ok"]:
        raise TensorRTUnavailableError(health["message"])

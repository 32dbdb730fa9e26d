"""The package's own errors: what piu cannot do (here), as subclasses of piu.UnsupportedError."""
from typing import Sequence

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


def require_tensorrt(written: Sequence[str] = ()) -> None:
    """Returns when piu's tensorrt backend can run here; otherwise raises TensorRTUnavailableError with
    ``piu.check_tensorrt_health()``'s one line (what is missing and what to install), after "wrote A
    and B; TensorRT is needed to build the engine: " when files were ``written`` on the way."""
    health = piu.check_tensorrt_health()
    if health["ok"]:
        return
    if written:
        raise TensorRTUnavailableError(f"wrote {' and '.join(written)}; TensorRT is needed to build the engine: "
                                       f"{health['message']}")
    raise TensorRTUnavailableError(health["message"])

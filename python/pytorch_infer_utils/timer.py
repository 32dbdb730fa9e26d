"""ReportTime and report_time_decorator: average wall time per call, printed as the seed prints it."""
import functools
import time
from typing import Any, Callable, List, Optional


class ReportTime:
    """Context manager timing each ``with`` block in milliseconds.

    ``with timer: ...`` records one sample; ``time()`` averages the samples (optionally skipping
    the first ``warmup`` ones) and prints ``Speed(<name>): <ms> ms per sample``.
    """

    def __init__(self) -> None:
        self._start: Optional[float] = None
        self._times: List[float] = []

    def __enter__(self) -> "ReportTime":
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        assert self._start is not None
        self._times.append(1000.0 * (time.perf_counter() - self._start))
        self._start = None

    @property
    def times(self) -> List[float]:
        """The recorded samples, in milliseconds (a copy)."""
        return list(self._times)

    def reset(self) -> None:
        """Forgets every sample."""
        self._start = None
        self._times = []

    def time(self, process_name: str = "", warmup: Optional[int] = None, verbose: bool = True) -> float:
        """Returns the average of the samples in milliseconds.

        With ``warmup`` and more than ``warmup`` samples, the first ``warmup`` are left out and
        ``Using warmup: first <warmup> iterations`` is printed (as the seed does, even when not
        verbose). With ``verbose``, prints ``Speed(<process_name>): <avg>.3f ms per sample`` and a
        blank line (``Speed: ...`` without a name). Raises ValueError when nothing was timed.
        """
        if not self._times:
            raise ValueError("ReportTime.time: nothing was timed yet (use `with report_time: ...` first)")
        samples = self._times
        if warmup and len(self._times) > warmup:
            print(f"Using warmup: first {warmup} iterations")
            samples = self._times[warmup:]
        average = sum(samples) / len(samples)
        if verbose:
            name = f"({process_name})" if process_name else ""
            print(f"Speed{name}: {average:.3f} ms per sample\n")
        return average


def report_time_decorator(process_name: str = "", warmup: Optional[int] = None) -> Callable:
    """Decorator printing the wall time of every call of the function (``Speed(<name>): ...``).

    Each call is timed on its own, so ``warmup`` (kept for the seed's signature) never leaves a
    sample out. Returns what the function returns.
    """

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            reporter = ReportTime()
            with reporter:
                result = func(*args, **kwargs)
            reporter.time(process_name, warmup, verbose=True)
            return result

        return wrapper

    return decorator

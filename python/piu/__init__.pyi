# Type stub of the piu package's public API (the extension module piu._piu).
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np

__version__: str

# None; "input:-1x3x224x224" (several separated by ';' or spaces); [1, 3, 224, 224] (the first
# input; None or -1 for dynamic dims); {"input": [-1, 3, 224, 224]}; or a list of such strings and lists.
ShapeSpecs = Union[None, str, Sequence[Optional[int]], Mapping[str, Union[str, Sequence[Optional[int]]]],
                   Sequence[Union[str, Sequence[Optional[int]]]]]
Report = Dict[str, Any]
# Inputs to verify on instead of random values: {input name: array}, or "NAME=FILE.npy" / "FILE.npz"
# strings (as --input reads them).
GivenInputs = Union[None, str, Mapping[str, np.ndarray], Sequence[str]]
# Ranges of random integer inputs: {input name: (low, high)} (low <= v < high) or "NAME:LO:HI" strings.
IntRanges = Union[None, str, Mapping[str, Sequence[int]], Sequence[str]]
# A folder of .npy files, .npz files (an array per input name) or images; arrays (items or batches); {input name: array} dicts; or, with
# load_item_func, the items passed to it (the seed's calibration_set).
Calibration = Union[str, os.PathLike, np.ndarray, Iterable[np.ndarray], Iterable[Mapping[str, np.ndarray]],
                    Iterable[Any]]
ItemShape = Union[None, str, Sequence[int]]

class Error(RuntimeError):
    code: str  # "bad input", "unsupported", "i/o error", "backend error", "verification failed", "internal error"

class BadInputError(Error): ...
class UnsupportedError(Error): ...
class IoError(Error): ...
class BackendError(Error): ...
class VerificationError(Error): ...
class InternalError(Error): ...

class Session:
    def __init__(self, path: str, threads: int = 0, backend: str = "auto", device: str = "cpu",
                 provider_options: Mapping[str, str] = {}) -> None: ...
    # Dicts with name (str), dtype (numpy dtype name), shape (list, -1 = dynamic), dim_names, rank_known.
    @property
    def inputs(self) -> List[Dict[str, Any]]: ...
    @property
    def outputs(self) -> List[Dict[str, Any]]: ...
    @property
    def backend(self) -> str: ...
    @property
    def path(self) -> str: ...
    def run(self, inputs: Union[Sequence[np.ndarray], Mapping[str, np.ndarray]],
            as_dict: bool = False) -> Union[List[np.ndarray], Dict[str, np.ndarray]]: ...

def inspect(path: str) -> Report: ...
def optimize(input: str, output: str, *, passes: Optional[List[str]] = None, fixed_point: bool = False,
             verify: bool = True, threads: int = 0, batches: Optional[List[int]] = None,
             rel_tol: Optional[float] = None, verify_shapes: ShapeSpecs = None, inputs: GivenInputs = None,
             int_ranges: IntRanges = None) -> Report: ...
def simplify(input: str, output: str, *, input_shapes: ShapeSpecs = None, max_fold_bytes: int = 16 << 20,
             skip_optimize: bool = False, verify: bool = True, threads: int = 0,
             batches: Optional[List[int]] = None, rel_tol: Optional[float] = None,
             verify_shapes: ShapeSpecs = None, inputs: GivenInputs = None, int_ranges: IntRanges = None) -> Report: ...
def round_weights(input: str, output: str, *, digits: int = 16, verify: bool = True, threads: int = 0,
                  batches: Optional[List[int]] = None, rel_tol: Optional[float] = None,
                  verify_shapes: ShapeSpecs = None, inputs: GivenInputs = None,
                  int_ranges: IntRanges = None) -> Report: ...
def fp16(input: str, output: str, *, keep_io_types: bool = False, op_block_list: Optional[List[str]] = None,
         node_block_list: List[str] = [], verify: bool = True, threads: int = 0,
         batches: Optional[List[int]] = None, rel_tol: Optional[float] = None,
         verify_shapes: ShapeSpecs = None, inputs: GivenInputs = None, int_ranges: IntRanges = None) -> Report: ...
def export(model: Union[str, "os.PathLike[str]", Any], output: Union[str, "os.PathLike[str]"], *,
           example_inputs: Any = None, shapes: ShapeSpecs = None, dynamic: Union[None, bool, Dict[Any, Any]] = None,
           input_names: Sequence[str] = (), output_names: Sequence[str] = (), opset: int = 11,
           constant_folding: bool = True, keep_initializers_as_inputs: bool = False, verify: bool = True,
           threads: int = 0, batches: Optional[List[int]] = None, rel_tol: Optional[float] = None,
           verify_shapes: ShapeSpecs = None, inputs: GivenInputs = None, int_ranges: IntRanges = None) -> Report:
    """Exports a live torch.nn.Module (traced in memory), a ScriptModule or a TorchScript file to ONNX,
    verified against LibTorch before it is written; returns the report."""
    ...
def compare(a: str, b: str, *, backend_a: str = "auto", backend_b: str = "auto", device_a: str = "cpu",
            device_b: str = "cpu", provider_options_a: Dict[str, str] = {}, provider_options_b: Dict[str, str] = {},
            inputs: List[str] = [], shapes: ShapeSpecs = None, seed: int = 0, batch: int = 1,
            abs_tol: float = 1e-4, rel_tol: float = 1e-3, min_sqnr_db: float = 0.0, threads: int = 0,
            int_ranges: IntRanges = None) -> Report: ...
def bench(model: str, *, batches: List[int] = [1], backend: str = "auto", threads: int = 0, device: str = "cpu",
          provider_options: Dict[str, str] = {}, io: str = "host",
          inputs: List[str] = [], shapes: ShapeSpecs = None, seed: int = 0, warmup: int = 10,
          iterations: int = 0, duration_s: float = 3.0, int_ranges: IntRanges = None) -> Report: ...
def calibrate(model: str, *, calibration: Calibration, load_item_func: Optional[Callable[[Any], np.ndarray]] = None,
              method: Optional[str] = None, percentile: float = 99.999, batch_size: int = 100,
              max_item_shape: ItemShape = None, cache: Optional[str] = None, threads: int = 0) -> Report: ...
def quantize(model: str, output: str, *, calibration: Optional[Calibration] = None,
             load_item_func: Optional[Callable[[Any], np.ndarray]] = None, from_cache: Optional[str] = None,
             method: Optional[str] = None, percentile: float = 99.999, target: str = "ort", per_channel: bool = True,
             exclude: List[str] = [], max_error: Union[None, float, str] = None, sensitivity_runs: int = 64,
             batch_size: int = 100, max_item_shape: ItemShape = None, cache: Optional[str] = None,
             threads: int = 0, verify: bool = True, shapes: ShapeSpecs = None, inputs: GivenInputs = None,
             int_ranges: IntRanges = None) -> Report: ...
def deploy(model: str, output_dir: str, *, shapes: ShapeSpecs = None, input_shapes: ShapeSpecs = None,
           opset: int = 17, round_weights: bool = True, optimize: bool = True, simplify: bool = True,
           int8: bool = False, fp16: bool = False, calibration: Optional[Calibration] = None,
           load_item_func: Optional[Callable[[Any], np.ndarray]] = None, max_error: Union[None, float, str] = None,
           target: str = "ort", method: Optional[str] = None, percentile: float = 99.999, batch_size: int = 100,
           max_item_shape: ItemShape = None, verify: bool = True, bench: bool = True,
           bench_batches: Sequence[int] = (1, 8), bench_rounds: int = 3, bench_duration_s: float = 1.0,
           threads: int = 0, backend: str = "auto", progress: Optional[Callable[[str], Any]] = None,
           inputs: GivenInputs = None, int_ranges: IntRanges = None) -> Report: ...
def versions() -> Dict[str, str]: ...
def check_tensorrt_health() -> Dict[str, Any]: ...
def tensorrt_provider_options(model: str, *, fp16_mode: bool = False, int8_mode: bool = False,
                              cache_file: Optional[str] = None, engine_path: Optional[str] = None,
                              opt_shape_dict: Optional[Mapping[str, Sequence[Sequence[int]]]] = None,
                              max_batch_size: int = 0, max_workspace_size: int = 0) -> Dict[str, str]: ...

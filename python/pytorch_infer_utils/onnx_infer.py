"""ONNXWrapper: the seed's inference base class over piu.Session."""
import os
from typing import Any, List, Optional, Union

import numpy as np

import piu



class ONNXWrapper:
    """Base class for model wrappers: ``run(img)`` = ``_process_img_`` → ``piu.Session.run`` → ``_process_preds_``.

    Subclasses override the two hooks (both pass their argument through by default).
    ``_process_img_`` may return one array (fed to the model's first input), a list of arrays or
    a dict {input name: array}; ``_process_preds_`` gets the list of output arrays.

    ``gpu_device_id=N`` runs the model on ONNX Runtime's CUDA provider on GPU N (the seed used
    onnx-tensorrt there; ``TRTWrapper`` is the TensorRT path): it needs ONNX Runtime's GPU build,
    and without it ``piu.UnsupportedError`` names the runtime and what is missing. piu has one thread
    count per session: ``intra_op_num_threads`` is used (0 lets ONNX Runtime choose) and
    ``inter_op_num_threads`` is accepted for the seed's signature but has no effect (piu runs
    graphs sequentially).
    """

    def __init__(
        self,
        onnx_path: Union[str, "os.PathLike[str]"],
        gpu_device_id: Optional[int] = None,
        intra_op_num_threads: Optional[int] = 0,
        inter_op_num_threads: Optional[int] = 0,
    ) -> None:
        self.is_using_tensorrt = False
        self.inter_op_num_threads = inter_op_num_threads or 0
        device = "cpu" if gpu_device_id is None else f"cuda:{int(gpu_device_id)}"
        self.ort_session = piu.Session(os.fspath(onnx_path), threads=intra_op_num_threads or 0, device=device)

    def _process_img_(self, img: Any) -> Any:
        """Turns the caller's item into the model's input(s); the default passes it through."""
        return img

    def _process_preds_(self, preds: List[np.ndarray]) -> Any:
        """Turns the model's outputs into the result; the default returns the list of arrays."""
        return preds

    def _run_session_(self, inputs: Any) -> List[np.ndarray]:
        if isinstance(inputs, (list, tuple, dict)):
            return self.ort_session.run(inputs)
        return self.ort_session.run([inputs])

    def run(self, img: Any) -> Any:
        """Runs one item (or batch) through the hooks and the model; returns ``_process_preds_``'s result."""
        inputs = self._process_img_(img)
        preds = self._run_session_(inputs)
        return self._process_preds_(preds)

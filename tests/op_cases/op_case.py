"""One test case of one or more aten converters: a tiny module, traced (or scripted) with example
inputs, exported by piu and compared with LibTorch on those same inputs (tests/gen_op_cases.py,
tests/cli/test_op_cases.py). Case files are tests/op_cases/ops_*.py, each with a list CASES."""
import inspect
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn


def default_names(n):
    """x, y, z, w, then x4, x5, ...: the input names of a case whose function has no signature."""
    return ["x", "y", "z", "w"][:n] + [f"x{i}" for i in range(4, n)]


def function_module(fn: Callable, names: Sequence[str]) -> nn.Module:
    """A module whose forward(self, <names>) returns fn(<names>): the traced graph's inputs carry
    those names, as a real module's forward() arguments would."""
    args = ", ".join(names)
    namespace = {}
    exec(f"def forward(self, {args}):\n    return self.fn({args})\n", namespace)  # noqa: S102 (test code)
    module = type("Fn", (nn.Module,), {"forward": namespace["forward"]})()
    module.fn = fn
    return module


@dataclass
class Case:
    """ops: the aten (or torchvision) ops this case covers, e.g. ["aten::prelu"].
    module: an nn.Module, or a function of the inputs (wrapped by function_module).
    inputs: the example inputs: traced with, saved as .npy, and the compared values (integer
      inputs must be valid for the op: indices in range, etc.).
    dynamic: per input, which dims stay dynamic in the export (-1), e.g. ("-1x3x8x8",); default:
      dim 0 of every input of rank >= 2 (the batch), other inputs static. Use "" for static.
    opset: the lowest ONNX opset the converter supports (tested there and at 17 when that is higher).
    name: file name; defaults to the first op's name without its namespace.
    script: torch.jit.script instead of torch.jit.trace.
    names: ONNX input names; default: forward()'s argument names (x, y, ... for a function)."""

    ops: Sequence[str]
    module: Union[nn.Module, Callable]
    inputs: Tuple[torch.Tensor, ...]
    dynamic: Optional[Sequence[str]] = None
    opset: int = 11
    name: str = ""
    script: bool = False
    names: Optional[Sequence[str]] = None
    atol: float = 1e-4
    rtol: float = 1e-3
    notes: str = field(default="")

    def resolved(self):
        """The case with name, module, names and dynamic specs filled in."""
        inputs = self.inputs if isinstance(self.inputs, tuple) else (self.inputs,)
        names = list(self.names) if self.names else None
        module = self.module
        if not isinstance(module, nn.Module):
            if names is None:
                try:
                    params = list(inspect.signature(module).parameters)
                except (TypeError, ValueError):  # a builtin such as torch.relu
                    params = []
                names = params[: len(inputs)] if len(params) >= len(inputs) else default_names(len(inputs))
            module = function_module(module, names)
        if names is None:
            params = [p for p in inspect.signature(module.forward).parameters if p != "self"]
            names = params[: len(inputs)] if len(params) >= len(inputs) else default_names(len(inputs))
        dynamic = list(self.dynamic) if self.dynamic is not None else [
            "x".join(["-1"] + [str(d) for d in t.shape[1:]]) if t.dim() >= 2 else "" for t in inputs]
        specs = [d or "x".join(str(s) for s in t.shape) for d, t in zip(dynamic, inputs)]
        name = self.name or self.ops[0].split("::")[-1]
        return name, module.eval(), inputs, names, specs

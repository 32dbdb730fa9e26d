"""Converter cases for the ops torch 2.x's torch.onnx converts at opset <= 17 and torch 1.13's does
not (tests/zoo/onnx_coverage.py, run with torch 2.11): they exist in torch 1.13 too, so they are
traced here."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


def numpy_like(x, v):
    s = x.sum()  # 0-d
    return (torch.atleast_1d(s), torch.atleast_2d(v), torch.atleast_3d(x), torch.atleast_3d(v),
            torch.hstack([x, x * 2]), torch.hstack([v, v]), torch.vstack([x, x + 1]), torch.vstack([v, v]),
            torch.broadcast_to(v, (2, 3, 4)), torch.tile(x, (2,)), torch.tile(v, (2, 1, 3)))


def math_ops(y, x):
    x = torch.where(x.abs() < 1e-3, torch.ones_like(x), x)
    p = torch.sigmoid(y)
    return torch.atan2(y, x), torch.logit(p), torch.logit(p, eps=0.25), F.mse_loss(y, x), \
        F.mse_loss(y, x, reduction="none"), F.mse_loss(y, x, reduction="sum")


def shifts(a):
    return torch.bitwise_left_shift(a, 2), torch.bitwise_right_shift(a, 1), torch.bitwise_right_shift(-a, 1)


def bitwise_ints(a):
    return torch.bitwise_or(a, 6), torch.bitwise_and(a, 12), a | 1


class Contains(nn.Module):
    """`in` on a list in scripted code (aten::__contains__), known at conversion time."""

    def forward(self, x):
        sizes: List[int] = [1, 3, 5]
        if x.size(1) in sizes:
            return x * 2
        return x - 1


def fill_in_place(x):
    y = x * 1
    y.masked_fill_(x > 0.5, -1.0)
    return y


def scatter_reduce(x):
    index = torch.tensor([[0, 1, 0, 2], [2, 2, 1, 0]])
    src = torch.arange(8, dtype=torch.float32).reshape(2, 4) + 1
    return (x.scatter_reduce(1, index, src, "sum"), x.scatter_reduce(1, index, src, "prod"),
            x.scatter_reduce(1, index, src, "sum", include_self=False))


def scatter_reduce_max(x):
    index = torch.tensor([[0, 1, 0, 2], [2, 2, 1, 0]])
    src = torch.arange(8, dtype=torch.float32).reshape(2, 4) - 3
    return x.scatter_reduce(1, index, src, "amax"), x.scatter_reduce(1, index, src, "amin", include_self=False)


def randint(x):
    a = torch.randint(3, 7, (2, 5))
    b = torch.randint(4, (3,))
    c = torch.randint_like(x, 10)
    in_range = ((a >= 3) & (a < 7)).all() & ((b >= 0) & (b < 4)).all() & ((c >= 0) & (c < 10)).all()
    return in_range.float() + x * 0, (c == c.floor()).float()


CASES = [
    Case(["aten::atleast_1d", "aten::atleast_2d", "aten::atleast_3d", "aten::hstack", "aten::vstack",
          "aten::broadcast_to", "aten::tile"], numpy_like, (torch.randn(2, 4), torch.randn(4)), dynamic=("", ""),
         name="c_numpy_like"),
    Case(["aten::atan2", "aten::logit", "aten::mse_loss"], math_ops,
         (torch.tensor([[1.0, -1.0, 0.0, 2.0], [-2.0, 0.5, -0.5, 3.0]]),
          torch.tensor([[1.0, 1.0, -1.0, -2.0], [-1.0, -0.5, 2.0, 0.0]])), name="c_math"),
    Case(["aten::__contains__"], Contains(), (torch.randn(2, 3),), script=True, name="c_contains"),
    Case(["aten::bitwise_or", "aten::bitwise_and"], bitwise_ints, (torch.tensor([[1, 5, 7], [8, 3, 100]]),), opset=18,
         name="c_bitwise_ints"),
    Case(["aten::bitwise_left_shift", "aten::bitwise_right_shift"], shifts, (torch.tensor([[1, 5, 7], [8, 3, 100]]),),
         name="c_shifts"),
    Case(["aten::masked_fill_"], fill_in_place, (torch.rand(3, 4),), name="c_masked_fill_"),
    Case(["aten::scatter_reduce"], scatter_reduce, (torch.randn(2, 3),), dynamic=("",), opset=16,
         name="c_scatter_reduce"),
    Case(["aten::scatter_reduce"], scatter_reduce_max, (torch.randn(2, 3),), dynamic=("",), opset=18,
         name="c_scatter_reduce_max"),
    Case(["aten::randint", "aten::randint_like"], randint, (torch.randn(2, 3),), name="c_randint"),
]


def stft(x):
    window = torch.hann_window(16)
    return (torch.stft(x, 16, hop_length=4, window=window, return_complex=False),
            torch.stft(x, 16, hop_length=5, win_length=10, window=torch.hann_window(10), normalized=True,
                       center=False, return_complex=False),
            torch.stft(x[0], 8, return_complex=False, onesided=False))


CASES.append(Case(["aten::stft"], stft, (torch.randn(2, 64),), dynamic=("-1x64",), opset=17, name="c_stft"))


class InPlace(nn.Module):
    """In-place ops on whole tensors in scripted code: later reads of `y` see the changed tensor
    (the graph reads the argument's name, not the op's output, after the op)."""

    def forward(self, x):
        y = x * 2
        y.relu_()
        y.masked_fill_(y > 1.0, 0.5)
        y.add_(1)
        z = y * 3
        z.clamp_(max=4.0)
        return y + z


CASES.append(Case(["aten::relu_", "aten::masked_fill_", "aten::add_", "aten::clamp_"], InPlace(),
                  (torch.randn(2, 3),), script=True, name="c_inplace_scripted"))

"""Scatter and mask selection l..z: scatter, scatter_add, masked_select, masked_scatter, nonzero,
nonzero_numpy, take, one_hot. Index tensors are constants of the module (valid for the inputs)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


class Scatter(nn.Module):
    def __init__(self, reduce_ops):
        super().__init__()
        self.reduce_ops = reduce_ops
        self.register_buffer("index", torch.tensor([[0, 1, 2, 0], [2, 0, 0, 1]]))

    def forward(self, x, src):
        out = (x.scatter(1, self.index, src), x.scatter(0, self.index[:, :3], 7.5))
        if self.reduce_ops:
            out += (x.scatter_add(1, self.index, src), x.scatter(1, self.index, src, reduce="add"),
                    x.scatter(1, self.index, src, reduce="multiply"))
        return out


class Take(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("index", torch.tensor([[0, 5], [11, 3]]))

    def forward(self, x):
        return torch.take(x, self.index)


def masks(x):
    m = x > 0
    return (torch.masked_select(x, m), x.masked_scatter(m, x * 10), torch.nonzero(m)) + torch.nonzero(x[0] > 0, as_tuple=True)


CASES = [
    Case(["aten::scatter"], Scatter(False), (torch.randn(3, 4), torch.randn(2, 4)), dynamic=("3x4", "2x4"),
         name="b_scatter"),
    Case(["aten::scatter", "aten::scatter_add"], Scatter(True), (torch.randn(3, 4), torch.randn(2, 4)),
         dynamic=("3x4", "2x4"), opset=16, name="b_scatter_reduce"),
    Case(["aten::masked_select", "aten::masked_scatter", "aten::nonzero", "aten::nonzero_numpy"], masks,
         (torch.randn(2, 3, 4),), name="b_masks"),
    Case(["aten::take"], Take(), (torch.randn(3, 4),), dynamic=("3x4",), name="b_take"),
    Case(["aten::one_hot"], lambda i: (F.one_hot(i, 5), F.one_hot(i)), (torch.tensor([[0, 3, 1], [4, 2, 2]]),),
         name="b_one_hot"),
]

"""Sorting and selection l..z: topk, sort, unique_dim."""
import torch
import torch.nn as nn

from op_case import Case


def top_and_sort(x):
    v, i = torch.topk(x, 2)
    v2, i2 = torch.topk(x, 3, dim=1, largest=False, sorted=True)
    s, j = torch.sort(x, dim=1, descending=True)
    s2, j2 = torch.sort(x, stable=True)
    return v, i, v2, i2, s, j, s2, j2


class Unique(nn.Module):
    def forward(self, x):
        r = torch.round(x)
        return torch.unique(r, dim=0, return_inverse=True, return_counts=True) + (torch.unique(r, False, dim=1),)


CASES = [
    Case(["aten::topk", "aten::sort"], top_and_sort, (torch.randn(2, 5, 6),), name="b_topk_sort"),
    # rounded values in [-1, 1]: duplicate rows in 12 rows of 2
    Case(["aten::unique_dim"], Unique(), (torch.rand(12, 2) * 2 - 1,), dynamic=("12x2",), name="b_unique_dim"),
]

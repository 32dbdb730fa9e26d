"""Converter cases (engineer A, a..k): diagonal, as_strided, im2col (F.unfold)."""
import torch
import torch.nn.functional as F

from op_case import Case


def diag(x):
    return torch.diagonal(x, 0, 1, 2), torch.diagonal(x, 1, 1, 2), torch.diagonal(x, -2, -1, -2)


CASES = [
    Case(["aten::diagonal"], diag, (torch.randn(2, 4, 5),)),
    Case(["aten::as_strided"], lambda x: torch.as_strided(x, (3, 2), (1, 3), 1), (torch.randn(3, 4),), dynamic=("",)),
    Case(["aten::im2col"], lambda x: (F.unfold(x, 2), F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2)),
         (torch.randn(2, 3, 6, 7),), name="im2col_unfold"),
]

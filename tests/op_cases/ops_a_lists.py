"""Converter cases (engineer A, a..k): list mutation and range() indices in scripted loops."""
from typing import List

import torch
import torch.nn as nn

from op_case import Case


class ListLoop(nn.Module):
    def forward(self, x):
        out: List[torch.Tensor] = []
        for i in range(1, x.size(1), 2):
            out.append(x[:, i])
        out.insert(0, x[:, 0])
        out.insert(-1, x[:, 2] * 3)
        out[1] = out[1] * 2
        del out[-1]
        return torch.stack(out, 1)


CASES = [
    Case(["aten::append", "aten::insert", "aten::_set_item", "aten::Delete", "aten::__range_length",
          "aten::__derive_index"], ListLoop(), (torch.randn(2, 7),), script=True, name="list_mutation"),
]

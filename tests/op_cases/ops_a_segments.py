"""Converter cases (engineer A, a..k): embedding_bag, unique."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


class Bags(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.weight = nn.Parameter(torch.randn(10, 3))

    def forward(self, idx, offsets, rows):
        idx, offsets, rows = idx.long(), offsets.long(), rows.long()  # see ops_a_scatter.index_ops
        w = self.weight
        return (F.embedding_bag(idx, w, offsets), F.embedding_bag(idx, w, offsets, mode="mean"),
                F.embedding_bag(idx, w, offsets, mode="max"), F.embedding_bag(rows, w, mode="sum"),
                F.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=torch.linspace(0, 1, 8)),
                F.embedding_bag(idx, w, offsets, mode="mean", padding_idx=4),
                F.embedding_bag(idx, w, torch.cat([offsets, torch.tensor([8])]), include_last_offset=True))


def unique(x):
    x = x.long()  # see ops_a_scatter.index_ops
    values, inverse, counts = torch.unique(x, return_inverse=True, return_counts=True)
    v2, i2 = torch._unique(x, True, True)
    return values, inverse, counts, v2 * 2, i2


CASES = [
    Case(["aten::embedding_bag"], Bags(), (torch.tensor([1.0, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0.0, 3, 3, 5]),
                                           torch.tensor([[1.0, 2, 3], [4, 4, 0]])), dynamic=("8", "4", "2x3")),
    Case(["aten::_unique2", "aten::_unique"], unique, (torch.tensor([[3.0, 1, 2, 3], [1, 1, 5, 0]]),), dynamic=("2x4",)),
]


def renorm(w, ids):
    # the functional form; nn.Embedding(max_norm=...) calls embedding_renorm_ on its weight in
    # place, which freezing cannot fold (the weight stays a module attribute)
    return torch.ops.aten.embedding_renorm(w, ids.long(), 1.0, 2.0), torch.ops.aten.embedding_renorm(w, ids.long(), 0.5, 1.0)


CASES.append(Case(["aten::embedding_renorm"], renorm, (torch.randn(6, 4), torch.tensor([[1.0, 2], [0, 2]])), dynamic=("", "")))

"""Converter cases (engineer A, a..k): norms, distances, vector products."""
import torch
import torch.nn.functional as F

from op_case import Case


def cdist(a, b):
    return torch.cdist(a, b), torch.cdist(a, b, p=1), torch.cdist(a, b, p=3.0), torch.cdist(a, b, p=float("inf"))


def products(x, y):
    return (F.cosine_similarity(x, y, 1), torch.frobenius_norm(x, [1, 2]), torch.norm(y, p="fro", dim=(1, 2), keepdim=True),
            torch.cross(x[:, :3], y[:, :3], dim=1), torch.dot(x[0, 0], y[0, 0]))


def weight_norm(v, g):
    return torch._weight_norm(v, g, 0), torch._weight_norm(v, g.sum(), -1)


CASES = [
    Case(["aten::cdist"], cdist, (torch.randn(2, 4, 3), torch.randn(2, 5, 3))),
    Case(["aten::cosine_similarity", "aten::frobenius_norm", "aten::cross", "aten::dot"], products,
         (torch.randn(2, 4, 4), torch.randn(2, 4, 4))),
    Case(["aten::_weight_norm"], weight_norm, (torch.randn(4, 3, 2), torch.rand(4, 1, 1) + 0.5), dynamic=("", "")),
]

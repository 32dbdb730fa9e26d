"""Converter cases (engineer A, a..k): eye, hann_window, bernoulli (with certain outcomes)."""
import torch

from op_case import Case


def made(x):
    n = x.size(1)
    return torch.eye(3) + x[0, :3, :3], torch.eye(n, 4), torch.eye(2, dtype=torch.int64) + x.size(0), \
        torch.hann_window(5) + x[0, 0, :5], torch.hann_window(6, periodic=False, dtype=torch.float64) * x.size(0)


def coins(x):
    # probabilities 0 and 1 only: the draws are certain, so ONNX and LibTorch agree
    p = (x > 0).float()
    return torch.bernoulli(p), torch.bernoulli(x, 1.0), torch.bernoulli(x, 0.0)


CASES = [
    Case(["aten::eye", "aten::hann_window"], made, (torch.randn(2, 5, 6),), dynamic=("2x-1x6",)),
    Case(["aten::bernoulli"], coins, (torch.randn(2, 3, 4),)),
]

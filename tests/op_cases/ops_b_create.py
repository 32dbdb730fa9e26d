"""Tensors from numbers l..z: tensor, scalar_tensor, linspace (scripted: tracing records constants)."""
import torch
import torch.nn as nn

from op_case import Case


class Tensors(nn.Module):
    def forward(self, x):
        n = x.size(1)
        return x + torch.tensor([1.0, 2.0, 3.0]), torch.tensor(n) * 2, x.double() * torch.tensor(2.5, dtype=torch.float64)


class Numbers(nn.Module):
    """Arguments from sizes, so that LibTorch's constant propagation leaves the ops in the graph:
    a static one (known to piu) and the batch (computed at run time)."""

    def forward(self, x):
        steps, batch = x.size(1), x.size(0)
        return (x + torch.linspace(-1.0, 1.0, steps), x[0] * 0 + torch.linspace(0, batch, 5),
                x * torch.scalar_tensor(batch), x * torch.scalar_tensor(steps, dtype=torch.float64).float())


CASES = [
    Case(["aten::tensor"], Tensors(), (torch.randn(2, 3),), script=True, name="b_tensor"),
    Case(["aten::linspace", "aten::scalar_tensor"], Numbers(), (torch.randn(2, 5),), script=True, name="b_linspace"),
]

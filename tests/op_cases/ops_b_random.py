"""Random ops l..z: rand, randn, rand_like, randn_like, normal, multinomial. ONNX draws its own
numbers, so each output is a function of the draws that does not depend on their values (their
range, their shape, a one-hot distribution)."""
import torch

from op_case import Case


def draws(x):
    u, n = torch.rand(2, 3), torch.randn(2, 3)
    in_range = ((u >= 0) & (u < 1)).float() + n * 0
    like = (torch.rand_like(x) < 1).float() + torch.randn_like(x) * 0
    fixed = (torch.normal(0.0, 2.0, (2, 3)) * 0 + 1) * in_range  # fixed shapes: not broadcast with the batch
    return fixed, like + x, torch.normal(x, 1.0) * 0 + x


def multinomial(x):
    one_hot = (x == x.max(dim=1, keepdim=True).values).float()  # every row draws its argmax
    return torch.multinomial(one_hot, 1), torch.multinomial(one_hot, 3, replacement=True), torch.multinomial(one_hot[0], 1)


CASES = [
    Case(["aten::rand", "aten::randn", "aten::rand_like", "aten::randn_like", "aten::normal"], draws,
         (torch.randn(2, 4),), name="b_random"),
    Case(["aten::multinomial"], multinomial, (torch.randn(3, 6),), name="b_multinomial"),
]

"""Converter cases (engineer A, a..k): element-wise math, bitwise ops, glu/celu/hardshrink."""
import torch
import torch.nn.functional as F

from op_case import Case


def trig(x):
    return torch.acos(x.clamp(-0.9, 0.9)), torch.asin(x.clamp(-0.9, 0.9)), torch.fmod(x, 0.3), \
        torch.fmod(x, torch.full_like(x, -0.7))


def special(x):
    y = torch.log(x)  # nan below 0, -inf at 0
    return torch.isinf(y), torch.isnan(y), torch.isfinite(y), torch.isinf(x.long())


def activations(x):
    return F.celu(x, 2.0), F.hardshrink(x, 0.4), F.glu(x, -1), F.glu(x, 1), torch.addcmul(x, x, x.flip(0), value=0.5)


def minmax(x):
    lo, hi = torch.aminmax(x, dim=1)
    lo2, hi2 = torch.aminmax(x, dim=-1, keepdim=True)
    return lo, hi, lo2 + hi2


def bitwise(x, m):
    x, m = x.long(), m.long()  # float inputs until the export types integer inputs (issue 16, item 2)
    b = x > 0
    return ~b, ~x, b ^ (m > 2), x << 2, x >> 1, (-x) >> m


CASES = [
    Case(["aten::acos", "aten::asin", "aten::fmod"], trig, (torch.randn(2, 6),)),
    Case(["aten::isinf", "aten::isnan", "aten::isfinite"], special,
         (torch.tensor([[0.0, 1.0, -1.0, 2.0], [3.0, -0.5, 0.0, 4.0]]),), name="isinf_isnan"),
    Case(["aten::celu", "aten::hardshrink", "aten::glu", "aten::addcmul"], activations, (torch.randn(2, 4, 6),)),
    Case(["aten::celu"], lambda x: F.celu(x, 0.5), (torch.randn(2, 6).double(),), name="celu_double"),
    Case(["aten::aminmax"], minmax, (torch.randn(2, 3, 5),)),
    Case(["aten::bitwise_not", "aten::__xor__", "aten::__lshift__", "aten::__rshift__"], bitwise,
         (torch.tensor([[5.0, -3, 0, 7], [-8, 2, 9, -1]]), torch.tensor([[1.0, 2, 3, 0], [4, 1, 0, 2]])),
         name="bitwise_shifts"),
]

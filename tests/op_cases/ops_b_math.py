"""Element-wise ops l..z that had converters before the coverage work: activations, math,
comparisons and logic, arithmetic."""
import torch
import torch.nn.functional as F

from op_case import Case


def activations(x):
    return (F.leaky_relu(x, 0.2), F.logsigmoid(x), F.mish(x), torch.sigmoid(x), F.silu(x), F.softplus(x),
            torch.tanh(x), F.relu6(x * 4))


def math(x):
    p = x.abs() + 0.1
    return (torch.log(p), torch.reciprocal(p), torch.rsqrt(p), torch.sqrt(p), torch.round(x * 3), torch.sign(x),
            torch.sin(x), torch.tan(x), -x, torch.pow(p, 1.5), torch.pow(p, x), torch.remainder(x * 5, 1.5))


def arithmetic(x, y):
    return x - y, x - 2.5, x * y, 3 - x, torch.rsub(x, y, alpha=1), torch.maximum(x, y), torch.minimum(x, y)


def logic(x, y):
    a, b = x > 0, y > 0
    return (torch.logical_and(a, b), torch.logical_or(a, b), torch.logical_xor(a, b), x < y, x <= y, x != y, x <= 0.5,
            torch.where(a, x, y), torch.where(b, x, 0.0), x.masked_fill(a, -1.0))


def max_min(x, y):
    v, i = torch.max(x, 1)
    w, j = torch.min(x, 2, keepdim=True)
    return torch.max(x), torch.min(x), v, i, w, j, torch.max(x, y), torch.min(x, y)


CASES = [
    Case(["aten::leaky_relu", "aten::log_sigmoid", "aten::mish", "aten::sigmoid", "aten::silu", "aten::softplus",
          "aten::tanh", "aten::relu6"], activations, (torch.randn(2, 3, 4),), name="b_activations"),
    Case(["aten::log", "aten::reciprocal", "aten::rsqrt", "aten::sqrt", "aten::round", "aten::sign", "aten::sin",
          "aten::tan", "aten::neg", "aten::pow", "aten::remainder"], math, (torch.randn(2, 3, 4),), name="b_math"),
    Case(["aten::sub", "aten::mul", "aten::rsub", "aten::maximum", "aten::minimum"], arithmetic,
         (torch.randn(2, 3), torch.randn(2, 3)), name="b_arithmetic"),
    Case(["aten::logical_and", "aten::logical_or", "aten::logical_xor", "aten::lt", "aten::le", "aten::ne",
          "aten::where", "aten::masked_fill"], logic, (torch.randn(2, 3), torch.randn(2, 3)), name="b_logic"),
    Case(["aten::max", "aten::min"], max_min, (torch.randn(2, 3, 4), torch.randn(2, 3, 4)), name="b_max_min"),
]

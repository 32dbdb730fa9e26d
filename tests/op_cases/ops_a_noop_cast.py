"""Converter cases (engineer A, a..k): identities, casts and constants at inference."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


class Scripted(nn.Module):
    """Ops that tracing folds away (item, is_floating_point, as_tensor) or never records."""

    def forward(self, x):
        y = torch.conj_physical(x) + torch.ops.aten.alias(x)
        if x.is_floating_point():
            y = y * 2
        if x.is_pinned():
            y = y + 1
        w = torch.convolution(x, torch.ones(2, 3, 1), None, [1], [0], [1], False, [0], 1)
        return y + x.sum().item() + x[0, :1, 0].item(), torch.as_tensor(x, dtype=torch.float64), w


def casts(x):
    return (torch._cast_Double(x), torch._cast_Long(x * 3), torch._cast_Int(x * 3), torch._cast_Float(torch._cast_Half(x)), torch._cast_Short(x * 3), torch._cast_Char(x * 3),
            torch._cast_Byte(x.abs() * 3))


def dropouts(x):
    y = F.alpha_dropout(x.clone(), 0.5, False, inplace=True)
    return F.feature_alpha_dropout(y, 0.5, False) + torch.feature_dropout_(x.clone(), 0.5, False) + \
        torch.feature_alpha_dropout_(x.clone(), 0.5, False)


def shapes(x):
    s = torch._shape_as_tensor(x)
    return s, torch._reshape_from_tensor(x, s[[0, 2, 1]]), torch._dim_arange(x, 1) + 1


CASES = [
    Case(["aten::conj_physical", "aten::alias", "aten::is_floating_point", "aten::is_pinned",
          "aten::item", "aten::as_tensor", "aten::convolution"], Scripted(), (torch.randn(2, 3, 4),),
         script=True, name="scripted_noops", dynamic=("2x3x4",)),
    Case(["aten::_cast_Double", "aten::_cast_Long", "aten::_cast_Int", "aten::_cast_Float",
          "aten::_cast_Half", "aten::_cast_Short", "aten::_cast_Char", "aten::_cast_Byte"],
         casts, (torch.randn(2, 3),), name="cast_family", atol=1e-2, rtol=1e-2),
    Case(["aten::alpha_dropout_", "aten::feature_alpha_dropout", "aten::feature_dropout_",
          "aten::feature_alpha_dropout_"], dropouts, (torch.randn(2, 3, 4),), name="dropout_variants"),
    Case(["aten::_shape_as_tensor", "aten::_reshape_from_tensor", "aten::_dim_arange"], shapes,
         (torch.randn(2, 3, 4),), name="shape_tensors", opset=11),
]

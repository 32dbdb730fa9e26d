"""Converter cases (engineer A, a..k) for converters that predate the op cases and that no
converter family's traced graph contains (scripted forms, rarer overloads)."""
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


class ScriptedOps(nn.Module):
    """Ops only scripted code records: list indexing, `is None`, `not`, int floordiv, convN."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.w1, self.w2, self.w3 = torch.randn(4, 3, 3), torch.randn(4, 3, 3, 3), torch.randn(2, 3, 1, 3, 3)

    def forward(self, x):
        maybe: Optional[torch.Tensor] = None
        if x.size(0) > 100:
            maybe = x
        parts: List[torch.Tensor] = [x, x * 2]
        y = parts[1]
        if maybe is None:
            y = y + 1
        if maybe is not None:
            y = y * 3
        if not bool(x.size(1) > 100):
            y = y - 1
        half = x.size(2) // 2
        a = F.conv1d(y, self.w1, None, 1, 1)
        b = F.conv2d(y.unsqueeze(2).expand(-1, -1, 4, -1), self.w2, None, 1, 1)
        c = F.conv3d(y.unsqueeze(2).unsqueeze(3).expand(-1, -1, 3, 4, -1), self.w3, None, 1, 1)
        return a[:, :, :half], b, c


class ScriptedTransposed(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.w1, self.w2, self.w3 = torch.randn(3, 2, 3), torch.randn(3, 2, 2, 3), torch.randn(3, 2, 2, 2, 2)

    def forward(self, x):
        return (F.conv_transpose1d(x, self.w1, None, 2, 1), F.conv_transpose2d(x.unsqueeze(2), self.w2, None, 2),
                F.conv_transpose3d(x.unsqueeze(2).unsqueeze(2), self.w3, None, 1, 0, 0, 1, 2))


def pools(x, v):
    return (F.adaptive_avg_pool1d(x, 1), F.adaptive_avg_pool1d(x, 3), F.avg_pool1d(x, 2, 2),
            F.adaptive_avg_pool3d(v, (1, 2, 1)), F.avg_pool3d(v, 2, 1, 1, count_include_pad=False))


def reductions(x):
    return (torch.all(x > -1, 1), torch.any(x > 1), torch.all(x > -3), torch.any(x > 0, -1, keepdim=True), torch.amin(x, (1, 2)),
            torch.argmin(x, 1), torch.argmin(x), torch.atan(x), torch.clamp_max(x, 0.5), torch._log_softmax(x, 1, False))


def padding(x, y, z):
    return (torch.constant_pad_nd(x, [1, 2, 0, 1], 0.5), torch.baddbmm(x, y, z, beta=0.5, alpha=2.0),
            F.dropout(x.clone(), 0.5, False, inplace=True),
            torch.where(torch.ones_like(x, dtype=torch.bool), x, torch.empty_like(x)),
            torch.where(torch.ones(3, 4, dtype=torch.bool), x[0], torch.empty(3, 4)))


CASES = [
    Case(["aten::__getitem__", "aten::__is__", "aten::__isnot__", "aten::__not__", "aten::floordiv", "aten::conv1d",
          "aten::conv2d", "aten::conv3d"], ScriptedOps(), (torch.randn(2, 3, 6),), script=True, name="scripted_basics",
         dynamic=("2x3x6",)),
    Case(["aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d"], ScriptedTransposed(),
         (torch.randn(2, 3, 5),), script=True, name="scripted_conv_transpose"),
    Case(["aten::adaptive_avg_pool1d", "aten::avg_pool1d", "aten::adaptive_avg_pool3d", "aten::avg_pool3d"], pools,
         (torch.randn(2, 3, 6), torch.randn(2, 3, 2, 4, 3)), name="avg_pools_1d_3d"),
    Case(["aten::all", "aten::any", "aten::amin", "aten::argmin", "aten::atan", "aten::clamp_max", "aten::_log_softmax"],
         reductions, (torch.randn(2, 3, 4),), name="reductions_more"),
    Case(["aten::constant_pad_nd", "aten::baddbmm", "aten::dropout_", "aten::empty_like", "aten::empty"], padding,
         (torch.randn(2, 3, 4), torch.randn(2, 3, 5), torch.randn(2, 5, 4)), name="pad_baddbmm_empty", dynamic=("", "", "")),
]

"""Converter cases (engineer A, a..k): grid_sampler, circular padding, conv_tbc, adaptive max pools."""
import torch
import torch.nn.functional as F

from op_case import Case


def grids(x, g):
    return (F.grid_sample(x, g, align_corners=False), F.grid_sample(x, g, mode="nearest", padding_mode="border"),
            F.grid_sample(x, g, mode="bicubic", padding_mode="reflection", align_corners=True))


def pools(x, v):
    return F.adaptive_max_pool1d(x, 1), F.adaptive_max_pool1d(x, 3), F.adaptive_max_pool3d(v, (1, 2, 1))


CASES = [
    Case(["aten::grid_sampler"], grids, (torch.randn(2, 3, 5, 6), torch.rand(2, 4, 3, 2) * 2.2 - 1.1), opset=16),
    Case(["aten::_pad_circular"], lambda x: torch._C._nn._pad_circular(x, (1, 2, 2, 0)), (torch.randn(2, 3, 4, 5),)),
    Case(["aten::conv_tbc"], lambda x: torch.conv_tbc(x, torch.linspace(-1, 1, 2 * 4 * 5).reshape(2, 4, 5),
                                                      torch.linspace(0, 1, 5), 1),
         (torch.randn(6, 2, 4),), dynamic=("6x-1x4",)),
    Case(["aten::adaptive_max_pool1d", "aten::adaptive_max_pool3d"], pools, (torch.randn(2, 3, 6), torch.randn(2, 3, 2, 4, 3)),
         name="adaptive_max_pool_1d_3d"),
]


class Interpolate(torch.nn.Module):
    """aten::__interpolate: F.interpolate as the builtin scripted code reaches through torch.ops."""

    def forward(self, x):
        up = torch.ops.aten.__interpolate(x, None, [2.0, 1.5], "bilinear", False, None, False)
        near = torch.ops.aten.__interpolate(x, [5, 7], None, "nearest", None, None, False)
        one = torch.ops.aten.__interpolate(x, 6, None, "bilinear", True, None, False)
        return up, near, one


CASES.append(Case(["aten::__interpolate"], Interpolate(), (torch.randn(2, 3, 4, 6),), script=True, name="interpolate_builtin"))

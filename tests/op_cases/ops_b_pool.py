"""Pools, pads and resizes l..z: max_poolNd_with_indices, reflection/replication_pad3d,
upsample_bicubic2d."""
import torch
import torch.nn.functional as F

from op_case import Case


def pools_with_indices(x):
    v2, i2 = F.max_pool2d(x, 2, return_indices=True)
    v2p, i2p = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    v1, i1 = F.max_pool1d(x.flatten(2), 4, return_indices=True)
    v3, i3 = F.max_pool3d(x.unsqueeze(1), 2, return_indices=True)
    return v2, i2, v2p, i2p, v1, i1, v3, i3


def pads3d(x):
    return torch._C._nn.reflection_pad3d(x, (1, 1, 1, 0, 2, 1)), torch._C._nn.replication_pad3d(x, (1, 2, 0, 1, 1, 1))


def bicubic(x):
    return (F.interpolate(x, scale_factor=2, mode="bicubic"), F.interpolate(x, size=(5, 7), mode="bicubic", align_corners=True))


CASES = [
    Case(["aten::max_pool1d_with_indices", "aten::max_pool2d_with_indices", "aten::max_pool3d_with_indices"],
         pools_with_indices, (torch.randn(2, 4, 6, 6),), name="b_max_pool_indices"),
    Case(["aten::reflection_pad3d", "aten::replication_pad3d"], pads3d, (torch.randn(2, 2, 3, 4, 4),), name="b_pads3d"),
    Case(["aten::upsample_bicubic2d"], bicubic, (torch.randn(2, 3, 4, 5),), name="b_bicubic"),
]

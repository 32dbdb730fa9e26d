"""Converter cases from what timm and transformers models record (tests/zoo/hub_zoo.py)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


def broadcast_index(mask, x):
    # transformers 5.x builds attention masks this way: mask[batch_idx, kv_idx] with index tensors
    # that broadcast against each other ((B,1,1,1) and (1,1,1,S) -> (B,1,1,S)).
    b = torch.arange(mask.shape[0])[:, None, None, None]
    k = torch.arange(mask.shape[1])[None, None, None, :]
    picked = mask.bool()[b, k]
    rows = x[torch.arange(x.shape[0])[:, None], torch.tensor([[2, 0, 1]])]  # (B,1) with (1,3) -> (B,3)
    return picked.float() * 2, rows


class SamePadding(nn.Module):
    """Conv with padding='same' / 'valid' (timm's ConvMixer): traced as aten::_convolution_mode."""

    def __init__(self):
        super().__init__()
        self.even = nn.Conv2d(3, 4, 4, padding="same", dilation=2)
        self.odd = nn.Conv2d(4, 4, (3, 5), padding="same", groups=4)
        self.valid = nn.Conv1d(3, 2, 3, padding="valid")

    def forward(self, x):
        y = self.odd(self.even(x))
        return y, self.valid(x.mean(2))


def uneven_adaptive(x):
    # VGG's AdaptiveAvgPool2d(7) on a 4x4 map (a 128x128 input), and sizes that overlap or shrink.
    return F.adaptive_avg_pool2d(x, 7), F.adaptive_max_pool2d(x, (3, 5)), F.adaptive_avg_pool1d(x.flatten(2), 5)


CASES = [
    Case(["aten::_convolution_mode"], SamePadding(), (torch.randn(2, 3, 9, 10),), name="convolution_mode"),
    Case(["aten::adaptive_avg_pool2d", "aten::adaptive_max_pool2d", "aten::adaptive_avg_pool1d"], uneven_adaptive,
         (torch.randn(2, 3, 4, 4),), name="adaptive_pool_uneven"),
    Case(["aten::index"], broadcast_index, (torch.tensor([[1, 1, 0, 1, 0], [1, 0, 1, 1, 1]]), torch.randn(2, 4, 3)),
         dynamic=("-1x-1", "-1x4x3"), name="index_broadcast"),
]

"""Converter cases from timm models that failed to export (issue 16): pads computed at run time
(TF-"SAME" padding), flatten of any dims (LeViT), col2im (F.fold, VOLO), in-place writes into slices
(MViTv2), list.pop."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


def same_pad_amount(size, kernel: int, stride: int):
    """How much TF's "SAME" convolution pads a dim of `size` in all: a 0-d tensor when traced."""
    return torch.clamp(((size / stride).ceil() - 1) * stride + (kernel - 1) + 1 - size, min=0)


class SamePad(nn.Module):
    """Pads computed from x.size() at run time, as timm's tf_* models do before each strided conv."""

    def __init__(self, mode="constant"):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        h, w = x.size()[-2:]
        ph, pw = same_pad_amount(h, 3, 2), same_pad_amount(w, 3, 2)
        pads = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)
        if self.mode == "constant":
            return F.pad(x, pads, value=0.5)
        return F.pad(x, pads, mode=self.mode)


def flatten_dims(x):
    return x.flatten(0, 1), x.flatten(1, 2), x.flatten(-3, -2), x.flatten(2), x.flatten(3, 3)


def fold(x, y):
    return F.fold(x, (5, 6), 2), F.fold(y, (4, 8), (2, 3), dilation=(1, 2), padding=(1, 2), stride=(2, 1))


def slice_assign(x):
    y = x * 2
    y[:, :, 1:] = y[:, :, 1:] + torch.sigmoid(x[:, :, :-1])
    return y


class SliceAssignAttention(nn.Module):
    """MViTv2's relative positions: attn[:, :, 1:, 1:] = (attn[:, :, 1:, 1:].view(...) + rel).view(...)."""

    def forward(self, q, k):
        attn = q @ k.transpose(-2, -1)
        b, h, n, _ = attn.shape
        rel = q[:, :, 1:, :1] * 0.5
        attn[:, :, 1:, 1:] = (attn[:, :, 1:, 1:].view(b, h, n - 1, n - 1) + rel).view(b, h, n - 1, n - 1)
        return attn.softmax(-1)


class Pop(nn.Module):
    def forward(self, x):
        items: List[torch.Tensor] = [x, x + 1, x * 2]
        last = items.pop()
        first = items.pop(0)
        return last + first * items[0]


CASES = [
    Case(["aten::pad"], SamePad(), (torch.randn(2, 3, 9, 8),), dynamic=("-1x3x-1x-1",), name="pad_computed"),
    Case(["aten::pad"], SamePad("reflect"), (torch.randn(2, 3, 9, 8),), dynamic=("-1x3x-1x-1",),
         name="pad_computed_reflect"),
    Case(["aten::pad"], SamePad("replicate"), (torch.randn(2, 3, 9, 8),), dynamic=("-1x3x-1x-1",),
         name="pad_computed_replicate"),
    Case(["aten::pad"], SamePad(), (torch.randn(2, 3, 9, 8),), name="pad_computed_static"),
    Case(["aten::flatten"], flatten_dims, (torch.randn(2, 3, 4, 5),), dynamic=("-1x3x-1x5",), name="flatten_dims"),
    Case(["aten::col2im"], fold, (torch.randn(2, 12, 20), torch.randn(2, 12, 24)), opset=18, name="col2im_fold"),
    Case(["aten::copy_"], slice_assign, (torch.randn(2, 3, 5),), name="copy_slice"),
    Case(["aten::copy_"], SliceAssignAttention(), (torch.randn(2, 2, 5, 4), torch.randn(2, 2, 5, 4)),
         name="copy_slice_attention"),
    Case(["aten::pop"], Pop(), (torch.randn(2, 3),), script=True),
]

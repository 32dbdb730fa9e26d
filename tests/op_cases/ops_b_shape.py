"""Shape ops l..z that had converters before the coverage work: views, permutes, slicing,
splitting, stacking, pads, sizes and casts."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


def views(x, y):
    n = x.size(0)
    return (x.view(n, -1), x.reshape(n, 4, 3), x.reshape_as(y), x.view_as(y), x.permute(0, 2, 1), x.transpose(1, 2),
            x.unsqueeze(1), x[:, :1].squeeze(1), x[0].t(), x.numel() * x)


def slicing(x):
    return (x[:, 1], x[:, 1:3], x[:, ::2], x.narrow(2, 1, 2), x.select(1, 0), x.repeat(1, 2, 1), x.roll(1, 2),
            x.roll((1, -1), (1, 2)))


def splitting(x):
    a, b = x.split(2, 1)
    c, d = x.split([1, 3], 2)
    e, f = torch._VF.unsafe_split(x, 2, 1)
    g, h = x.unsafe_chunk(2, 2)
    return (a, b, c, d, e, f, g, h, torch.stack([x, x], 1)) + x.unbind(1)


def casts(x, y):
    return x.to(torch.float64), (x > 0).to(x.dtype), x.type_as(y.long()), x.to(y)


def pads(x):
    row, nn_ = x[:, :, 0], torch._C._nn  # F.pad records aten::pad; the mode-specific ops are called as such
    return (F.pad(x, (1, 2)), F.pad(x, (1, 1, 2, 0), value=0.5), F.pad(row, (2, 1), mode="reflect"),
            F.pad(x, (1, 2, 1, 1), mode="replicate"), nn_.reflection_pad1d(row, (2, 1)),
            nn_.reflection_pad2d(x, (1, 2, 2, 1)), nn_.replication_pad1d(row, (2, 1)), nn_.replication_pad2d(x, (1, 2, 1, 1)))


class Sizes(nn.Module):
    """len() and list() of a shape (scripted: tracing records neither)."""

    def forward(self, x):
        dims = list(x.shape)
        return x * len(dims) + x.size(1)


CASES = [
    Case(["aten::view", "aten::reshape", "aten::reshape_as", "aten::view_as", "aten::permute", "aten::transpose",
          "aten::unsqueeze", "aten::squeeze", "aten::t", "aten::numel", "aten::size"], views,
         (torch.randn(2, 3, 4), torch.randn(2, 4, 3)), name="b_views"),
    Case(["aten::select", "aten::slice", "aten::narrow", "aten::repeat", "aten::roll"], slicing,
         (torch.randn(2, 4, 3),), name="b_slicing"),
    Case(["aten::split", "aten::split_with_sizes", "aten::unsafe_split", "aten::unsafe_chunk", "aten::stack",
          "aten::unbind"], splitting, (torch.randn(2, 4, 4),), name="b_splitting"),
    Case(["aten::to", "aten::type_as"], casts, (torch.randn(2, 3), torch.randn(2, 3)), name="b_casts"),
    Case(["aten::pad", "aten::reflection_pad1d", "aten::reflection_pad2d", "aten::replication_pad1d",
          "aten::replication_pad2d"], pads, (torch.randn(2, 3, 5, 5),), name="b_pads"),
    Case(["aten::len", "aten::list"], Sizes(), (torch.randn(2, 3),), script=True, name="b_len_list"),
]

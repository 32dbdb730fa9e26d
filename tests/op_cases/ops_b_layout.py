"""Layout ops l..z: movedim, numpy_T, pixel_shuffle/unshuffle, meshgrid, repeat_interleave,
tensor_split, unfold, tril/triu, unsafe_split_with_sizes."""
import torch
import torch.nn.functional as F

from op_case import Case


def moves(x):
    return torch.movedim(x, 0, 2), torch.movedim(x, (1, 3), (0, 1)), x.T


def pixels(x):
    return F.pixel_shuffle(x, 2), F.pixel_unshuffle(x, 2)


def grids(a, b):
    return torch.meshgrid(a, b, indexing="ij") + torch.meshgrid(a, b, b, indexing="xy")


def repeats(x):
    return x.repeat_interleave(2, 1), x.repeat_interleave(3), torch.repeat_interleave(x, torch.tensor([1, 0, 2]), dim=1)


def splits(x):
    return (x.tensor_split(3, 1) + x.tensor_split([1, 4], dim=2) + x.unsafe_split_with_sizes([2, 1], 1)
            + (x.unfold(2, 2, 1), x.unfold(1, 2, 2)))


def triangles(x):
    return torch.tril(x), torch.triu(x), torch.tril(x, -1), torch.triu(x, 2)


CASES = [
    Case(["aten::movedim", "aten::numpy_T"], moves, (torch.randn(2, 3, 4, 5),), name="b_moves"),
    Case(["aten::pixel_shuffle", "aten::pixel_unshuffle"], pixels, (torch.randn(2, 8, 4, 6),), name="b_pixels"),
    Case(["aten::meshgrid"], grids, (torch.randn(3), torch.randn(4)), name="b_meshgrid"),
    Case(["aten::repeat_interleave"], repeats, (torch.randn(2, 3, 2),), name="b_repeat_interleave"),
    Case(["aten::tensor_split", "aten::unfold", "aten::unsafe_split_with_sizes"], splits, (torch.randn(2, 3, 5),),
         name="b_splits"),
    Case(["aten::tril", "aten::triu"], triangles, (torch.randn(2, 4, 5),), name="b_triangles"),
]

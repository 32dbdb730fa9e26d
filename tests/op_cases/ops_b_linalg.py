"""Linear algebra l..z: mm, mv, outer, tensordot, linalg_cross, linalg_det, logdet."""
import torch

from op_case import Case


def products(a, b, v):
    return torch.mm(a, b), torch.mv(a, v), torch.outer(v, b[0])


def determinants(x):
    spd = x @ x.transpose(-1, -2) + torch.eye(3)  # positive definite: logdet is finite
    return torch.linalg.det(x), torch.logdet(spd)


CASES = [
    Case(["aten::mm", "aten::mv", "aten::outer"], products, (torch.randn(3, 4), torch.randn(4, 5), torch.randn(4)),
         dynamic=("3x4", "4x5", "4"), name="b_products"),
    Case(["aten::tensordot"], lambda a, b: torch.tensordot(a, b, dims=([1, 2], [0, 1])),
         (torch.randn(2, 3, 4), torch.randn(3, 4, 5)), dynamic=("-1x3x4", "3x4x5"), opset=12, name="b_tensordot"),
    Case(["aten::linalg_cross"], lambda a, b: (torch.linalg.cross(a, b), torch.linalg.cross(a[:, :, :3], b[:, 1:2, :3])),
         (torch.randn(2, 4, 3), torch.randn(2, 4, 3)), name="b_linalg_cross"),
    Case(["aten::linalg_det", "aten::logdet"], determinants, (torch.randn(2, 3, 3),), name="b_determinants"),
]

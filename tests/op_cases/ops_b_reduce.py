"""Reductions and norms l..z: prod, logsumexp, var/std (and _mean), norm, linalg norms,
pairwise_distance."""
import torch
import torch.nn.functional as F

from op_case import Case


def prod_logsumexp(x):
    return torch.prod(x), torch.prod(x, 1, keepdim=True), torch.logsumexp(x, 2), torch.logsumexp(x, (1, 2), True)


def variances(x):
    return (x.var(), x.std(1), torch.var(x, 1, unbiased=False), torch.var(x, (1, 2), keepdim=True),
            *torch.std_mean(x, dim=1), *torch.var_mean(x, dim=(0, 2), correction=0, keepdim=True))


def norms(x):
    return (torch.norm(x, p=3, dim=1), torch.norm(x, p=4, dim=2, keepdim=True), torch.norm(x, p=1, dim=(1, 2)),
            torch.linalg.vector_norm(x, ord=float("inf"), dim=-1), torch.linalg.vector_norm(x, ord=0.5),
            torch.linalg.vector_norm(x, ord=0, dim=(1, 2)), torch.linalg.vector_norm(x, ord=float("-inf"), dim=1))


def linalg_norms(x):
    return (torch.linalg.matrix_norm(x), torch.linalg.matrix_norm(x, 1), torch.linalg.matrix_norm(x, -1),
            torch.linalg.matrix_norm(x, float("inf"), keepdim=True), torch.linalg.matrix_norm(x, float("-inf")),
            torch.linalg.norm(x), torch.linalg.norm(x, dim=1), torch.linalg.norm(x, ord=3, dim=2),
            torch.linalg.norm(x, ord=1, dim=(1, 2)), torch.linalg.norm(x, ord="fro", dim=(2, 1)))


def pairwise(a, b):
    return F.pairwise_distance(a, b), F.pairwise_distance(a, b, p=1.0, keepdim=True), F.pairwise_distance(a, b, 3.0)


CASES = [
    Case(["aten::prod", "aten::logsumexp"], prod_logsumexp, (torch.rand(2, 3, 4) + 0.5,), name="b_prod_logsumexp"),
    Case(["aten::var", "aten::std", "aten::std_mean", "aten::var_mean"], variances, (torch.randn(3, 4, 5),),
         name="b_variances"),
    Case(["aten::norm", "aten::linalg_vector_norm"], norms, (torch.randn(2, 3, 4),), name="b_norms"),
    Case(["aten::linalg_matrix_norm", "aten::linalg_norm"], linalg_norms, (torch.randn(2, 3, 4),),
         name="b_linalg_norms"),
    Case(["aten::pairwise_distance"], pairwise, (torch.randn(3, 5), torch.randn(3, 5)), name="b_pairwise_distance"),
]

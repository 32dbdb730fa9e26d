"""Converter cases: the format (a file per family of ops; see op_case.py)."""
import torch
import torch.nn as nn

from op_case import Case

CASES = [
    Case(["aten::relu"], torch.relu, (torch.randn(2, 3, 4),)),
]
CASES += [
    Case(["aten::embedding"], nn.Embedding(10, 4), (torch.tensor([[1, 2, 9], [0, 3, 3]]),), name="embedding_int_input"),
    Case(["aten::add"], lambda a, b: a + 2 * b, (torch.randn(2, 3), torch.randn(2, 3)), name="add_two_inputs"),
]

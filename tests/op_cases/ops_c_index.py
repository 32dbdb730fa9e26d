"""Converter cases: advanced indexing as real models record it."""
import torch

from op_case import Case


def broadcast_index(mask, x):
    # transformers 5.x builds attention masks this way: mask[batch_idx, kv_idx] with index tensors
    # that broadcast against each other ((B,1,1,1) and (1,1,1,S) -> (B,1,1,S)).
    b = torch.arange(mask.shape[0])[:, None, None, None]
    k = torch.arange(mask.shape[1])[None, None, None, :]
    picked = mask.bool()[b, k]
    rows = x[torch.arange(x.shape[0])[:, None], torch.tensor([[2, 0, 1]])]  # (B,1) with (1,3) -> (B,3)
    return picked.float() * 2, rows


CASES = [
    Case(["aten::index"], broadcast_index, (torch.tensor([[1, 1, 0, 1, 0], [1, 0, 1, 1, 1]]), torch.randn(2, 4, 3)),
         dynamic=("-1x-1", "-1x4x3"), name="index_broadcast"),
]

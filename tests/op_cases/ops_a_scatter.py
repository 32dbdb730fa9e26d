"""Converter cases (engineer A, a..k): gather/scatter, index_* ops, bucketize, argsort."""
import torch

from op_case import Case


def index_ops(x, i):
    i = i.long()  # a float input until the export types integer inputs (issue 16, item 2)
    src = torch.arange(2 * 2 * 4, dtype=torch.float32).reshape(2, 2, 4)
    return (x.index_fill(1, i, -1.0), x.index_copy(1, i, src), x.index_add(1, torch.tensor([0, 0]), src, alpha=2),
            torch.gather(x, 2, torch.tensor([[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 1], [2, 2]]])))


def put(x):
    y = x.clone()
    y[x > 0.5] = 0.0
    return y, x.index_put((torch.tensor([0, 1]), torch.tensor([2, 0])), torch.tensor(5.0)), \
        x.index_put((torch.tensor([1]),), torch.ones(3, 4))


def buckets(x):
    b = torch.tensor([-1.0, 0.0, 0.5, 1.0])
    return torch.bucketize(x, b), torch.bucketize(x, b, right=True, out_int32=True), torch.argsort(x, 1), \
        torch.argsort(x, -1, descending=True)


def broadcast(x, y):
    a, b = torch.broadcast_tensors(x, y)
    return a + 1, b * 2


CASES = [
    Case(["aten::index_fill", "aten::index_copy", "aten::index_add", "aten::gather"], index_ops,
         (torch.randn(2, 3, 4), torch.tensor([0.0, 2])), dynamic=("", "")),
    Case(["aten::index_put", "aten::index_put_"], put, (torch.randn(2, 3, 4),), dynamic=("",)),
    Case(["aten::bucketize", "aten::argsort"], buckets,
         (torch.tensor([[-2.0, 0.0, 0.3, 1.0, 2.0], [0.5, -1.0, 0.7, -0.4, 1.5]]),)),
    Case(["aten::broadcast_tensors"], broadcast, (torch.randn(2, 1, 4), torch.randn(3, 1)), dynamic=("", "")),
]

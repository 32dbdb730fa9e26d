"""Converter cases (engineer A, a..k): losses computed in a graph."""
import torch
import torch.nn.functional as F

from op_case import Case


def bce(x, t):
    w = torch.linspace(0.5, 1.5, 4)
    return (F.binary_cross_entropy_with_logits(x, t), F.binary_cross_entropy_with_logits(x, t, reduction="none"),
            F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=w * 2, reduction="sum"))


def ce(x, t):
    t = t.long()  # a float input until the export types integer inputs (issue 16, item 2)
    w = torch.tensor([1.0, 2.0, 0.5])
    return F.cross_entropy(x, t), F.cross_entropy(x, t, weight=w, reduction="sum"), \
        F.cross_entropy(x, t, reduction="none", ignore_index=1)


def kl(x, t):
    lx = x.log_softmax(-1)
    return F.kl_div(lx, t.softmax(-1), reduction="batchmean"), F.kl_div(lx, t.log_softmax(-1), reduction="none", log_target=True), \
        F.kl_div(lx, F.relu(t), reduction="mean")


CASES = [
    Case(["aten::binary_cross_entropy_with_logits"], bce, (torch.randn(3, 4) * 3, torch.rand(3, 4)), name="bce_with_logits"),
    Case(["aten::cross_entropy_loss"], ce, (torch.randn(2, 3, 4), torch.tensor([[0.0, 1, 2, 1], [2, 2, 0, 1]])), opset=12,
         dynamic=("2x3x4", "2x4")),
    Case(["aten::cross_entropy_loss"], lambda x, p: F.cross_entropy(x, p.softmax(1)), (torch.randn(4, 5), torch.randn(4, 5)),
         name="cross_entropy_probs"),
    Case(["aten::kl_div"], kl, (torch.randn(3, 5), torch.randn(3, 5))),
]

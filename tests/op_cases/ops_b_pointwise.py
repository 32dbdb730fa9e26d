"""Element-wise ops l..z (engineer B's share of torch.onnx's list): logs, square, lerp, nan_to_num,
shrink/threshold activations, prelu, rrelu, selu and the inference identities."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


def logs_and_shrinks(x, y):
    p = x.abs() + 0.1
    return (torch.log2(p), torch.log10(p), torch.log1p(p), torch.square(y), torch.lerp(x, y, 0.3),
            torch.lerp(x, y, torch.sigmoid(y)), F.softshrink(y, 0.4), F.selu(y),
            F.threshold(y, 0.1, -2.0), F.rrelu(y, 0.1, 0.3, training=False))


def nan_to_num(x):
    # log: NaN below 0 (and -inf at 0); exp of large values: +inf
    return torch.nan_to_num(torch.log(x)), torch.nan_to_num(torch.exp(x * 100), nan=1.0, posinf=5.0, neginf=-5.0)


def identities(x):
    return torch.ops.aten.lift(x.resolve_conj().resolve_neg()) * 2


def prelu_layers():
    channel, single = nn.PReLU(3), nn.PReLU()
    with torch.no_grad():
        channel.weight.copy_(torch.tensor([0.1, -0.2, 0.3]))
    return nn.ModuleList([channel, single])


class PRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = prelu_layers()

    def forward(self, x, y):
        return self.layers[0](x), self.layers[0](y), self.layers[1](x)


CASES = [
    Case(["aten::log2", "aten::log10", "aten::log1p", "aten::square", "aten::lerp", 
          "aten::softshrink", "aten::selu", "aten::threshold", "aten::rrelu"],
         logs_and_shrinks, (torch.randn(2, 3, 4), torch.randn(2, 3, 4)), name="b_logs_and_shrinks"),
    Case(["aten::nan_to_num"], nan_to_num, (torch.randn(2, 8),), name="b_nan_to_num"),
    Case(["aten::resolve_conj", "aten::resolve_neg", "aten::lift"], identities, (torch.randn(2, 3),),
         name="b_identities"),
    Case(["aten::prelu"], PRelu(), (torch.randn(2, 3, 4, 4), torch.randn(2, 3)), name="b_prelu"),
]

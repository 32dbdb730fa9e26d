"""native_dropout, native_layer_norm, nll_loss (nll_loss2d, nll_loss_nd), lstm_cell."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


def natives(x):
    y, mask = torch.native_dropout(x, 0.5, False)
    z, mean, rstd = torch.native_layer_norm(x, [4], torch.ones(4) * 2, torch.ones(4), 1e-5)
    return y * 2, mask, z, mean, rstd


class NllLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("target", torch.tensor([0, 2, 1]))
        self.register_buffer("target2d", torch.tensor([[[0, 1], [2, 1]], [[1, 1], [0, -100]], [[2, 2], [1, 0]]]))
        self.register_buffer("weight", torch.tensor([0.5, 1.0, 2.0]))

    def forward(self, x, y):
        lx, ly = F.log_softmax(x, 1), F.log_softmax(y, 1)
        return (F.nll_loss(lx, self.target), F.nll_loss(lx, self.target, reduction="none"),
                torch._C._nn.nll_loss(lx, self.target, self.weight, 2, -100),
                torch._C._nn.nll_loss2d(ly, self.target2d, None, 1, -100), F.nll_loss(ly, self.target2d, self.weight))


class LstmCell(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(4, 5)

    def forward(self, x, h, c):
        # the op itself (nn.LSTMCell's scripted forward also asserts `dim() in (1, 2)`)
        cell = self.cell
        h1, c1 = torch.lstm_cell(x, [h, c], cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        return h1, c1


CASES = [
    Case(["aten::native_dropout", "aten::native_layer_norm"], natives, (torch.randn(2, 3, 4),), name="b_natives"),
    Case(["aten::nll_loss", "aten::nll_loss2d", "aten::nll_loss_nd"], NllLoss(),
         (torch.randn(3, 3), torch.randn(3, 3, 2, 2)), dynamic=("3x3", "3x3x2x2"), opset=12, name="b_nll_loss"),
    Case(["aten::lstm_cell"], LstmCell(), (torch.randn(2, 4), torch.randn(2, 5), torch.randn(2, 5)), script=True,
         name="b_lstm_cell"),
]

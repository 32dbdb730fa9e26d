"""Converter cases (engineer A, a..k): packed sequences around recurrent layers."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from op_case import Case


class Packed(nn.Module):
    """A bidirectional 2-layer LSTM and a GRU over sequences of different lengths (sorted longest first)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.lstm = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.gru = nn.GRU(4, 3)

    def forward(self, x):
        lengths = (x[:, :, 0] != 0).long().sum(1)  # zero steps at the end are padding
        out, (h, c) = self.lstm(pack_padded_sequence(x, lengths, batch_first=True))
        padded, lens = pad_packed_sequence(out, batch_first=True, padding_value=-1.0, total_length=7)
        g, gh = self.gru(pack_padded_sequence(x.transpose(0, 1), lengths))
        g2, _ = pad_packed_sequence(g)
        return padded, h, c, lens, g2, gh


def padded():
    torch.manual_seed(0)
    x = torch.randn(3, 6, 4)
    x[1, 4:] = 0
    x[2, 2:] = 0
    return x


CASES = [
    Case(["aten::_pack_padded_sequence", "aten::_pad_packed_sequence", "aten::lstm", "aten::gru"], Packed(),
         (padded(),), dynamic=("3x6x4",), name="packed_sequence"),
]

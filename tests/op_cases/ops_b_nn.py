"""Layer ops l..z that had converters before the coverage work: linear, matmul, layer_norm,
softmax/log_softmax, mean/sum, max pools, upsampling, recurrent layers, tensor factories."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from op_case import Case


class Layers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 5)
        self.norm = nn.LayerNorm(5)

    def forward(self, x, y):
        h = self.norm(self.fc(x))
        # reductions of x: those of h (layer-normed) are about 0, below any relative tolerance
        return (h, torch.matmul(x, y), F.softmax(h, 1), F.log_softmax(h, -1), x.mean(), x.mean(1, keepdim=True),
                x.sum(), x.sum((1, 2)))


def pools(x):
    return (F.max_pool1d(x.flatten(2), 3), F.max_pool2d(x, 2), F.max_pool2d(x, 3, 1, 1),
            F.max_pool3d(x.unsqueeze(1), (1, 2, 2)))


def upsampling(x):
    return (F.interpolate(x.flatten(2), scale_factor=2), F.interpolate(x.flatten(2), size=20, mode="linear"),
            F.interpolate(x, scale_factor=2), F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True),
            F.interpolate(x.unsqueeze(2), scale_factor=(1, 2, 2)),
            F.interpolate(x.unsqueeze(2), size=(2, 6, 6), mode="trilinear"))


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, batch_first=True)
        self.rnn_tanh = nn.RNN(4, 3, num_layers=2, bidirectional=True)
        self.rnn_relu = nn.RNN(4, 3, nonlinearity="relu")

    def forward(self, x):
        return self.lstm(x)[0], self.rnn_tanh(x)[0], self.rnn_relu(x)[1]


def factories(x):
    n = x.size(0)
    return (x + torch.zeros(n, 3), x + torch.ones(n, 3), torch.zeros_like(x), torch.ones_like(x) + x,
            x.new_zeros(n, 3) + x, x.new_ones((n, 3)) + x, x.new_full((n, 3), 2.5) + x, x.new_empty(n, 3).shape[0] * x)


CASES = [
    Case(["aten::linear", "aten::layer_norm", "aten::matmul", "aten::softmax", "aten::log_softmax", "aten::mean",
          "aten::sum"], Layers(), (torch.randn(2, 3, 4), torch.randn(2, 4, 2)), name="b_layers"),
    Case(["aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d"], pools, (torch.randn(2, 3, 6, 6),),
         name="b_pools"),
    Case(["aten::upsample_nearest1d", "aten::upsample_linear1d", "aten::upsample_nearest2d",
          "aten::upsample_bilinear2d", "aten::upsample_nearest3d", "aten::upsample_trilinear3d"], upsampling,
         (torch.randn(2, 3, 3, 4),), name="b_upsampling"),
    Case(["aten::lstm", "aten::rnn_tanh", "aten::rnn_relu"], Recurrent(), (torch.randn(2, 6, 4),),
         name="b_recurrent"),
    Case(["aten::zeros", "aten::ones", "aten::zeros_like", "aten::ones_like", "aten::new_zeros", "aten::new_ones",
          "aten::new_full", "aten::new_empty"], factories, (torch.randn(2, 3),), name="b_factories"),
]

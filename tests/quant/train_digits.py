"""Trains a small CNN on scikit-learn's digits (8x8 images, 10 classes) and saves it as TorchScript.

Run with a Python that has torch (Debian's python3-torch): the data comes as .npy files written by
the test (scikit-learn lives in the test venv, torch in the system Python).

    python3 train_digits.py DATA_DIR OUT.pt

DATA_DIR holds x_train.npy (N, 1, 8, 8) float32 and y_train.npy (N,) int64. A few seconds on 2 cores.
"""
import sys

import numpy as np
import torch
from torch import nn


class DigitsNet(nn.Module):
    """Conv/BN/ReLU, a residual block (Add), max pooling, global average pooling and a linear head:
    the op mix whose int8 paths the quantizer must keep unbroken."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                                   nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32))
        self.pool = nn.MaxPool2d(2)
        self.conv = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.block(x))
        x = self.conv(self.pool(x))
        x = x.mean(dim=(2, 3))
        return self.head(x)


def main(data_dir, out):
    torch.manual_seed(0)
    torch.set_num_threads(2)
    x = torch.from_numpy(np.load(f"{data_dir}/x_train.npy"))
    y = torch.from_numpy(np.load(f"{data_dir}/y_train.npy"))
    model = DigitsNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(30):
        perm = torch.randperm(len(x))
        model.train()
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"train accuracy {acc:.4f}")
    traced = torch.jit.trace(model, x[:2])
    traced.save(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

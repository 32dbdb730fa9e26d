#!/usr/bin/env python3
"""Scripted (torch.jit.script) modules as real projects write them, for `piu export` tests (run with
/usr/bin/python3).

Writes OUT_DIR/scripted/:
  vad.pt           an audio/VAD-like model: forward(x, sr: int) with helper methods on self calling each
                   other, submodules, int/float/bool/list attributes, registered buffers read as state, a
                   branch on the sample rate (an int input: ONNX If), a loop over a constant range
                   (unrolled), a loop over the frames of a dynamic time dim and a while loop on tensor
                   data (ONNX Loop)
  tensor_if.pt     forward(x) with `if x.sum() > 0` (ONNX If) and a branch on the last element
  big_loop.pt      a loop over a constant range too long to unroll (ONNX Loop)
  counted.pt       forward(x, n: int): a while loop counting to an int input, with an `if` on tensor data in
                   its body, and a range(1, T) loop whose carried tensor grows (ONNX Loop, If in a Loop);
                   returns the count too (a number output)
  rates.pt         forward(x, sr: int) normalizing the sample rate as streaming VAD models do: `sr != 16000 and
                   sr % 16000 == 0`, `x[:, ::sr // 16000]` (a run-time slice step), `sr / 16000` (a float)
  list_append.pt   frames appended to a list in a loop over dim 1, then stacked: unrolled when the dim is static;
                   over a dynamic dim (an ONNX Loop) unsupported, exit 2
  state_write.pt   forward() writes a buffer (module state): unsupported, exit 2
  dict_write.pt    a dict built and written at run time: unsupported, exit 2
  string_op.pt     a string made from a run-time value: unsupported, exit 2
  runtime_raise.pt a raise in a branch decided by tensor data: unsupported, exit 2
"""
import os
import sys
from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    """A small conv encoder whose methods call each other."""

    def __init__(self, stride: int):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv1d(1, 8, 5, stride=stride, padding=2)
        self.proj = nn.Conv1d(8, 8, 1)

    def _act(self, x):
        return F.relu(x) * self.gain()

    def gain(self) -> float:
        return 1.0 if self.stride == 1 else 0.5

    def forward(self, x):  # x [B, T] -> [B, 8, T']
        return self.proj(self._act(self.conv(x.unsqueeze(1))))


class Cell(nn.Module):
    """A recurrent cell written out (one step of a GRU-like update)."""

    def __init__(self, n: int):
        super().__init__()
        self.inp = nn.Linear(n, 2 * n)
        self.rec = nn.Linear(n, 2 * n, bias=False)

    def _gates(self, frame, h):
        return self.inp(frame) + self.rec(h)

    def forward(self, frame, h):
        z, c = self._gates(frame, h).chunk(2, dim=1)
        z = torch.sigmoid(z)
        return z * h + (1 - z) * torch.tanh(c)


class VadLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.sample_rates: List[int] = [8000, 16000]
        self.hidden: int = 8
        self.smooth: float = 0.25
        self.use_norm: bool = True
        self.mode: str = "vad"
        self.enc16 = Encoder(2)
        self.enc8 = Encoder(1)
        self.cell = Cell(8)
        self.head = nn.Linear(8, 1)
        self.register_buffer("h0", torch.randn(1, 8) * 0.1)  # the initial state
        self.register_buffer("bias", torch.linspace(-0.1, 0.1, 8))

    def _normalize(self, x):
        if self.use_norm:
            x = x - x.mean(dim=-1, keepdim=True)
            x = x / (x.abs().amax(dim=-1, keepdim=True) + 1e-5)
        return x

    def _encode(self, x, sr: int):
        if sr == 16000:
            y = self.enc16(x)
        else:
            y = self.enc8(x) * 0.5
        return y + self.bias.view(1, -1, 1)

    def _refine(self, y, i: int):
        return y + torch.tanh(y) * (self.smooth / float(i + 1))

    def _step(self, frame, h):
        return self.cell(frame, h)

    def _run(self, feats):  # feats [B, 8, T]: one GRU step per frame, T known only at run time
        h = self.h0.expand(feats.size(0), self.hidden)
        for t in range(feats.size(2)):
            h = self._step(feats[:, :, t], h)
        return h

    def forward(self, x, sr: int):  # x [B, T] audio
        if x.dim() != 2:
            raise ValueError("expected [batch, samples]")
        if self.mode != "vad":
            raise ValueError("unknown mode")
        x = self._normalize(x)
        y = self._encode(x, sr)
        for i in range(3):
            y = self._refine(y, i)
        h = self._run(y)
        p = torch.sigmoid(self.head(h))
        while bool(p.max() > 0.1):  # data-dependent: an ONNX Loop with a run-time condition
            p = p * 0.7
        return p, h


class TensorIf(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Linear(3, 3)

    def forward(self, x):  # x [B, 3]
        if x.sum() > 0:
            y = self.a(x)
        else:
            y = self.b(x) - 1.0
        if bool(y[-1, -1] < 0):
            y = -y
        return y


class BigLoop(nn.Module):
    def forward(self, x):  # x [B, 4]
        y = x
        for i in range(1000):  # LibTorch unrolls 8 iterations per trip: 125 trips, more than piu unrolls
            y = y * 0.999 + float(i) * 1e-5
        return y


class Counted(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.allowed: List[int] = [1, 2, 3]

    def _grow(self, x):  # x [B, T, 4]: frames gathered one at a time, T known only at run time
        y = x[:, :1]
        for t in range(1, x.size(1)):
            y = torch.cat([y, x[:, t : t + 1] * float(t)], dim=1)
        return y

    def forward(self, x, n: int):  # x [B, T, 4]
        i = 0
        y = x
        while i < n:
            if bool(y.sum() > 0):
                y = self.fc(y)
            else:
                y = y + 1.0
            i += 1
        if n in self.allowed:
            y = y * float(i)
        return self._grow(y), i  # the count: a number output, a 0-d int64


class Rates(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x, sr: int):  # x [B, T]
        if sr != 16000 and (sr % 16000 == 0):
            step = sr // 16000
            x = x[:, ::step]
            sr = 16000
        frames = x.shape[1] // 4
        y = self.fc(x[:, : frames * 4].reshape(x.size(0), frames, 4))
        return y * (sr / 16000)


class ListAppend(nn.Module):
    def forward(self, x):  # x [B, T, 3]
        out: List[torch.Tensor] = []
        for t in range(x.size(1)):
            out.append(x[:, t] * float(t))
        return torch.stack(out, 1)


class StateWrite(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("state", torch.zeros(1, 4))

    def forward(self, x):  # x [B, 4]
        y = x + self.state
        self.state = y.mean(0, keepdim=True)
        return y


class DictWrite(nn.Module):
    def forward(self, x):
        d: Dict[str, torch.Tensor] = {}
        d["a"] = x * 2
        if bool(x.sum() > 0):
            d["a"] = x
        return d["a"] + 1


class StringOp(nn.Module):
    def forward(self, x, n: int):
        tag = "n" + str(n)
        if tag == "n1":
            return x * 2
        return x


class RuntimeRaise(nn.Module):
    def forward(self, x):
        if bool(x.min() < -100):
            raise ValueError("input out of range")
        return x * 2


def main():
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build/models", "scripted")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, cls in [("vad", VadLike), ("tensor_if", TensorIf), ("big_loop", BigLoop), ("counted", Counted), ("rates", Rates),
                      ("list_append", ListAppend),
                      ("state_write", StateWrite),
                      ("dict_write", DictWrite), ("string_op", StringOp), ("runtime_raise", RuntimeRaise)]:
        torch.jit.script(cls().eval()).save(os.path.join(out, name + ".pt"))


if __name__ == "__main__":
    main()

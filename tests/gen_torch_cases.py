#!/usr/bin/env python3
"""Tiny TorchScript modules, one per converter family, for `piu export` tests (run with /usr/bin/python3).

Writes OUT_DIR/torch/<family>.pt, each traced at batch 2 with the input shape in OUT_DIR/torch/shapes.txt
("<family> <dims with -1 for the batch> <lowest opset>"), plus:
  unsupported.pt   a module using ops piu has no converter for (linalg_svdvals twice, _standard_gamma)
  state_dict.pt    a torch.save()d state_dict (not TorchScript)
  two_inputs.pt    forward(a, b) -> (a + b, a * b): several inputs and outputs
  bert_like.pt     forward(input_ids, attention_mask), both int64: an embedding and a mask in arithmetic
  dict_out.pt      forward(x) -> {"logits": ..., "features": ...} (traced with strict=False)
  control_flow.pt  a scripted module with an `if` on a run-time value (an ONNX If)
  unsafe_writes.pt in-place writes piu refuses: into y while an older view of y is read afterwards,
                   and into a strided slice (each exit 2 naming aten::copy_ and why)
"""
import os
import sys
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        self.plain = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.grouped = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.c1 = nn.Conv1d(4, 4, 3, padding=1)

    def forward(self, x):
        y = self.up(self.depthwise(self.grouped(self.plain(x))))
        return self.c1(y.flatten(2)).flatten(1)


class Activations(nn.Module):
    def forward(self, x):
        return (F.relu(x) + F.relu6(x) + F.hardtanh(x, -0.5, 0.5) + torch.sigmoid(x) + torch.tanh(x)
                + F.hardswish(x) + F.hardsigmoid(x) + F.silu(x) + F.gelu(x) + F.leaky_relu(x, 0.2) + F.elu(x)
                + F.softplus(x) + F.mish(x))


class Pools(nn.Module):
    def forward(self, x):
        a = F.max_pool2d(x, 3, 2, 1)
        b = F.avg_pool2d(x, 2)
        c = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        return (a.mean((2, 3)) + b.mean((2, 3)) + c.mean((2, 3)) + F.adaptive_avg_pool2d(x, 1).flatten(1)
                + F.adaptive_avg_pool2d(x, (2, 2)).sum((2, 3)) + F.adaptive_max_pool2d(x, 1).flatten(1))


class Arith(nn.Module):
    def forward(self, x):
        y = x * 2.0 + 1 - x / 4
        y = 3 - y
        y = -y + x * x
        t = torch.div(x * 7, 2, rounding_mode="trunc") + torch.div(x * 7, 2, rounding_mode="floor")
        n = torch.div(x.size(1) * 6, 4, rounding_mode="trunc")  # int shape arithmetic
        return torch.add(y, x, alpha=0.5) + t * n


class Shapes(nn.Module):
    def forward(self, x):  # x [B, 4, 6, 6]
        b = x.size(0)
        y = x.view(b, 4, 36).permute(0, 2, 1).transpose(1, 2).reshape(b, -1)
        p, q = y.chunk(2, dim=1)
        z = torch.cat([q, p], 1) + torch.stack([p, q], 1).flatten(1)
        return z.unsqueeze(1).squeeze(1).contiguous().view(b, 2, -1).sum(2)


class LinearNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 8)
        self.ln = nn.LayerNorm(8)
        self.bn = nn.BatchNorm1d(8)
        self.w = nn.Parameter(torch.randn(8, 5))
        self.b = nn.Parameter(torch.randn(5))

    def forward(self, x):  # x [B, 16]
        y = self.bn(self.ln(self.fc(x)))
        z = torch.addmm(self.b, y, self.w)
        att = torch.bmm(y.unsqueeze(2), y.unsqueeze(1)).sum(2)  # bmm: [B, 8, 1] x [B, 1, 8]
        return (torch.softmax(z, 1) + torch.log_softmax(torch.matmul(y, self.w), -1) + z.mean(1, keepdim=True)
                + att.sum(1, keepdim=True))


class Indexing(nn.Module):
    def forward(self, x):  # x [B, 4, 8]
        a = x[:, 1] + x[:, 2:4].sum(1) + x[:, ::2].mean(1)           # select, slice, slice with a step
        b = F.pad(x, (1, 2)).sum(2, keepdim=True).expand(-1, -1, 8)  # pad, expand with -1
        b = b + F.pad(x, (2, 1), mode="reflect").sum(2, keepdim=True) + F.pad(x, (1, 1), mode="replicate").sum(2, keepdim=True)
        m = x > 0.5
        c = x.masked_fill(m, -1.0) + torch.where(x < -0.5, x * 2, x)
        d = (x.pow(2) + torch.remainder(x, 0.7)).to(torch.float64).to(torch.float32)
        e = (x == x).float() + (x != 0).float() + (x >= 0).float() + (x <= 0).float()
        return a.unsqueeze(1) + b + c + d + e


class Resize(nn.Module):
    def forward(self, x):  # x [B, 3, 5, 7]
        a = F.interpolate(x, size=(10, 9), mode="bilinear", align_corners=False)
        b = F.interpolate(x, size=(10, 9), mode="bilinear", align_corners=True)
        c = F.interpolate(x, scale_factor=2, mode="nearest")[:, :, :10, :9]
        d = F.interpolate(x, size=(x.size(2) * 2, 9), mode="nearest")  # a size computed at run time
        return a + b + c + d


class Math(nn.Module):
    def forward(self, x):  # x [B, 4, 6]
        a = torch.exp(x.clamp(max=2)) + torch.log(x.abs() + 1) + torch.sqrt(x.abs()) + torch.rsqrt(x.abs() + 1)
        b = torch.erf(x) + torch.sin(x) * torch.cos(x) + torch.floor(x * 3) + torch.ceil(x) + torch.sign(x)
        c = x.clamp(-0.5, 0.5) + x.clamp(min=0.1) + torch.maximum(x, x * 0.5) + torch.minimum(x, -x) + F.logsigmoid(x)
        d = x.max(2, keepdim=True)[0] + x.min(1)[0].unsqueeze(1) + x.amax((1, 2), keepdim=True) + x.max() + x.mean()
        e = x.argmax(2, keepdim=True).float() + torch.cumsum(x, 2) + x.sum()
        m = (x > 0) & (x < 0.5) | (x < -0.9)
        return a + b + c + d + e + m.float() + torch.logical_not(m).float()


class Create(nn.Module):
    def forward(self, x):  # x [B, 3, 5]
        b = x.size(0)
        z = torch.zeros(b, 3, 5) + torch.ones(b, 3, 1) * 2 + torch.full((b, 1, 5), 0.5)
        y = torch.zeros_like(x) + torch.ones_like(x) + torch.full_like(x, 3.0) + x.new_zeros(b, 3, 5) + x.new_ones((b, 1, 1))
        r = torch.arange(5).float() + torch.arange(1, x.size(2) + 1).float() * 0.1 + torch.arange(0, 10, 2).float()
        i = torch.arange(b).float().view(b, 1, 1)  # a computed length
        return z + y + x * r + i


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(16, 5, batch_first=True)
        self.rnn = nn.RNN(5, 4, nonlinearity="relu")

    def forward(self, x):  # x [B, T, 6]
        y, (h, c) = self.lstm(x)
        z, hz = self.gru(y)
        w, hw = self.rnn(z.transpose(0, 1))
        return w.transpose(0, 1).sum(1) + h.sum(0).mean(1, keepdim=True) + c.mean(0).mean(1, keepdim=True) + hz[0].sum(1, keepdim=True)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)  # eval: the fused fast path
        prenorm = nn.TransformerEncoderLayer(32, 4, 64, activation="gelu", batch_first=True, norm_first=True)
        self.pre = nn.TransformerEncoder(prenorm, 1, enable_nested_tensor=False)
        self.mha = nn.MultiheadAttention(32, 2)  # sequence first: the unfused path (linear, baddbmm, softmax)
        self.cross = nn.MultiheadAttention(32, 4, batch_first=True)  # fused, with weights

    def forward(self, x):  # x [B, T, 32]
        y = self.pre(self.enc(x))
        s = y.transpose(0, 1)
        a, _ = self.mha(s, s, s, need_weights=False)
        c, w = self.cross(y, x, x)
        return a.transpose(0, 1) + c + w.sum(2, keepdim=True)


class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 8)
        self.proj = nn.Linear(8, 3)

    def forward(self, ids):  # ids [B, T] int64
        e = self.emb(ids)
        first = e.index_select(1, torch.tensor([0]))
        return self.proj(e + first).sum(1)


class Misc(nn.Module):
    def __init__(self):
        super().__init__()
        self.gn = nn.GroupNorm(2, 4)
        self.inorm = nn.InstanceNorm2d(4, affine=True)

    def forward(self, x):  # x [B, 4, 6, 6]
        y = self.gn(x) + self.inorm(x) + torch.roll(x, (2, -1), (2, 3)) + x.flip([3])
        parts = y.unbind(1)
        z = parts[0] + parts[3] + y.narrow(1, 1, 1).squeeze(1)
        u = z.flatten(1).unflatten(1, (6, 6)) + z.repeat(1, 1, 1)
        idx = torch.tensor([5, 0, 2])
        v = u[:, idx].sum(1) + u[:, 1].t().t() + torch.arange(u.numel()).float().mean() * 0.01
        return v.view_as(v).expand_as(v) + u.mean(2)


class Windows(nn.Module):
    """What Swin and MaxViT do: a mask written into slices of new_zeros, a cloned bias partly
    zeroed, einsum attention, F.normalize, and an int size raised to a float power."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(12))

    def forward(self, x):  # x [B, 6, 8]
        mask = x.new_zeros((x.size(1), x.size(2)))
        count = 0
        for h in ((0, -3), (-3, -1), (-1, None)):
            for w in ((0, -4), (-4, None)):
                mask[h[0]:h[1], w[0]:w[1]] = count
                count += 1
        mask[:, 1] = -1.0
        b = self.bias.clone()
        b[4:8].zero_()
        q = x.view(x.size(0), 2, 3, 8)
        att = torch.einsum("bhid,bhjd->bhij", q, q) * (x.size(2) // 2) ** -0.5
        out = torch.einsum("bhij,bhjd->bhid", att.softmax(-1), q).reshape(x.shape)
        n = F.normalize(x, dim=-1) + torch.einsum("bij->bi", x).unsqueeze(2)
        return out + mask + n + b[:8].sum()


class Scripted(nn.Module):
    """torch.jit.script'ed: shape checks, a None default, a loop with a carried tensor, a branch on
    an attribute; all known at conversion time, so piu keeps the branch taken and unrolls the loop."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.double = True
        self.mask: Optional[torch.Tensor] = None

    def forward(self, x):  # x [B, 4, 6]
        if x.dim() != 3:
            raise ValueError(f"expected a 3-D input, got {x.dim()}-D")
        b, n, c = x.shape
        scale = 0.5
        if self.mask is not None:
            scale = 0.25
        y = x
        for i in range(3):
            y = torch.relu(self.fc(y)) * scale + x * float(i)
        for j in range(n):  # a trip count from a (static) size: piu unrolls it
            y = y + x[:, j : j + 1] * 0.1
        if self.double:
            y = y * 2
        if n > 2:
            y = y[:, :2]
        return y.reshape(b, -1)


class DictOut(nn.Module):
    def forward(self, x):
        return {"logits": x * 2, "features": x.relu()}


class Gated(nn.Module):
    """Scripted, with an `if` on a run-time value: an ONNX If."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)

    def forward(self, x):
        if bool(x.sum() > 0):
            return self.a(x)
        return x


class Unsupported(nn.Module):
    def forward(self, x):
        a = torch.linalg.svdvals(x.view(-1, 4, 4)).sum(1, keepdim=True)  # singular values: no ONNX form
        b = torch.linalg.svdvals(x.view(-1, 4, 4) * 2).sum(1, keepdim=True)
        c = torch._standard_gamma(x.abs() + 1)  # gamma sampling: no ONNX op expresses it
        return a + b + c.sum(1, keepdim=True)


class UnsafeWrites(nn.Module):
    def forward(self, x):
        y = x * 2
        v = y[:, 1:]  # a view of y, read after the write below: exporting y[:, :1] = ... out of place
        y[:, :1] = x[:, :1] * 0.5  # would leave v with the old values
        z = x + 1
        z[:, ::2] = x[:, ::2]  # a strided slice
        return y + 1, v * 3, z


class BertLike(nn.Module):
    """What a BERT-style encoder does with its two int64 inputs: token (and position) embeddings of
    input_ids; attention_mask cast to float for the additive attention mask and for masked mean
    pooling, and counted as integers."""

    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(100, 16)
        self.pos = nn.Embedding(128, 16)
        self.norm = nn.LayerNorm(16)
        self.qkv = nn.Linear(16, 48)
        self.out = nn.Linear(16, 16)

    def forward(self, input_ids, attention_mask):  # both [B, T] int64
        positions = torch.arange(input_ids.size(1)).unsqueeze(0)
        h = self.norm(self.tok(input_ids) + self.pos(positions))
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        additive = (1.0 - attention_mask[:, None, :].to(torch.float32)) * -10000.0
        scores = q @ k.transpose(1, 2) / 4.0 + additive
        h = h + self.out(scores.softmax(-1) @ v)
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        tokens = attention_mask.sum(1, keepdim=True)
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0), tokens


class TwoInputs(nn.Module):
    def forward(self, a, b):
        return a + b, a * b


FAMILIES = [
    # name, module, trace shape, shape spec for export, lowest opset that can express it
    ("conv", Conv, (2, 3, 16, 16), "-1x3x16x16", 11),
    ("activations", Activations, (2, 5, 7), "-1x5x7", 11),
    ("pools", Pools, (2, 3, 8, 8), "-1x3x8x8", 11),
    ("arith", Arith, (2, 3, 4), "-1x3x4", 11),
    ("shapes", Shapes, (2, 4, 6, 6), "-1x4x6x6", 11),
    ("linear_norm", LinearNorm, (2, 16), "-1x16", 11),
    ("indexing", Indexing, (2, 4, 8), "-1x4x8", 11),
    ("resize", Resize, (2, 3, 5, 7), "-1x3x5x7", 11),
    ("math", Math, (2, 4, 6), "-1x4x6", 11),
    ("create", Create, (2, 3, 5), "-1x3x5", 11),
    ("recurrent", Recurrent, (2, 7, 6), "-1x-1x6", 11),
    ("attention", Attention, (2, 5, 32), "-1x-1x32", 11),
    ("embedding", Embed, None, "-1x-1", 11),  # int64 token ids
    ("misc", Misc, (2, 4, 6, 6), "-1x4x6x6", 11),
    ("windows", Windows, (2, 6, 8), "-1x6x8", 12),  # a general einsum needs Einsum (opset 12)
]


def main():
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build/models", "torch")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    lines = []
    for name, cls, shape, spec, opset in FAMILIES:
        m = cls().eval()
        example = torch.randint(0, 50, (2, 6)) if shape is None else torch.randn(*shape)
        torch.jit.trace(m, example, check_trace=False).save(os.path.join(out, name + ".pt"))
        lines.append(f"{name} {spec} {opset}")
    torch.jit.script(Scripted().eval()).save(os.path.join(out, "scripted.pt"))
    lines.append("scripted -1x4x6 11")
    with open(os.path.join(out, "shapes.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    torch.jit.trace(Unsupported().eval(), torch.randn(2, 16)).save(os.path.join(out, "unsupported.pt"))
    torch.jit.trace(TwoInputs().eval(), (torch.randn(2, 3), torch.randn(2, 3))).save(os.path.join(out, "two_inputs.pt"))
    ids, mask = torch.randint(0, 100, (2, 7)), torch.ones(2, 7, dtype=torch.int64)
    mask[1, 4:] = 0
    torch.jit.trace(BertLike().eval(), (ids, mask), check_trace=False).save(os.path.join(out, "bert_like.pt"))
    torch.save(Conv().state_dict(), os.path.join(out, "state_dict.pt"))
    torch.jit.trace(DictOut().eval(), torch.randn(2, 3), strict=False).save(os.path.join(out, "dict_out.pt"))
    torch.jit.script(Gated().eval()).save(os.path.join(out, "control_flow.pt"))
    torch.jit.trace(UnsafeWrites().eval(), torch.randn(2, 4)).save(os.path.join(out, "unsafe_writes.pt"))


if __name__ == "__main__":
    main()

"""Converter cases (engineer A, a..k): fake quantization (QAT graphs) as QuantizeLinear/DequantizeLinear."""
import torch

from op_case import Case


def per_tensor(x):
    return torch.fake_quantize_per_tensor_affine(x, 0.05, 3, 0, 255), \
        torch.fake_quantize_per_tensor_affine(x, 0.02, -2, -128, 127), \
        torch.fake_quantize_per_tensor_affine(x, torch.tensor([0.03]), torch.tensor([5], dtype=torch.int32), 0, 255)


def per_channel(x):
    return torch.fake_quantize_per_channel_affine(x, torch.tensor([0.05, 0.02, 0.1]),
                                                  torch.tensor([0, 10, 2], dtype=torch.int32), 1, -128, 127)


CASES = [
    Case(["aten::fake_quantize_per_tensor_affine"], per_tensor, (torch.randn(2, 3, 4),), atol=1e-5),
    Case(["aten::fake_quantize_per_channel_affine"], per_channel, (torch.randn(2, 3, 4),), opset=13, atol=1e-5),
]

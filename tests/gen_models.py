#!/usr/bin/env python3
"""Generates the test and demo models with Debian's PyTorch (run with /usr/bin/python3).

Writes into OUT_DIR (default build/models):
  resnet18.onnx, mobilenet_v3_small.onnx   torchvision models, random weights (seeded), dynamic batch
  <name>.input.npy / <name>.output.npy      a batch-2 input and PyTorch's output for it (the reference)
  resnet18.pt, shapes.pt                    the same modules as TorchScript (torch.jit.trace at batch 1)
  resnet18.state_dict.pt                    a torch.save()d state_dict: not TorchScript (a bad input)
  shapes.onnx, shapes.labels.txt            the demo classifier: a small CNN trained here on synthetic
  circle.png, square.png, triangle.png      images of circles/squares/triangles, and one image of each
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

OPSET = 17  # the newest opset Debian's torch 1.13 exports


def export(model, path, shape, dynamic_batch=True):
    model.eval()
    dummy = torch.randn(*shape)
    dynamic_axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None
    torch.onnx.export(model, dummy, path, input_names=["input"], output_names=["output"],
                      opset_version=OPSET, dynamic_axes=dynamic_axes, do_constant_folding=True)


def reference(model, out_dir, name, shape):
    g = torch.Generator().manual_seed(123)
    x = torch.randn(*shape, generator=g)
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(out_dir, name + ".input.npy"), x.numpy())
    np.save(os.path.join(out_dir, name + ".output.npy"), y.numpy())


def torchvision_models(out_dir):
    for name, ctor in [("resnet18", torchvision.models.resnet18),
                       ("mobilenet_v3_small", torchvision.models.mobilenet_v3_small)]:
        torch.manual_seed(0)
        model = ctor(weights=None).eval()
        export(model, os.path.join(out_dir, name + ".onnx"), (1, 3, 224, 224))
        reference(model, out_dir, name, (2, 3, 224, 224))
        if name == "resnet18":
            torch.jit.trace(model, torch.randn(1, 3, 224, 224)).save(os.path.join(out_dir, name + ".pt"))
            torch.save(model.state_dict(), os.path.join(out_dir, name + ".state_dict.pt"))


# ---- the demo classifier -------------------------------------------------------------------------
CLASSES = ["circle", "square", "triangle"]
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def draw(kind, size, rng):
    """An RGB uint8 image of one shape in a random color on a random background."""
    bg = rng.integers(0, 256, 3)
    fg = (bg + rng.integers(80, 176, 3)) % 256
    img = np.empty((size, size, 3), np.uint8)
    img[:] = bg
    r = rng.uniform(0.2, 0.4) * size
    cx, cy = rng.uniform(r, size - r, 2)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    if kind == 0:
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    elif kind == 1:
        mask = (np.abs(xx - cx) <= r * 0.85) & (np.abs(yy - cy) <= r * 0.85)
    else:  # upward triangle
        top, bottom = cy - r, cy + r * 0.8
        half = (yy - top) / (bottom - top) * r
        mask = (yy >= top) & (yy <= bottom) & (np.abs(xx - cx) <= half)
    img[mask] = fg
    noise = rng.integers(-12, 13, img.shape)
    return np.clip(img.astype(np.int32) + noise, 0, 255).astype(np.uint8)


def normalize(batch_hwc):
    x = batch_hwc.astype(np.float32) / 255.0
    x = (x - MEAN) / STD
    return torch.from_numpy(x.transpose(0, 3, 1, 2).copy())


class ShapesNet(nn.Module):
    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                                 nn.MaxPool2d(2))
        self.features = nn.Sequential(block(3, 16), block(16, 32), block(32, 64))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, len(CLASSES))

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def demo_model(out_dir):
    from PIL import Image
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    rng = np.random.default_rng(0)
    size = 64
    model = ShapesNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for step in range(250):
        labels = rng.integers(0, 3, 64)
        x = normalize(np.stack([draw(k, size, rng) for k in labels]))
        loss = loss_fn(model(x), torch.from_numpy(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    labels = rng.integers(0, 3, 300)
    with torch.no_grad():
        acc = (model(normalize(np.stack([draw(k, size, rng) for k in labels]))).argmax(1).numpy() == labels).mean()
    print(f"shapes demo model: held-out accuracy {acc:.3f}")
    export(model, os.path.join(out_dir, "shapes.onnx"), (1, 3, size, size))
    torch.jit.trace(model, torch.randn(1, 3, size, size)).save(os.path.join(out_dir, "shapes.pt"))
    with open(os.path.join(out_dir, "shapes.labels.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    demo_rng = np.random.default_rng(7)
    for k, name in enumerate(CLASSES):
        Image.fromarray(draw(k, size, demo_rng)).save(os.path.join(out_dir, name + ".png"))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "build/models"
    os.makedirs(out_dir, exist_ok=True)
    which = sys.argv[2:] or ["torchvision", "demo"]
    if "demo" in which:
        demo_model(out_dir)
    if "torchvision" in which:
        torchvision_models(out_dir)


if __name__ == "__main__":
    main()

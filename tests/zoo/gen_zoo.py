#!/usr/bin/env python3
"""Exports the model zoo: torchvision classification models with random weights (seeded), at
opset 17 with a dynamic batch, in eval mode. Run with /usr/bin/python3 (Debian's torch 1.13).

A second export of some models keeps BatchNormalization and Dropout as they are
(training=TrainingMode.PRESERVE, do_constant_folding=False): torch's own eval-mode export folds
BN into Conv, so these variants are where fuse_bn_into_conv and friends have work to do.

  gen_zoo.py OUT_DIR [NAME ...]
"""
import os
import sys
import time

import torch
import torchvision

OPSET = 17
# name -> (constructor, input size)
MODELS = {
    "alexnet": (torchvision.models.alexnet, 224),
    "convnext_tiny": (torchvision.models.convnext_tiny, 224),
    "densenet121": (torchvision.models.densenet121, 224),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, 224),
    "efficientnet_v2_s": (torchvision.models.efficientnet_v2_s, 224),
    "googlenet": (torchvision.models.googlenet, 224),
    "inception_v3": (torchvision.models.inception_v3, 299),
    "mnasnet1_0": (torchvision.models.mnasnet1_0, 224),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, 224),
    "mobilenet_v3_large": (torchvision.models.mobilenet_v3_large, 224),
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, 224),
    "regnet_x_400mf": (torchvision.models.regnet_x_400mf, 224),
    "regnet_y_400mf": (torchvision.models.regnet_y_400mf, 224),
    "resnet18": (torchvision.models.resnet18, 224),
    "resnet50": (torchvision.models.resnet50, 224),
    "resnext50_32x4d": (torchvision.models.resnext50_32x4d, 224),
    "shufflenet_v2_x1_0": (torchvision.models.shufflenet_v2_x1_0, 224),
    "squeezenet1_1": (torchvision.models.squeezenet1_1, 224),
    "swin_t": (torchvision.models.swin_t, 224),
    "vgg11_bn": (torchvision.models.vgg11_bn, 224),
    "vit_b_16": (torchvision.models.vit_b_16, 224),
    "wide_resnet50_2": (torchvision.models.wide_resnet50_2, 224),
}
PRESERVE = ["resnet18", "mobilenet_v2", "efficientnet_b0", "densenet121", "vgg11_bn", "googlenet"]


def build(name):
    ctor, size = MODELS[name]
    torch.manual_seed(0)
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = True
    return ctor(**kwargs).eval(), size


def export(model, size, path, preserve):
    x = torch.randn(1, 3, size, size)
    kwargs = dict(input_names=["input"], output_names=["output"], opset_version=OPSET,
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    if preserve:
        kwargs.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    torch.onnx.export(model, x, path, **kwargs)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[2:] or sorted(MODELS)
    for i, name in enumerate(names, 1):
        for preserve in (False, True):
            if preserve and name not in PRESERVE:
                continue
            path = os.path.join(out, name + ("_preserve" if preserve else "") + ".onnx")
            if os.path.exists(path):
                continue
            t0 = time.time()
            model, size = build(name)
            export(model, size, path + ".tmp", preserve)
            os.replace(path + ".tmp", path)
            print(f"[{i}/{len(names)}] {os.path.basename(path)} ({time.time() - t0:.1f} s)", flush=True)


if __name__ == "__main__":
    main()

"""torchvision's detection ops (torchvision registers torch.onnx symbolics for these three): nms,
roi_align, roi_pool. LibTorch runs them with torchvision's op library loaded (PIU_TORCH_LIBRARIES,
set by the test from what tests/gen_op_cases.py recorded)."""
import torch
import torch.nn as nn
import torchvision.ops

from op_case import Case


class Nms(nn.Module):
    """Boxes are constants (valid corners: export's verification draws random inputs, which would
    not be boxes); scores are the input."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        corners = torch.rand(8, 2, generator=g) * 20
        self.register_buffer("boxes", torch.cat([corners, corners + torch.rand(8, 2, generator=g) * 10 + 4], 1))

    def forward(self, scores):
        return torchvision.ops.nms(self.boxes, scores, 0.3), torchvision.ops.nms(self.boxes, scores, 0.05)


class Rois(nn.Module):
    def __init__(self, aligned):
        super().__init__()
        self.aligned = aligned
        self.register_buffer("rois", torch.tensor([[0, 1.0, 1.5, 9.0, 12.0], [0, 4.0, 0.0, 15.0, 7.5], [0, 0, 0, 15, 15]]))

    def forward(self, x):
        out = (torchvision.ops.roi_align(x, self.rois, (3, 2), 0.5, 2, self.aligned),
               torchvision.ops.roi_align(x, self.rois, 2, 1.0, -1, self.aligned))
        if not self.aligned:
            out += (torchvision.ops.roi_pool(x, self.rois, (2, 3), 0.5),)
        return out


CASES = [
    Case(["torchvision::nms"], Nms(), (torch.randperm(8, generator=torch.Generator().manual_seed(1)).float() / 8,),
         name="b_nms"),
    Case(["torchvision::roi_align", "torchvision::roi_pool"], Rois(False), (torch.randn(1, 3, 16, 16),), name="b_rois"),
    Case(["torchvision::roi_align"], Rois(True), (torch.randn(1, 3, 16, 16),), opset=16, name="b_roi_align_aligned"),
]

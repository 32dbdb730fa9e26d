// torchvision's detection ops (the ones torchvision gives torch.onnx symbolics for): nms,
// roi_align, roi_pool. LibTorch knows them once torchvision's op library is loaded
// (PIU_TORCH_LIBRARIES).
#include <algorithm>
#include <climits>
#include <utility>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// nms(boxes [N, 4] as x1 y1 x2 y2, scores [N], iou_threshold) -> kept indices by decreasing score:
// NonMaxSuppression over one batch and one class (IoU does not care which axis comes first).
void nms(ConvertContext& ctx) {
  const std::string boxes = unsqueeze(ctx, ctx.tensor(0), {0}), scores = unsqueeze(ctx, ctx.tensor(1), {0, 1});
  Tensor iou = Tensor::zeros(DType::kFloat32, {1});
  iou.data_as<float>()[0] = static_cast<float>(ctx.float_const(2));
  const std::string kept =
      ctx.emit("NonMaxSuppression", {boxes, scores, ctx.const_i64({INT64_MAX}), ctx.const_tensor(iou, "iou")});
  auto& index = ctx.add("Gather", {kept, ctx.const_i64({2}, true)});
  set_int(index, "axis", 1);
  ctx.bind(0, index.output(0), onnx::TensorProto::INT64);
  ctx.set_rank(0, 1);
}

// rois [K, 5] (batch index, x1, y1, x2, y2) -> the boxes [K, 4] and the int64 batch indices [K].
std::pair<std::string, std::string> split_rois(ConvertContext& ctx, size_t i) {
  const std::string rois = ctx.tensor(i), axis = ctx.const_i64({1});
  const std::string boxes = ctx.emit("Slice", {rois, ctx.const_i64({1}), ctx.const_i64({5}), axis});
  const std::string first = squeeze(ctx, ctx.emit("Slice", {rois, ctx.const_i64({0}), ctx.const_i64({1}), axis}), {1});
  return {boxes, cast(ctx, first, onnx::TensorProto::INT64, ctx.elem_type(i))};
}

// roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned):
// RoiAlign; aligned (the half-pixel shift) needs opset 16, and a negative sampling ratio is
// ONNX's 0 (adaptive).
void roi_align(ConvertContext& ctx) {
  const bool aligned = ctx.bool_const(6);
  if (aligned && ctx.opset() < 16) throw Unconvertible("roi_align with aligned=True needs opset 16");
  const auto [boxes, batch] = split_rois(ctx, 1);
  auto& n = ctx.add("RoiAlign", {ctx.tensor(0), boxes, batch});
  set_float(n, "spatial_scale", static_cast<float>(ctx.float_const(2)));
  set_int(n, "output_height", ctx.int_const(3));
  set_int(n, "output_width", ctx.int_const(4));
  set_int(n, "sampling_ratio", std::max<int64_t>(ctx.int_const(5), 0));
  if (ctx.opset() >= 16) {
    auto* mode = n.add_attribute();
    mode->set_name("coordinate_transformation_mode");
    mode->set_type(onnx::AttributeProto::STRING);
    mode->set_s(aligned ? "half_pixel" : "output_half_pixel");
  }
  ctx.bind(0, n.output(0));
}

// roi_pool(input, rois, spatial_scale, pooled_height, pooled_width) -> (output, argmax):
// MaxRoiPool. The argmax output is left unbound: a graph that reads it fails, naming this op.
void roi_pool(ConvertContext& ctx) {
  auto& n = ctx.add("MaxRoiPool", {ctx.tensor(0), ctx.tensor(1)});
  set_ints(n, "pooled_shape", {ctx.int_const(3), ctx.int_const(4)});
  set_float(n, "spatial_scale", static_cast<float>(ctx.float_const(2)));
  ctx.bind(0, n.output(0));
}

}  // namespace

PIU_REGISTER_CONVERTER(torchvision_nms, "torchvision::nms", nms);
PIU_REGISTER_CONVERTER(torchvision_roi_align, "torchvision::roi_align", roi_align);
PIU_REGISTER_CONVERTER(torchvision_roi_pool, "torchvision::roi_pool", roi_pool);

}  // namespace piu::exporter

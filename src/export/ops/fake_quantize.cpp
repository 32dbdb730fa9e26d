// Fake quantization (quantization-aware-trained models): fake_quantize_per_tensor_affine and
// fake_quantize_per_channel_affine -> QuantizeLinear + DequantizeLinear on int8 or uint8, the
// quantization pair every runtime recognizes.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

using onnx::TensorProto;

// The 8-bit type of a (quant_min, quant_max) range.
int32_t quant_type(ConvertContext& ctx, size_t min_i) {
  const int64_t lo = ctx.int_const(min_i), hi = ctx.int_const(min_i + 1);
  if (lo == 0 && hi == 255) return TensorProto::UINT8;
  if (lo == -128 && hi == 127) return TensorProto::INT8;
  throw Unconvertible("fake quantization to [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "]: only [0, 255] and [-128, 127] map to ONNX types");
}

std::string qdq(ConvertContext& ctx, const std::string& scale, const std::string& zero_point, int64_t axis) {
  auto& q = ctx.add("QuantizeLinear", {ctx.tensor(0), scale, zero_point});
  auto& dq = ctx.add("DequantizeLinear", {q.output(0), scale, zero_point});
  if (axis >= 0) {
    set_int(q, "axis", axis);
    set_int(dq, "axis", axis);
  }
  return dq.output(0);
}

// fake_quantize_per_tensor_affine(x, scale, zero_point, quant_min, quant_max): scale and
// zero_point numbers or one-element tensors.
void per_tensor(ConvertContext& ctx) {
  const int32_t type = quant_type(ctx, 3);
  // A 0-d constant of type `to` (int8/uint8 through a Cast of an int32, which folds).
  auto constant = [&](double v, int32_t to) {
    if (to == TensorProto::FLOAT) return ctx.const_scalar(v, to, "scale");
    return cast(ctx, ctx.const_scalar(v, TensorProto::INT32, "zero_point"), to, TensorProto::INT32);
  };
  // A number, or a one-element tensor reshaped to 0-d (folded when it is a constant).
  auto scalar = [&](size_t i, int32_t to) {
    if (auto v = ctx.maybe_scalar(i)) return constant(*v, to);
    return cast(ctx, ctx.emit("Reshape", {ctx.tensor(i), ctx.const_i64({})}), to, ctx.elem_type(i));
  };
  ctx.bind(0, qdq(ctx, scalar(1, TensorProto::FLOAT), scalar(2, type), -1));
}

// fake_quantize_per_channel_affine(x, scale[C], zero_point[C], axis, quant_min, quant_max):
// per-axis QuantizeLinear from opset 13.
void per_channel(ConvertContext& ctx) {
  if (ctx.opset() < 13) throw Unconvertible("per-channel fake quantization needs opset 13");
  const int32_t type = quant_type(ctx, 4);
  const std::string scale = cast(ctx, ctx.tensor(1), TensorProto::FLOAT, ctx.elem_type(1));
  ctx.bind(0, qdq(ctx, scale, cast(ctx, ctx.tensor(2), type, ctx.elem_type(2)), ctx.int_const(3)));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_fake_quantize_per_tensor_affine, "aten::fake_quantize_per_tensor_affine", per_tensor);
PIU_REGISTER_CONVERTER(aten_fake_quantize_per_channel_affine, "aten::fake_quantize_per_channel_affine", per_channel);

}  // namespace piu::exporter

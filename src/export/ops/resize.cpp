// Upsampling (F.interpolate): upsample_nearest1d/2d/3d, upsample_linear1d, upsample_bilinear2d,
// upsample_trilinear3d, upsample_bicubic2d and __interpolate (scripted code's builtin), with an
// output size (constant or computed from sizes: the batch and channels are taken from the input at
// run time) or scale factors -> Resize.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

std::string empty_floats(ConvertContext& ctx, const char* hint) {
  return ctx.const_tensor(Tensor::zeros(DType::kFloat32, {0}), hint);
}

// Resize with `sizes` (when an output size, a 1-D int64 value, is given) or `scales` (factors).
void resize(ConvertContext& ctx, const std::string& mode, bool align_corners, size_t spatial,
            const std::string& output_size, const std::vector<double>& scales) {
  const std::string x = ctx.tensor(0);
  std::string sizes_v, scales_v;
  if (!output_size.empty()) {
    // sizes = [N, C] of x (Slice of Shape: the batch stays dynamic) ++ output_size
    const std::string nc = ctx.emit("Slice", {ctx.emit("Shape", {x}), ctx.const_i64({0}), ctx.const_i64({2}), ctx.const_i64({0})});
    auto& cat = ctx.add("Concat", {nc, output_size});
    set_int(cat, "axis", 0);
    sizes_v = cat.output(0);
  } else {
    if (scales.size() != spatial) throw Unconvertible("interpolate needs an output size or one scale per spatial dim");
    Tensor s = Tensor::zeros(DType::kFloat32, {static_cast<int64_t>(spatial + 2)});
    float* p = s.data_as<float>();
    p[0] = p[1] = 1.0f;
    for (size_t d = 0; d < spatial; ++d) p[d + 2] = static_cast<float>(scales[d]);
    scales_v = ctx.const_tensor(s, "scales");
  }
  std::vector<std::string> inputs = {x};
  if (ctx.opset() < 13) {  // roi and scales are required inputs before 13 (empty when unused)
    inputs.push_back(empty_floats(ctx, "roi"));
    inputs.push_back(scales_v.empty() ? empty_floats(ctx, "scales") : scales_v);
  } else {
    inputs.push_back("");
    inputs.push_back(scales_v);
  }
  if (!sizes_v.empty()) inputs.push_back(sizes_v);
  while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
  auto& n = ctx.add("Resize", inputs);
  auto str = [&](const char* name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  };
  str("mode", mode);
  if (mode == "nearest") {
    str("coordinate_transformation_mode", "asymmetric");  // PyTorch's legacy 'nearest'
    str("nearest_mode", "floor");
  } else {
    str("coordinate_transformation_mode", align_corners ? "align_corners" : "pytorch_half_pixel");
  }
  if (mode == "cubic") set_float(n, "cubic_coeff_a", -0.75f);  // PyTorch's bicubic kernel
  ctx.bind(0, n.output(0));
}

// The output_size argument as a 1-D int64 value, or "" when it is not given.
std::string size_arg(ConvertContext& ctx, size_t i) {
  if (ctx.is_none(i)) return "";
  if (ctx.in(i).type != IrType::kIntList) return "";
  if (auto v = ctx.maybe_ints(i); v && v->empty()) return "";
  return ctx.int_list(i);
}

// Scale factors: a float[] (the .vec overloads) or separate optional floats.
std::vector<double> scales_from(ConvertContext& ctx, size_t first, size_t spatial) {
  std::vector<double> out;
  if (first < ctx.num_inputs() && ctx.in(first).floats && ctx.in(first).type == IrType::kFloatList) return *ctx.in(first).floats;
  for (size_t d = 0; d < spatial && first + d < ctx.num_inputs(); ++d)
    if (auto s = ctx.maybe_scalar(first + d)) out.push_back(*s);
  return out;
}

// upsample_nearestNd(input, output_size, scales...) and (input, output_size?, scale_factors?)
void nearest(ConvertContext& ctx, size_t spatial) {
  resize(ctx, "nearest", false, spatial, size_arg(ctx, 1), scales_from(ctx, 2, spatial));
}
// upsample_(bi|tri)linearNd(input, output_size, align_corners, scales...) and the .vec overload;
// upsample_bicubic2d likewise.
void linear(ConvertContext& ctx, size_t spatial, const std::string& mode = "linear") {
  resize(ctx, mode, ctx.bool_const(2), spatial, size_arg(ctx, 1), scales_from(ctx, 3, spatial));
}

// __interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias):
// F.interpolate as a builtin of scripted code; size and scale_factor a number or a list.
void interpolate(ConvertContext& ctx) {
  const size_t spatial = static_cast<size_t>(ctx.rank(0) - 2);
  const std::string mode = ctx.in(3).str.value_or("nearest");
  if (ctx.num_inputs() > 6 && ctx.bool_const(6)) throw Unconvertible("interpolate with antialias=True");
  const bool linear_mode = mode == "linear" || mode == "bilinear" || mode == "trilinear";
  if (mode != "nearest" && !linear_mode) throw Unconvertible("interpolate mode '" + mode + "' is not supported yet");
  const bool align = linear_mode && !ctx.is_none(4) && ctx.bool_const(4);
  std::string size;
  if (!ctx.is_none(1) && ctx.in(1).type == IrType::kInt)
    size = ctx.const_i64(std::vector<int64_t>(spatial, ctx.int_const(1)));
  else if (!ctx.is_none(1))
    size = ctx.int_list(1);
  std::vector<double> scales;
  if (size.empty() && !ctx.is_none(2)) {
    if (!ctx.in(2).floats) throw Unconvertible("interpolate with a scale factor computed at run time");
    scales = *ctx.in(2).floats;
    if (scales.size() == 1) scales.assign(spatial, scales[0]);
  }
  resize(ctx, linear_mode ? "linear" : "nearest", align, spatial, size, scales);
}

void nearest1d(ConvertContext& ctx) { nearest(ctx, 1); }
void nearest2d(ConvertContext& ctx) { nearest(ctx, 2); }
void nearest3d(ConvertContext& ctx) { nearest(ctx, 3); }
void linear1d(ConvertContext& ctx) { linear(ctx, 1); }
void bilinear2d(ConvertContext& ctx) { linear(ctx, 2); }
void trilinear3d(ConvertContext& ctx) { linear(ctx, 3); }
void bicubic2d(ConvertContext& ctx) { linear(ctx, 2, "cubic"); }

}  // namespace

PIU_REGISTER_CONVERTER(aten___interpolate, "aten::__interpolate", interpolate);
PIU_REGISTER_CONVERTER(aten_upsample_nearest1d, "aten::upsample_nearest1d", nearest1d);
PIU_REGISTER_CONVERTER(aten_upsample_nearest2d, "aten::upsample_nearest2d", nearest2d);
PIU_REGISTER_CONVERTER(aten_upsample_nearest3d, "aten::upsample_nearest3d", nearest3d);
PIU_REGISTER_CONVERTER(aten_upsample_linear1d, "aten::upsample_linear1d", linear1d);
PIU_REGISTER_CONVERTER(aten_upsample_bilinear2d, "aten::upsample_bilinear2d", bilinear2d);
PIU_REGISTER_CONVERTER(aten_upsample_trilinear3d, "aten::upsample_trilinear3d", trilinear3d);
PIU_REGISTER_CONVERTER(aten_upsample_bicubic2d, "aten::upsample_bicubic2d", bicubic2d);

}  // namespace piu::exporter

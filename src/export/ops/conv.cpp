// Convolutions: aten::_convolution (what tracing records; _convolution_mode for padding='same'/'valid'),
// aten::conv1d/2d/3d and
// conv_transpose1d/2d/3d -> Conv / ConvTranspose, grouped and depthwise included.
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// padding='valid' (none) or 'same' (PyTorch: stride 1; total dilation * (kernel - 1) per dim, the
// odd element at the end) as ONNX pads [begins..., ends...].
std::vector<int64_t> string_padding(const std::string& mode, const Shape& weight, const std::vector<int64_t>& strides,
                                    const std::vector<int64_t>& dilations) {
  const size_t spatial = strides.size();
  if (mode == "valid") return std::vector<int64_t>(2 * spatial, 0);
  if (mode != "same") throw Unconvertible("padding='" + mode + "' is not a PyTorch padding mode");
  if (weight.size() != spatial + 2) throw Unconvertible("padding='same' needs the weight's static shape");
  std::vector<int64_t> pads(2 * spatial);
  for (size_t d = 0; d < spatial; ++d) {
    if (strides[d] != 1) throw Unconvertible("padding='same' with a stride other than 1");
    const int64_t total = dilations[d] * (weight[d + 2] - 1);
    pads[d] = total / 2;
    pads[spatial + d] = total - total / 2;
  }
  return pads;
}

void emit_conv(ConvertContext& ctx, bool transposed, size_t stride_i, size_t pad_i, size_t dil_i, size_t outpad_i,
               size_t groups_i) {
  const auto w = ctx.in(1).tensor;
  const size_t spatial = w ? w->rank() - 2 : 2;
  std::vector<std::string> inputs = {ctx.tensor(0), ctx.tensor(1)};
  if (!ctx.is_none(2)) inputs.push_back(ctx.tensor(2));
  auto& n = ctx.add(transposed ? "ConvTranspose" : "Conv", inputs);
  if (w) set_ints(n, "kernel_shape", std::vector<int64_t>(w->shape().begin() + 2, w->shape().end()));
  const auto strides = repeat_to(ctx.ints_const(stride_i), spatial);
  const auto dilations = repeat_to(ctx.ints_const(dil_i), spatial);
  set_ints(n, "strides", strides);
  if (ctx.in(pad_i).str) {
    set_ints(n, "pads", string_padding(*ctx.in(pad_i).str, w ? w->shape() : Shape{}, strides, dilations));
  } else {
    set_ints(n, "pads", both_sides(repeat_to(ctx.ints_const(pad_i), spatial)));
  }
  set_ints(n, "dilations", dilations);
  set_int(n, "group", ctx.int_const(groups_i));
  if (transposed) {
    const auto op = repeat_to(ctx.ints_const(outpad_i), spatial);
    if (std::any_of(op.begin(), op.end(), [](int64_t v) { return v != 0; })) set_ints(n, "output_padding", op);
  }
  ctx.bind(0, n.output(0));
}

// _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
void convolution(ConvertContext& ctx) { emit_conv(ctx, ctx.bool_const(6), 3, 4, 5, 7, 8); }
// conv2d(input, weight, bias, stride, padding, dilation, groups); also _convolution_mode, the same
// arguments with padding a string ('same', 'valid': what tracing records for such a Conv2d)
void conv(ConvertContext& ctx) { emit_conv(ctx, false, 3, 4, 5, 0, 6); }
// conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)
void conv_transpose(ConvertContext& ctx) { emit_conv(ctx, true, 3, 4, 7, 5, 6); }

}  // namespace

PIU_REGISTER_CONVERTER(aten__convolution, "aten::_convolution", convolution);
PIU_REGISTER_CONVERTER(aten_convolution, "aten::convolution", convolution);  // the same first 9 arguments
PIU_REGISTER_CONVERTER(aten__convolution_mode, "aten::_convolution_mode", conv);
PIU_REGISTER_CONVERTER(aten_conv1d, "aten::conv1d", conv);
PIU_REGISTER_CONVERTER(aten_conv2d, "aten::conv2d", conv);
PIU_REGISTER_CONVERTER(aten_conv3d, "aten::conv3d", conv);
PIU_REGISTER_CONVERTER(aten_conv_transpose1d, "aten::conv_transpose1d", conv_transpose);
PIU_REGISTER_CONVERTER(aten_conv_transpose2d, "aten::conv_transpose2d", conv_transpose);
PIU_REGISTER_CONVERTER(aten_conv_transpose3d, "aten::conv_transpose3d", conv_transpose);

}  // namespace piu::exporter

// Convolutions: aten::_convolution (what tracing records), aten::conv1d/2d/3d and
// conv_transpose1d/2d/3d -> Conv / ConvTranspose, grouped and depthwise included.
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

void emit_conv(ConvertContext& ctx, bool transposed, size_t stride_i, size_t pad_i, size_t dil_i, size_t outpad_i,
               size_t groups_i) {
  const auto w = ctx.in(1).tensor;
  const size_t spatial = w ? w->rank() - 2 : 2;
  std::vector<std::string> inputs = {ctx.tensor(0), ctx.tensor(1)};
  if (!ctx.is_none(2)) inputs.push_back(ctx.tensor(2));
  auto& n = ctx.add(transposed ? "ConvTranspose" : "Conv", inputs);
  if (w) set_ints(n, "kernel_shape", std::vector<int64_t>(w->shape().begin() + 2, w->shape().end()));
  set_ints(n, "strides", repeat_to(ctx.ints_const(stride_i), spatial));
  if (ctx.in(pad_i).str)
    throw Unconvertible("padding='" + *ctx.in(pad_i).str + "' is not supported yet; give the padding as numbers");
  set_ints(n, "pads", both_sides(repeat_to(ctx.ints_const(pad_i), spatial)));
  set_ints(n, "dilations", repeat_to(ctx.ints_const(dil_i), spatial));
  set_int(n, "group", ctx.int_const(groups_i));
  if (transposed) {
    const auto op = repeat_to(ctx.ints_const(outpad_i), spatial);
    if (std::any_of(op.begin(), op.end(), [](int64_t v) { return v != 0; })) set_ints(n, "output_padding", op);
  }
  ctx.bind(0, n.output(0));
}

// _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
void convolution(ConvertContext& ctx) { emit_conv(ctx, ctx.bool_const(6), 3, 4, 5, 7, 8); }
// conv2d(input, weight, bias, stride, padding, dilation, groups)
void conv(ConvertContext& ctx) { emit_conv(ctx, false, 3, 4, 5, 0, 6); }
// conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)
void conv_transpose(ConvertContext& ctx) { emit_conv(ctx, true, 3, 4, 7, 5, 6); }

}  // namespace

PIU_REGISTER_CONVERTER(aten__convolution, "aten::_convolution", convolution);
PIU_REGISTER_CONVERTER(aten_convolution, "aten::convolution", convolution);  // the same first 9 arguments
PIU_REGISTER_CONVERTER(aten_conv1d, "aten::conv1d", conv);
PIU_REGISTER_CONVERTER(aten_conv2d, "aten::conv2d", conv);
PIU_REGISTER_CONVERTER(aten_conv3d, "aten::conv3d", conv);
PIU_REGISTER_CONVERTER(aten_conv_transpose1d, "aten::conv_transpose1d", conv_transpose);
PIU_REGISTER_CONVERTER(aten_conv_transpose2d, "aten::conv_transpose2d", conv_transpose);
PIU_REGISTER_CONVERTER(aten_conv_transpose3d, "aten::conv_transpose3d", conv_transpose);

}  // namespace piu::exporter

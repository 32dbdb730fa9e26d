// Image-space ops: grid_sampler (GridSample from opset 16 on 4-D inputs; its modes renamed at 20),
// _pad_circular, conv_tbc (a time-batch-channel 1-D convolution).
#include <climits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

void set_str(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners): modes 0/1/2 =
// bilinear/nearest/bicubic, padding 0/1/2 = zeros/border/reflection.
void grid_sampler(ConvertContext& ctx) {
  if (ctx.opset() < 16) throw Unconvertible("grid_sampler needs opset 16 (GridSample)");
  if (ctx.rank(0) != 4) throw Unconvertible("grid_sampler on a 5-D input is not supported yet (GridSample, opset 20)");
  const int64_t mode = ctx.int_const(2), padding = ctx.int_const(3);
  if (mode < 0 || mode > 2 || padding < 0 || padding > 2) throw Unconvertible("grid_sampler: unknown mode or padding");
  const bool v20 = ctx.opset() >= 20;
  const char* modes[] = {v20 ? "linear" : "bilinear", "nearest", v20 ? "cubic" : "bicubic"};
  const char* paddings[] = {"zeros", "border", "reflection"};
  auto& n = ctx.add("GridSample", {ctx.tensor(0), ctx.tensor(1)});
  set_str(n, "mode", modes[mode]);
  set_str(n, "padding_mode", paddings[padding]);
  set_int(n, "align_corners", ctx.bool_const(4) ? 1 : 0);
  ctx.bind(0, n.output(0));
}

// _pad_circular(x, pad): pairs (begin, end) from the last dim backwards; each dim wraps around
// by concatenating its last `begin` and first `end` elements.
void pad_circular(ConvertContext& ctx) {
  const auto pad = ctx.ints_const(1);
  const int64_t rank = ctx.rank(0);
  std::string x = ctx.tensor(0);
  for (size_t k = 0; 2 * k + 1 < pad.size(); ++k) {
    const int64_t dim = rank - 1 - static_cast<int64_t>(k), begin = pad[2 * k], end = pad[2 * k + 1];
    if (begin < 0 || end < 0) throw Unconvertible("circular padding by a negative amount");
    auto part = [&](int64_t from, int64_t to) {
      return ctx.emit("Slice", {x, ctx.const_i64({from}), ctx.const_i64({to}), ctx.const_i64({dim})});
    };
    std::vector<std::string> parts;
    if (begin) parts.push_back(part(-begin, INT64_MAX));
    parts.push_back(x);
    if (end) parts.push_back(part(0, end));
    if (parts.size() == 1) continue;
    auto& cat = ctx.add("Concat", parts);
    set_int(cat, "axis", dim);
    x = cat.output(0);
  }
  ctx.bind(0, x);
}

// conv_tbc(x [T, B, Cin], weight [K, Cin, Cout], bias [Cout], pad) -> [T', B, Cout]
void conv_tbc(ConvertContext& ctx) {
  const int64_t pad = ctx.int_const(3);
  const std::string x = transpose(ctx, ctx.tensor(0), {1, 2, 0});
  const std::string w = transpose(ctx, ctx.tensor(1), {2, 1, 0});
  auto& n = ctx.add("Conv", {x, w, ctx.tensor(2)});
  set_ints(n, "pads", {pad, pad});
  ctx.bind(0, transpose(ctx, n.output(0), {2, 0, 1}));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_grid_sampler, "aten::grid_sampler", grid_sampler);
PIU_REGISTER_CONVERTER(aten__pad_circular, "aten::_pad_circular", pad_circular);
PIU_REGISTER_CONVERTER(aten_conv_tbc, "aten::conv_tbc", conv_tbc);

}  // namespace piu::exporter

// Pools: max_pool1d/2d/3d (and _with_indices), avg_pool1d/2d/3d, adaptive_avg/max_pool (global,
// an output size that evenly divides a static input, or PyTorch's uneven bins of a static input).
#include <algorithm>
#include <climits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode), and
// max_pool2d_with_indices (the same) -> (values, indices): ONNX counts indices over the whole
// tensor, PyTorch within each channel's plane, so they are taken modulo the plane's size.
void max_pool(ConvertContext& ctx) {
  const auto kernel = ctx.ints_const(1);
  const size_t n = kernel.size();
  auto stride = ctx.ints_const(2);
  if (stride.empty()) stride = kernel;  // stride=None means the kernel size
  const bool with_indices = ctx.node().outputs.size() > 1;
  auto& node = ctx.add("MaxPool", {ctx.tensor(0)}, with_indices ? 2 : 1);
  set_ints(node, "kernel_shape", kernel);
  set_ints(node, "strides", repeat_to(stride, n));
  set_ints(node, "pads", both_sides(repeat_to(ctx.ints_const(3), n)));
  const auto dil = repeat_to(ctx.ints_const(4), n);
  if (std::any_of(dil.begin(), dil.end(), [](int64_t d) { return d != 1; })) set_ints(node, "dilations", dil);
  set_int(node, "ceil_mode", ctx.bool_const(5) ? 1 : 0);
  ctx.bind(0, node.output(0));
  if (!with_indices) return;
  const std::string spatial =
      ctx.emit("Slice", {ctx.emit("Shape", {ctx.tensor(0)}), ctx.const_i64({2}), ctx.const_i64({INT64_MAX})});
  auto& plane = ctx.add("ReduceProd", {spatial});
  set_int(plane, "keepdims", 1);
  ctx.bind(1, ctx.emit("Mod", {node.output(1), plane.output(0)}), onnx::TensorProto::INT64);
}

// avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
void avg_pool(ConvertContext& ctx) {
  const auto kernel = ctx.ints_const(1);
  const size_t n = kernel.size();
  auto stride = ctx.ints_const(2);
  if (stride.empty()) stride = kernel;
  if (ctx.num_inputs() > 6 && !ctx.is_none(6)) throw Unconvertible("divisor_override is not supported");
  auto& node = ctx.add("AveragePool", {ctx.tensor(0)});
  set_ints(node, "kernel_shape", kernel);
  set_ints(node, "strides", repeat_to(stride, n));
  set_ints(node, "pads", both_sides(repeat_to(ctx.ints_const(3), n)));
  set_int(node, "ceil_mode", ctx.num_inputs() > 4 && ctx.bool_const(4) ? 1 : 0);
  set_int(node, "count_include_pad", ctx.num_inputs() > 5 && !ctx.bool_const(5) ? 0 : 1);
  ctx.bind(0, node.output(0));
}

// Adaptive pooling whose output size does not split the (static) input evenly: PyTorch's bins,
// [floor(i * in / out), ceil((i + 1) * in / out)) per output index i, overlapping where they must.
// Both poolings are separable (a bin is a box), so each dim is pooled on its own: a Slice and a
// reduction per bin, concatenated along that dim.
void adaptive_pool_bins(ConvertContext& ctx, const std::string& reduce_op, const Shape& shape,
                        const std::vector<int64_t>& size) {
  std::string x = ctx.tensor(0);
  for (size_t d = 0; d < size.size(); ++d) {
    const int64_t axis = static_cast<int64_t>(d) + 2, in = shape[axis], out = size[d];
    if (in == out) continue;
    std::vector<std::string> bins;
    for (int64_t i = 0; i < out; ++i) {
      const int64_t begin = i * in / out, end = ((i + 1) * in + out - 1) / out;
      const std::string bin =
          ctx.emit("Slice", {x, ctx.const_i64({begin}), ctx.const_i64({end}), ctx.const_i64({axis})});
      bins.push_back(reduce(ctx, reduce_op, bin, {axis}, true).output(0));
    }
    auto& c = ctx.add("Concat", bins);
    set_int(c, "axis", axis);
    x = c.output(0);
  }
  ctx.bind(0, x);
}

void adaptive_pool(ConvertContext& ctx, const std::string& global_op) {
  const auto size = ctx.ints_const(1);
  if (std::all_of(size.begin(), size.end(), [](int64_t s) { return s == 1; })) {
    ctx.bind(0, ctx.emit(global_op, {ctx.tensor(0)}));
    return;
  }
  // An output size that evenly divides a static input: a plain pool with kernel = stride = in/out.
  const auto shape = ctx.shape(0);
  if (!shape || shape->size() != size.size() + 2)
    throw Unconvertible("adaptive pooling to a size other than 1 needs the input's static shape");
  std::vector<int64_t> kernel;
  bool even = true;
  for (size_t d = 0; d < size.size(); ++d) {
    const int64_t in = (*shape)[d + 2];
    if (in < 0) throw Unconvertible("adaptive pooling to a size other than 1 needs the input's static spatial dims");
    if (size[d] <= 0) throw Unconvertible("adaptive pooling to an output size below 1");
    even = even && in % size[d] == 0;
    kernel.push_back(size[d] ? in / size[d] : 1);
  }
  if (!even) return adaptive_pool_bins(ctx, global_op == "GlobalAveragePool" ? "ReduceMean" : "ReduceMax", *shape, size);
  auto& node = ctx.add(global_op == "GlobalAveragePool" ? "AveragePool" : "MaxPool", {ctx.tensor(0)});
  set_ints(node, "kernel_shape", kernel);
  set_ints(node, "strides", kernel);
  ctx.bind(0, node.output(0));
}

void adaptive_avg_pool(ConvertContext& ctx) { adaptive_pool(ctx, "GlobalAveragePool"); }
// The indices output is left unbound: a graph that reads it fails to export, naming this op.
void adaptive_max_pool(ConvertContext& ctx) { adaptive_pool(ctx, "GlobalMaxPool"); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_max_pool1d, "aten::max_pool1d", max_pool);
PIU_REGISTER_CONVERTER(aten_max_pool2d, "aten::max_pool2d", max_pool);
PIU_REGISTER_CONVERTER(aten_max_pool3d, "aten::max_pool3d", max_pool);
PIU_REGISTER_CONVERTER(aten_max_pool1d_with_indices, "aten::max_pool1d_with_indices", max_pool);
PIU_REGISTER_CONVERTER(aten_max_pool2d_with_indices, "aten::max_pool2d_with_indices", max_pool);
PIU_REGISTER_CONVERTER(aten_max_pool3d_with_indices, "aten::max_pool3d_with_indices", max_pool);
PIU_REGISTER_CONVERTER(aten_avg_pool1d, "aten::avg_pool1d", avg_pool);
PIU_REGISTER_CONVERTER(aten_avg_pool2d, "aten::avg_pool2d", avg_pool);
PIU_REGISTER_CONVERTER(aten_avg_pool3d, "aten::avg_pool3d", avg_pool);
PIU_REGISTER_CONVERTER(aten_adaptive_avg_pool1d, "aten::adaptive_avg_pool1d", adaptive_avg_pool);
PIU_REGISTER_CONVERTER(aten_adaptive_avg_pool2d, "aten::adaptive_avg_pool2d", adaptive_avg_pool);
PIU_REGISTER_CONVERTER(aten_adaptive_avg_pool3d, "aten::adaptive_avg_pool3d", adaptive_avg_pool);
PIU_REGISTER_CONVERTER(aten_adaptive_max_pool1d, "aten::adaptive_max_pool1d", adaptive_max_pool);
PIU_REGISTER_CONVERTER(aten_adaptive_max_pool2d, "aten::adaptive_max_pool2d", adaptive_max_pool);
PIU_REGISTER_CONVERTER(aten_adaptive_max_pool3d, "aten::adaptive_max_pool3d", adaptive_max_pool);

}  // namespace piu::exporter

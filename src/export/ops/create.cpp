// Tensor factories: zeros / ones / full / empty, their _like and new_ forms, arange. Sizes may be
// computed at run time (a batch read with aten::size), so they become ConstantOfShape / Range
// over graph values, never baked-in shapes.
#include <optional>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// The element type of a fill value that has no dtype: PyTorch gives ints int64, bools bool.
int32_t type_of_number(const IrValue& v) {
  if (v.type == IrType::kBool) return onnx::TensorProto::BOOL;
  if (v.type == IrType::kInt) return onnx::TensorProto::INT64;
  return onnx::TensorProto::FLOAT;
}

// A fill whose shape and value are constants (a mask built from static sizes) is bound as a
// constant tensor, so in-place writes into its slices can be applied at conversion time.
bool bind_known(ConvertContext& ctx, size_t shape_i, std::optional<double> value, int32_t type) {
  const auto shape = ctx.maybe_ints(shape_i);
  if (!shape || !value || !dtype_from_onnx(type)) return false;
  int64_t n = 1;
  for (int64_t d : *shape) n *= d;
  if (n > (1 << 22)) return false;  // large: a ConstantOfShape instead
  ctx.bind_constant(0, filled(type, Shape(shape->begin(), shape->end()), *value));
  return true;
}

// Fills `shape` with argument `value_i` (a constant number, or a computed one) as `type`.
std::string fill_with(ConvertContext& ctx, const std::string& shape, size_t value_i, int32_t type) {
  if (auto v = ctx.maybe_scalar(value_i)) return fill(ctx, shape, *v, type);
  const std::string value = cast(ctx, ctx.tensor(value_i), type, ctx.elem_type(value_i));
  return ctx.emit("Expand", {value, shape});
}

// zeros/ones/empty(size, dtype, layout, device, pin_memory)
void zeros(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 1, onnx::TensorProto::FLOAT);
  if (bind_known(ctx, 0, 0.0, type)) return;
  ctx.bind(0, fill(ctx, ctx.int_list(0), 0, type), type);
  ctx.set_rank(0, ctx.list_length(0));
}
void ones(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 1, onnx::TensorProto::FLOAT);
  if (bind_known(ctx, 0, 1.0, type)) return;
  ctx.bind(0, fill(ctx, ctx.int_list(0), 1, type), type);
  ctx.set_rank(0, ctx.list_length(0));
}
// full(size, fill_value, dtype, ...)
void full(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 2, type_of_number(ctx.in(1)));
  if (bind_known(ctx, 0, ctx.maybe_scalar(1), type)) return;
  ctx.bind(0, fill_with(ctx, ctx.int_list(0), 1, type), type);
  ctx.set_rank(0, ctx.list_length(0));
}

// zeros_like/ones_like(self, dtype, ...), full_like(self, fill_value, dtype, ...)
void zeros_like(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 1, ctx.elem_type(0));
  ctx.bind(0, fill(ctx, ctx.emit("Shape", {ctx.tensor(0)}), 0, type), type);
}
void ones_like(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 1, ctx.elem_type(0));
  ctx.bind(0, fill(ctx, ctx.emit("Shape", {ctx.tensor(0)}), 1, type), type);
}
void full_like(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 2, ctx.elem_type(0));
  ctx.bind(0, fill_with(ctx, ctx.emit("Shape", {ctx.tensor(0)}), 1, type), type);
}

// new_zeros/new_ones/new_empty(self, size, dtype, ...), new_full(self, size, fill_value, dtype, ...):
// the type is self's unless given.
void new_zeros(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 2, ctx.elem_type(0));
  if (bind_known(ctx, 1, 0.0, type)) return;
  ctx.bind(0, fill(ctx, ctx.int_list(1), 0, type), type);
  ctx.set_rank(0, ctx.list_length(1));
}
void new_ones(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 2, ctx.elem_type(0));
  if (bind_known(ctx, 1, 1.0, type)) return;
  ctx.bind(0, fill(ctx, ctx.int_list(1), 1, type), type);
  ctx.set_rank(0, ctx.list_length(1));
}
void new_full(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 3, ctx.elem_type(0));
  if (bind_known(ctx, 1, ctx.maybe_scalar(2), type)) return;
  ctx.bind(0, fill_with(ctx, ctx.int_list(1), 2, type), type);
  ctx.set_rank(0, ctx.list_length(1));
}

// arange(end, dtype, layout, device, pin), arange(start, end, dtype, ...), arange(start, end,
// step, dtype, ...): Range over 0-d values of one type — int64 when every bound is an int and no
// dtype is given, float otherwise.
void arange(ConvertContext& ctx) {
  const size_t n = ctx.num_inputs();
  const size_t bounds = n == 5 ? 1 : n == 6 ? 2 : 3;
  bool ints = true;
  for (size_t i = 0; i < bounds; ++i)
    ints = ints && (ctx.in(i).type == IrType::kInt || (ctx.in(i).type == IrType::kTensor &&
                                                        ctx.elem_type(i) == onnx::TensorProto::INT64));
  const int32_t type = dtype_arg(ctx, bounds, ints ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
  auto scalar = [&](size_t i) {
    if (auto v = ctx.maybe_scalar(i)) return ctx.const_scalar(*v, type, "bound");
    std::string t = ctx.in(i).type == IrType::kTensor ? ctx.tensor(i) : ctx.int_scalar(i);
    return cast(ctx, t, type, ctx.in(i).type == IrType::kTensor ? ctx.elem_type(i) : onnx::TensorProto::INT64);
  };
  const std::string start = bounds == 1 ? ctx.const_scalar(0, type, "start") : scalar(0);
  const std::string end = scalar(bounds == 1 ? 0 : 1);
  const std::string step = bounds == 3 ? scalar(2) : ctx.const_scalar(1, type, "step");
  ctx.bind(0, ctx.emit("Range", {start, end, step}), type);
  ctx.set_rank(0, 1);
}

// fill_(view, value) / zero_(view): an in-place write into slices of a constant-built tensor
// (Swin's attention mask: new_zeros, then mask[h0:h1, w0:w1] = count for each window region) is
// applied to the constant; into slices of a computed tensor, it is done out of place (write_view).
void fill_(ConvertContext& ctx) {
  const auto value = ctx.maybe_scalar(1);
  if (value && ctx.is_view_of_constant(0)) return ctx.fill_view(0, *value);
  const bool tensor = ctx.in(1).type == IrType::kTensor;
  ctx.bind(0, ctx.write_view(0, ctx.tensor(1, 0), tensor ? ctx.elem_type(1) : ctx.elem_type(0)));
}
void zero_(ConvertContext& ctx) {
  if (ctx.is_view_of_constant(0)) return ctx.fill_view(0, 0.0);
  ctx.bind(0, ctx.write_view(0, ctx.const_scalar(0, ctx.elem_type(0), "zero"), ctx.elem_type(0)));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_fill_, "aten::fill_", fill_);
PIU_REGISTER_CONVERTER(aten_zero_, "aten::zero_", zero_);
PIU_REGISTER_CONVERTER(aten_zeros, "aten::zeros", zeros);
PIU_REGISTER_CONVERTER(aten_empty, "aten::empty", zeros);
PIU_REGISTER_CONVERTER(aten_ones, "aten::ones", ones);
PIU_REGISTER_CONVERTER(aten_full, "aten::full", full);
PIU_REGISTER_CONVERTER(aten_zeros_like, "aten::zeros_like", zeros_like);
PIU_REGISTER_CONVERTER(aten_empty_like, "aten::empty_like", zeros_like);
PIU_REGISTER_CONVERTER(aten_ones_like, "aten::ones_like", ones_like);
PIU_REGISTER_CONVERTER(aten_full_like, "aten::full_like", full_like);
PIU_REGISTER_CONVERTER(aten_new_zeros, "aten::new_zeros", new_zeros);
PIU_REGISTER_CONVERTER(aten_new_empty, "aten::new_empty", new_zeros);
PIU_REGISTER_CONVERTER(aten_new_ones, "aten::new_ones", new_ones);
PIU_REGISTER_CONVERTER(aten_new_full, "aten::new_full", new_full);
PIU_REGISTER_CONVERTER(aten_arange, "aten::arange", arange);

}  // namespace piu::exporter

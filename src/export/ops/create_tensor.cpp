// Tensors from numbers: tensor (a number or a flat list), scalar_tensor, linspace.
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

bool is_number(IrType t) { return t == IrType::kInt || t == IrType::kFloat || t == IrType::kBool; }

// The element type PyTorch gives a number or list without a dtype.
int32_t natural_type(const IrValue& v) {
  if (v.type == IrType::kBool || v.type == IrType::kBoolList) return onnx::TensorProto::BOOL;
  if (v.type == IrType::kInt || v.type == IrType::kIntList) return onnx::TensorProto::INT64;
  return onnx::TensorProto::FLOAT;
}

// tensor(data, dtype, device, requires_grad): a constant number or flat list, or a number computed
// at run time (a 0-d tensor).
void tensor(ConvertContext& ctx) {
  const IrValue& data = ctx.in(0);
  const int32_t type = dtype_arg(ctx, 1, natural_type(data));
  if (data.ints || data.floats) {
    std::vector<double> values;
    if (data.ints)
      values.assign(data.ints->begin(), data.ints->end());
    else
      values = *data.floats;
    Shape shape;
    if (!is_number(data.type)) shape = {static_cast<int64_t>(values.size())};
    Tensor t = filled(type, shape, 0);
    for (size_t k = 0; k < values.size(); ++k) set_element(t, static_cast<int64_t>(k), values[k]);
    return ctx.bind(0, ctx.const_tensor(t, "tensor"), type);
  }
  if (data.type == IrType::kInt) {
    return ctx.bind(0, cast(ctx, ctx.int_scalar(0), type, onnx::TensorProto::INT64), type);
  }
  if (data.type == IrType::kIntList) {
    ctx.bind(0, cast(ctx, ctx.int_list(0), type, onnx::TensorProto::INT64), type);
    return ctx.set_rank(0, 1);
  }
  throw Unconvertible("tensor() of " + data.type_str + " is not supported");
}

// scalar_tensor(s, dtype, ...): a 0-d tensor (float unless a dtype is given).
void scalar_tensor(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 1, onnx::TensorProto::FLOAT);
  if (auto v = ctx.maybe_scalar(0)) return ctx.bind(0, ctx.const_scalar(*v, type, "scalar"), type);
  const IrValue& s = ctx.in(0);
  const std::string value = s.type == IrType::kInt ? ctx.int_scalar(0) : ctx.tensor(0);
  const int32_t from = s.type == IrType::kInt ? onnx::TensorProto::INT64 : ctx.elem_type(0);
  ctx.bind(0, cast(ctx, value, type, from), type);
}

// linspace(start, end, steps, dtype, ...): computed now as PyTorch does (the first half counted
// from start, the second from end) when the arguments are constants; otherwise start + i * step.
void linspace(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 3, onnx::TensorProto::FLOAT);
  const int64_t steps = ctx.int_const(2);
  const auto start = ctx.maybe_scalar(0), end = ctx.maybe_scalar(1);
  if (start && end) {
    Tensor t = filled(type, {steps}, 0);
    const double step = steps > 1 ? (*end - *start) / static_cast<double>(steps - 1) : 0;
    for (int64_t i = 0; i < steps; ++i) {
      const double k = static_cast<double>(i), last = static_cast<double>(steps - 1);
      set_element(t, i, i < steps / 2 ? *start + step * k : *end - step * (last - k));
    }
    return ctx.bind(0, ctx.const_tensor(t, "linspace"), type);
  }
  auto value = [&](size_t i) {
    const bool is_int = ctx.in(i).type == IrType::kInt;
    return cast(ctx, is_int ? ctx.int_scalar(i) : ctx.tensor(i), onnx::TensorProto::DOUBLE,
                is_int ? onnx::TensorProto::INT64 : ctx.elem_type(i));
  };
  auto number = [&](double v, const char* hint) { return ctx.const_scalar(v, onnx::TensorProto::DOUBLE, hint); };
  const std::string a = value(0), b = value(1);
  const std::string intervals = number(static_cast<double>(std::max<int64_t>(steps - 1, 1)), "intervals");
  const std::string step = ctx.emit("Div", {ctx.emit("Sub", {b, a}), intervals});
  const std::string i =
      ctx.emit("Range", {number(0, "zero"), number(static_cast<double>(steps), "steps"), number(1, "one")});
  const std::string y = ctx.emit("Add", {a, ctx.emit("Mul", {i, step})});
  ctx.bind(0, cast(ctx, y, type, onnx::TensorProto::DOUBLE), type);
  ctx.set_rank(0, 1);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_tensor, "aten::tensor", tensor);
PIU_REGISTER_CONVERTER(aten_scalar_tensor, "aten::scalar_tensor", scalar_tensor);
PIU_REGISTER_CONVERTER(aten_linspace, "aten::linspace", linspace);

}  // namespace piu::exporter

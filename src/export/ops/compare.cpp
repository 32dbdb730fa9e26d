// Comparisons (eq, ne, lt, gt, le, ge -> bool tensors), pow and remainder.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

std::string operands_emit(ConvertContext& ctx, const std::string& op, int32_t* type = nullptr) {
  const bool first_is_tensor = ctx.in(0).type == IrType::kTensor;
  const std::string a = ctx.tensor(0, first_is_tensor ? -1 : 1), b = ctx.tensor(1, first_is_tensor ? 0 : -1);
  if (type) *type = ctx.elem_type(first_is_tensor ? 0 : 1);
  return ctx.emit(op, {a, b});
}

void compare(ConvertContext& ctx, const std::string& op, bool negate = false) {
  std::string r = operands_emit(ctx, op);
  if (negate) r = ctx.emit("Not", {r});
  ctx.bind(0, r, onnx::TensorProto::BOOL);
}

void eq(ConvertContext& ctx) { compare(ctx, "Equal"); }
void ne(ConvertContext& ctx) { compare(ctx, "Equal", true); }
void lt(ConvertContext& ctx) { compare(ctx, "Less"); }
void gt(ConvertContext& ctx) { compare(ctx, "Greater"); }
void le(ConvertContext& ctx) { compare(ctx, "Greater", true); }  // a <= b == !(a > b) (NaN aside)
void ge(ConvertContext& ctx) { compare(ctx, "Less", true); }

void pow_(ConvertContext& ctx) {
  int32_t type = 0;
  const std::string r = operands_emit(ctx, "Pow", &type);
  ctx.bind(0, r, type);
}

// remainder(a, b): the result takes the divisor's sign (Python's %): Mod(fmod=0) on integers,
// a - floor(a / b) * b on floats.
void remainder(ConvertContext& ctx) {
  const bool first_is_tensor = ctx.in(0).type == IrType::kTensor;
  const int32_t type = ctx.elem_type(first_is_tensor ? 0 : 1);
  const std::string a = ctx.tensor(0, first_is_tensor ? -1 : 1), b = ctx.tensor(1, first_is_tensor ? 0 : -1);
  if (type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32) {
    ctx.bind(0, ctx.emit("Mod", {a, b}), type);
    return;
  }
  const std::string q = ctx.emit("Floor", {ctx.emit("Div", {a, b})});
  ctx.bind(0, ctx.emit("Sub", {a, ctx.emit("Mul", {q, b})}), type);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_eq, "aten::eq", eq);
PIU_REGISTER_CONVERTER(aten_ne, "aten::ne", ne);
PIU_REGISTER_CONVERTER(aten_lt, "aten::lt", lt);
PIU_REGISTER_CONVERTER(aten_gt, "aten::gt", gt);
PIU_REGISTER_CONVERTER(aten_le, "aten::le", le);
PIU_REGISTER_CONVERTER(aten_ge, "aten::ge", ge);
PIU_REGISTER_CONVERTER(aten_pow, "aten::pow", pow_);
PIU_REGISTER_CONVERTER(aten_remainder, "aten::remainder", remainder);

}  // namespace piu::exporter

// Comparisons (eq, ne, lt, gt, le, ge -> bool tensors), pow and remainder.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

void compare(ConvertContext& ctx, const std::string& op, bool negate = false) {
  if (compare_numbers(ctx)) return;  // ints/floats (scripted shape checks): known now
  const auto [a, b, type] = ctx.operands();
  std::string r = ctx.emit(op, {a, b});
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
  const auto [a, b, type] = ctx.operands();
  ctx.bind(0, ctx.emit("Pow", {a, b}), type);
}

// remainder(a, b): the result takes the divisor's sign (Python's %): Mod(fmod=0) on integers,
// a - floor(a / b) * b on floats.
void remainder(ConvertContext& ctx) {
  if (fold_ints(ctx, '%')) return;
  const auto [a, b, type] = ctx.operands();
  if (type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32) {
    ctx.bind(0, ctx.emit("Mod", {a, b}), type);
    return;
  }
  const std::string q = ctx.emit("Floor", {ctx.emit("Div", {a, b})});
  ctx.bind(0, ctx.emit("Sub", {a, ctx.emit("Mul", {q, b})}), type);
}

// logical_and/or/xor and the bitwise forms on bools (mask arithmetic): And / Or / Xor over bools;
// the bitwise forms on integers: BitwiseAnd / BitwiseOr / BitwiseXor (opset 18).
void logical(ConvertContext& ctx, const char* op) {
  const auto o = ctx.operands();
  if (o.type != onnx::TensorProto::BOOL && std::string(ctx.node().kind).find("logical") == std::string::npos) {
    // Integers: BitwiseAnd / BitwiseOr / BitwiseXor (opset 18).
    if (ctx.opset() < 18) throw Unconvertible("bitwise and/or of integers needs opset 18 (BitwiseAnd, BitwiseOr)");
    return ctx.bind(0, ctx.emit(std::string("Bitwise") + op, {o.a, o.b}), o.type);
  }
  ctx.bind(0, ctx.emit(op, {cast(ctx, o.a, onnx::TensorProto::BOOL, o.type), cast(ctx, o.b, onnx::TensorProto::BOOL, o.type)}),
           onnx::TensorProto::BOOL);
}
void logical_and(ConvertContext& ctx) { logical(ctx, "And"); }
void logical_or(ConvertContext& ctx) { logical(ctx, "Or"); }
void logical_xor(ConvertContext& ctx) { logical(ctx, "Xor"); }

// Bool(tensor): a one-element tensor as a bool.
void to_bool(ConvertContext& ctx) { ctx.bind(0, cast(ctx, ctx.tensor(0), onnx::TensorProto::BOOL, ctx.elem_type(0)), onnx::TensorProto::BOOL); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_logical_and, "aten::logical_and", logical_and);
PIU_REGISTER_CONVERTER(aten_logical_or, "aten::logical_or", logical_or);
PIU_REGISTER_CONVERTER(aten_logical_xor, "aten::logical_xor", logical_xor);
PIU_REGISTER_CONVERTER(aten_bitwise_and, "aten::bitwise_and", logical_and);
PIU_REGISTER_CONVERTER(aten_bitwise_or, "aten::bitwise_or", logical_or);
PIU_REGISTER_CONVERTER(aten___and__, "aten::__and__", logical_and);
PIU_REGISTER_CONVERTER(aten___or__, "aten::__or__", logical_or);
PIU_REGISTER_CONVERTER(aten_Bool, "aten::Bool", to_bool);
PIU_REGISTER_CONVERTER(aten_eq, "aten::eq", eq);
PIU_REGISTER_CONVERTER(aten_ne, "aten::ne", ne);
PIU_REGISTER_CONVERTER(aten_lt, "aten::lt", lt);
PIU_REGISTER_CONVERTER(aten_gt, "aten::gt", gt);
PIU_REGISTER_CONVERTER(aten_le, "aten::le", le);
PIU_REGISTER_CONVERTER(aten_ge, "aten::ge", ge);
PIU_REGISTER_CONVERTER(aten_pow, "aten::pow", pow_);
PIU_REGISTER_CONVERTER(aten_remainder, "aten::remainder", remainder);

}  // namespace piu::exporter

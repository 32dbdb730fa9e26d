// More element-wise ops: isinf/isnan/isfinite, fmod, celu, hardshrink, glu, addcmul,
// aminmax, the bitwise family (bitwise_not, xor, shifts) on bools and signed ints, and all/any of
// tensors.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

using onnx::TensorProto;

bool is_float(int32_t t) {
  return t == TensorProto::FLOAT || t == TensorProto::DOUBLE || t == TensorProto::FLOAT16 || t == TensorProto::BFLOAT16;
}

// isinf / isnan: false everywhere for integer tensors, as in PyTorch.
std::string is_inf(ConvertContext& ctx) { return ctx.emit("IsInf", {ctx.tensor(0)}); }
std::string is_nan(ConvertContext& ctx) { return ctx.emit("IsNaN", {ctx.tensor(0)}); }
std::string all_false(ConvertContext& ctx) {
  return fill(ctx, ctx.emit("Shape", {ctx.tensor(0)}), 0, TensorProto::BOOL);
}
void isinf(ConvertContext& ctx) {
  ctx.bind(0, is_float(ctx.elem_type(0)) ? is_inf(ctx) : all_false(ctx), TensorProto::BOOL);
}
void isnan(ConvertContext& ctx) {
  ctx.bind(0, is_float(ctx.elem_type(0)) ? is_nan(ctx) : all_false(ctx), TensorProto::BOOL);
}
void isfinite(ConvertContext& ctx) {
  if (!is_float(ctx.elem_type(0))) return ctx.bind(0, ctx.emit("Not", {all_false(ctx)}), TensorProto::BOOL);
  ctx.bind(0, ctx.emit("Not", {ctx.emit("Or", {is_inf(ctx), is_nan(ctx)})}), TensorProto::BOOL);
}

// fmod(a, b): the remainder with the sign of a (C's fmod).
void fmod(ConvertContext& ctx) {
  const auto o = ctx.operands();
  auto& n = ctx.add("Mod", {o.a, o.b});
  set_int(n, "fmod", 1);
  ctx.bind(0, n.output(0), o.type);
}

// celu(x, alpha) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); Celu (float only) from opset 12.
void celu(ConvertContext& ctx) {
  const double alpha = ctx.num_inputs() > 1 ? ctx.float_const(1) : 1.0;
  const std::string x = ctx.tensor(0);
  const int32_t type = ctx.elem_type(0);
  if (ctx.opset() >= 12 && type == TensorProto::FLOAT) {
    auto& n = ctx.add("Celu", {x});
    set_float(n, "alpha", static_cast<float>(alpha));
    return ctx.bind(0, n.output(0));
  }
  const std::string a = ctx.const_scalar(alpha, type, "alpha"), zero = ctx.const_scalar(0, type, "zero");
  const std::string em1 =
      ctx.emit("Sub", {ctx.emit("Exp", {ctx.emit("Div", {x, a})}), ctx.const_scalar(1, type, "one")});
  ctx.bind(0, ctx.emit("Add", {ctx.emit("Max", {x, zero}), ctx.emit("Min", {ctx.emit("Mul", {a, em1}), zero})}));
}

// hardshrink(x, lambd): x where |x| > lambd, else 0 (Shrink with bias 0).
void hardshrink(ConvertContext& ctx) {
  auto& n = ctx.add("Shrink", {ctx.tensor(0)});
  set_float(n, "lambd", ctx.num_inputs() > 1 ? static_cast<float>(ctx.float_const(1)) : 0.5f);
  set_float(n, "bias", 0.0f);
  ctx.bind(0, n.output(0));
}

// glu(x, dim) = a * sigmoid(b) for the two halves a, b of x along dim.
void glu(ConvertContext& ctx) {
  auto& split = ctx.add("Split", {ctx.tensor(0)}, 2);
  set_int(split, "axis", ctx.num_inputs() > 1 ? ctx.int_const(1) : -1);
  if (ctx.opset() >= 18) set_int(split, "num_outputs", 2);
  ctx.bind(0, ctx.emit("Mul", {split.output(0), ctx.emit("Sigmoid", {split.output(1)})}));
}

// addcmul(x, t1, t2, value) = x + value * t1 * t2
void addcmul(ConvertContext& ctx) {
  std::string prod = ctx.emit("Mul", {ctx.tensor(1), ctx.tensor(2)});
  if (ctx.num_inputs() > 3 && ctx.maybe_scalar(3) != 1.0) prod = ctx.emit("Mul", {prod, ctx.tensor(3, 0)});
  ctx.bind(0, ctx.emit("Add", {ctx.tensor(0), prod}));
}

// aminmax(x, dim=None, keepdim=False) -> (min, max)
void aminmax(ConvertContext& ctx) {
  const bool keep = ctx.num_inputs() > 2 && ctx.bool_const(2);
  for (size_t k = 0; k < 2; ++k) {
    const char* op = k == 0 ? "ReduceMin" : "ReduceMax";
    if (!ctx.is_none(1)) {
      ctx.bind(k, reduce(ctx, op, ctx.tensor(0), {ctx.int_const(1)}, keep).output(0));
      continue;
    }
    auto& n = ctx.add(op, {ctx.tensor(0)});
    set_int(n, "keepdims", keep ? 1 : 0);
    ctx.bind(k, n.output(0));
  }
}

// bitwise_not: Not on bools; on signed ints ~x = -x - 1 (two's complement), BitwiseNot from 18.
void bitwise_not(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const int32_t type = ctx.elem_type(0);
  if (type == TensorProto::BOOL) return ctx.bind(0, ctx.emit("Not", {x}));
  if (ctx.opset() >= 18) return ctx.bind(0, ctx.emit("BitwiseNot", {x}));
  if (type == TensorProto::UINT8) return ctx.bind(0, ctx.emit("Sub", {ctx.const_scalar(255, type, "ff"), x}));
  ctx.bind(0, ctx.emit("Sub", {ctx.emit("Neg", {x}), ctx.const_scalar(1, type, "one")}));
}

// a ^ b: Xor on bools, BitwiseXor on ints (opset 18).
void bitwise_xor(ConvertContext& ctx) {
  const auto o = ctx.operands();
  if (o.type == TensorProto::BOOL) return ctx.bind(0, ctx.emit("Xor", {o.a, o.b}), o.type);
  if (ctx.opset() < 18) throw Unconvertible("xor of integers needs opset 18 (BitwiseXor)");
  ctx.bind(0, ctx.emit("BitwiseXor", {o.a, o.b}), o.type);
}

// 2^b as a's integer type (through double: exact for every shift that fits in 64 bits).
std::string power_of_two(ConvertContext& ctx, const std::string& b, int32_t b_type, int32_t type) {
  const std::string p =
      ctx.emit("Pow", {ctx.const_scalar(2, TensorProto::DOUBLE, "two"), cast(ctx, b, TensorProto::DOUBLE, b_type)});
  return cast(ctx, p, type, TensorProto::DOUBLE);
}

// a << b = a * 2^b
void lshift(ConvertContext& ctx) {
  const auto o = ctx.operands();
  if (is_float(o.type)) throw Unconvertible("shifting a floating-point tensor");
  ctx.bind(0, ctx.emit("Mul", {o.a, power_of_two(ctx, o.b, o.type, o.type)}), o.type);
}

// a >> b = floor(a / 2^b) (arithmetic shift): (a - mod(a, d)) / d with mod's sign that of d > 0.
void rshift(ConvertContext& ctx) {
  const auto o = ctx.operands();
  if (is_float(o.type)) throw Unconvertible("shifting a floating-point tensor");
  const std::string d = power_of_two(ctx, o.b, o.type, o.type);
  const std::string r = ctx.emit("Mod", {o.a, d});
  ctx.bind(0, ctx.emit("Div", {ctx.emit("Sub", {o.a, r}), d}), o.type);
}

}  // namespace

// all(x) / all(x, dim, keepdim) and any: ReduceMin / ReduceMax of x != 0 as int32.
void tensor_all_any(ConvertContext& ctx, bool all) {
  std::string x = ctx.tensor(0);
  if (ctx.elem_type(0) != TensorProto::BOOL) x = cast(ctx, x, TensorProto::BOOL, ctx.elem_type(0));
  x = cast(ctx, x, TensorProto::INT32, TensorProto::BOOL);
  const char* op = all ? "ReduceMin" : "ReduceMax";
  std::string r;
  if (ctx.num_inputs() == 1) {
    auto& n = ctx.add(op, {x});
    set_int(n, "keepdims", 0);
    r = n.output(0);
  } else {
    r = reduce(ctx, op, x, ctx.ints_const(1), ctx.num_inputs() > 2 && ctx.bool_const(2)).output(0);
  }
  ctx.bind(0, cast(ctx, r, TensorProto::BOOL, TensorProto::INT32), TensorProto::BOOL);
}

PIU_REGISTER_CONVERTER(aten_isinf, "aten::isinf", isinf);
PIU_REGISTER_CONVERTER(aten_isnan, "aten::isnan", isnan);
PIU_REGISTER_CONVERTER(aten_isfinite, "aten::isfinite", isfinite);
PIU_REGISTER_CONVERTER(aten_fmod, "aten::fmod", fmod);
PIU_REGISTER_CONVERTER(aten_celu, "aten::celu", celu);
PIU_REGISTER_CONVERTER(aten_hardshrink, "aten::hardshrink", hardshrink);
PIU_REGISTER_CONVERTER(aten_glu, "aten::glu", glu);
PIU_REGISTER_CONVERTER(aten_addcmul, "aten::addcmul", addcmul);
PIU_REGISTER_CONVERTER(aten_aminmax, "aten::aminmax", aminmax);
PIU_REGISTER_CONVERTER(aten_bitwise_not, "aten::bitwise_not", bitwise_not);
PIU_REGISTER_CONVERTER(aten_xor, "aten::__xor__", bitwise_xor);
PIU_REGISTER_CONVERTER(aten_bitwise_xor, "aten::bitwise_xor", bitwise_xor);
PIU_REGISTER_CONVERTER(aten_lshift, "aten::__lshift__", lshift);
PIU_REGISTER_CONVERTER(aten_rshift, "aten::__rshift__", rshift);
PIU_REGISTER_CONVERTER(aten_bitwise_left_shift, "aten::bitwise_left_shift", lshift);
PIU_REGISTER_CONVERTER(aten_bitwise_right_shift, "aten::bitwise_right_shift", rshift);

}  // namespace piu::exporter

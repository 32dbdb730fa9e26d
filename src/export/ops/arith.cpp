// Element-wise arithmetic with broadcasting and number operands: add, sub, mul, div (and their
// in-place forms), rsub, neg; on ints (shape arithmetic) the same ops run on int64 scalars.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

bool is_int_math(ConvertContext& ctx) {
  return ctx.in(0).type == IrType::kInt && ctx.num_inputs() > 1 && ctx.in(1).type == IrType::kInt;
}

// a <op> b; the number operand takes the tensor operand's element type.
void binary(ConvertContext& ctx, const std::string& op) {
  const auto [a, b, type] = ctx.operands();
  ctx.bind(0, ctx.emit(op, {a, b}), is_int_math(ctx) ? onnx::TensorProto::INT64 : type);
}

// add(self, other, alpha=1): alpha scales `other`.
void add_sub(ConvertContext& ctx, const std::string& op) {
  if (ctx.num_inputs() > 2 && !ctx.is_none(2) && ctx.float_const(2) != 1.0) {
    const std::string a = ctx.tensor(0);
    const std::string b = ctx.emit("Mul", {ctx.tensor(1, 0), ctx.tensor(2, 0)});
    ctx.bind(0, ctx.emit(op, {a, b}));
    return;
  }
  binary(ctx, op);
}

void add(ConvertContext& ctx) { add_sub(ctx, "Add"); }
void sub(ConvertContext& ctx) { add_sub(ctx, "Sub"); }
void mul(ConvertContext& ctx) { binary(ctx, "Mul"); }

void div(ConvertContext& ctx) {
  if (ctx.num_inputs() > 2 && ctx.in(2).str) {
    const std::string mode = *ctx.in(2).str;
    if (mode != "floor" && mode != "trunc") throw Unconvertible("div with rounding_mode='" + mode + "'");
    const auto [a, b, type] = ctx.operands();
    const std::string q = ctx.emit("Div", {a, b});
    if (type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32) {
      // Integer Div truncates: exact for 'trunc', and for 'floor' on the non-negative values of
      // shape arithmetic.
      ctx.bind(0, q, type);
      return;
    }
    if (mode == "floor") {
      ctx.bind(0, ctx.emit("Floor", {q}), type);
      return;
    }
    // trunc on floats: toward zero, i.e. Floor above 0 and Ceil below.
    const std::string negative = ctx.emit("Less", {q, ctx.const_scalar(0, type, "zero")});
    ctx.bind(0, ctx.emit("Where", {negative, ctx.emit("Ceil", {q}), ctx.emit("Floor", {q})}), type);
    return;
  }
  if (is_int_math(ctx)) throw Unconvertible("true division of ints (a float result) is not supported yet");
  binary(ctx, "Div");
}

// floordiv on ints: shape arithmetic (non-negative), where integer Div's truncation is the floor.
void floordiv(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Div", {ctx.tensor(0), ctx.tensor(1, 0)}), onnx::TensorProto::INT64);
}

// floor_divide(a, b): integer shape arithmetic (non-negative, where Div truncates = floors), or
// Floor(a / b) on floats.
void floor_divide(ConvertContext& ctx) {
  const auto [a, b, type] = ctx.operands();
  const std::string q = ctx.emit("Div", {a, b});
  if (type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32) {
    ctx.bind(0, q, type);
    return;
  }
  ctx.bind(0, ctx.emit("Floor", {q}), type);
}

// rsub(self, other, alpha=1) = other - alpha * self
void rsub(ConvertContext& ctx) {
  if (ctx.num_inputs() > 2 && ctx.float_const(2) != 1.0) throw Unconvertible("rsub with alpha != 1 is not supported");
  ctx.bind(0, ctx.emit("Sub", {ctx.tensor(1, 0), ctx.tensor(0)}), ctx.elem_type(0));
}

void neg(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Neg", {ctx.tensor(0)})); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_add, "aten::add", add);
PIU_REGISTER_CONVERTER(aten_add_, "aten::add_", add);
PIU_REGISTER_CONVERTER(aten_sub, "aten::sub", sub);
PIU_REGISTER_CONVERTER(aten_sub_, "aten::sub_", sub);
PIU_REGISTER_CONVERTER(aten_mul, "aten::mul", mul);
PIU_REGISTER_CONVERTER(aten_mul_, "aten::mul_", mul);
PIU_REGISTER_CONVERTER(aten_div, "aten::div", div);
PIU_REGISTER_CONVERTER(aten_div_, "aten::div_", div);
PIU_REGISTER_CONVERTER(aten_floordiv, "aten::floordiv", floordiv);
PIU_REGISTER_CONVERTER(aten_floor_divide, "aten::floor_divide", floor_divide);
PIU_REGISTER_CONVERTER(aten_rsub, "aten::rsub", rsub);
PIU_REGISTER_CONVERTER(aten_neg, "aten::neg", neg);

}  // namespace piu::exporter

// Element-wise arithmetic with broadcasting and number operands: add, sub, mul, div (and their
// in-place forms), rsub, neg; on ints (shape arithmetic) the same ops run on int64 scalars.
#include <optional>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

bool is_int_math(ConvertContext& ctx) {
  return ctx.in(0).type == IrType::kInt && ctx.num_inputs() > 1 && ctx.in(1).type == IrType::kInt;
}

// Int arithmetic on ints known at conversion time (constants, static sizes) is done here, so
// later converters see constants: Python's semantics (floor division, alpha on add/sub).
// An int operand known now: an int constant or computed-constant, or a 0-d integer tensor
// constant (tracing records sizes as 0-d tensors: NumToTensor(size(x, 2)) * 2).
std::optional<int64_t> known_int(ConvertContext& ctx, size_t i) {
  if (i >= ctx.num_inputs()) return std::nullopt;
  const IrValue& v = ctx.in(i);
  if (v.type == IrType::kInt || v.type == IrType::kTensor)
    if (auto k = ctx.maybe_ints(i); k && k->size() == 1) return k->at(0);
  if (v.tensor && v.tensor->rank() == 0 && (v.tensor->dtype() == DType::kInt64 || v.tensor->dtype() == DType::kInt32))
    return static_cast<int64_t>(element_as_double(*v.tensor, 0));
  return std::nullopt;
}

}  // namespace

bool fold_ints(ConvertContext& ctx, char op) {
  if (ctx.node().outputs.empty()) return false;
  const auto a = known_int(ctx, 0);
  const auto b = op == 'n' ? std::optional<int64_t>(0) : known_int(ctx, 1);
  if (!a || !b) return false;
  const int64_t x = *a, y = *b;
  int64_t alpha = 1;
  if ((op == '+' || op == '-') && ctx.num_inputs() > 2 && !ctx.is_none(2)) {
    const auto al = ctx.maybe_ints(2);
    if (!al || al->size() != 1) return false;
    alpha = al->at(0);
  }
  if ((op == '/' || op == 't' || op == '%') && y == 0) return false;
  int64_t r = 0;
  switch (op) {
    case '+': r = x + alpha * y; break;
    case '-': r = x - alpha * y; break;
    case '*': r = x * y; break;
    case '/': r = x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0); break;  // floor
    case 't': r = x / y; break;                                                    // trunc
    case '%': r = ((x % y) + y) % y; break;
    case 'n': r = -x; break;
    default: return false;
  }
  ctx.bind_ints(0, {r});
  return true;
}

namespace {

// a <op> b; the number operand takes the tensor operand's element type.
void binary(ConvertContext& ctx, const std::string& op) {
  if (fold_ints(ctx, op == "Add" ? '+' : op == "Sub" ? '-' : op == "Mul" ? '*' : '?')) return;
  const auto [a, b, type] = ctx.operands();
  ctx.bind(0, ctx.emit(op, {a, b}), is_int_math(ctx) ? onnx::TensorProto::INT64 : type);
}

// add(self, other, alpha=1): alpha scales `other`.
void add_sub(ConvertContext& ctx, const std::string& op) {
  if (fold_ints(ctx, op == "Add" ? '+' : '-')) return;
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
    if (fold_ints(ctx, mode == "floor" ? '/' : 't')) return;
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
  // True division of ints is a float: int / int (a sample rate over a frame count in scripted
  // code), and integer tensors (traced sizes: timm's TF-"SAME" padding divides x.size() by the stride).
  const auto integral = [&](size_t i) {
    const int32_t t = ctx.elem_type(i);
    return ctx.in(i).type == IrType::kInt || ctx.in(i).type == IrType::kBool ||
           (ctx.in(i).type == IrType::kTensor && t != onnx::TensorProto::FLOAT && t != onnx::TensorProto::DOUBLE &&
            t != onnx::TensorProto::FLOAT16 && t != onnx::TensorProto::BFLOAT16);
  };
  if (is_int_math(ctx) || (integral(0) && integral(1))) {
    const std::string a = cast(ctx, ctx.tensor(0), onnx::TensorProto::FLOAT, ctx.elem_type(0));
    const std::string b = cast(ctx, ctx.tensor(1), onnx::TensorProto::FLOAT, ctx.elem_type(1));
    return ctx.bind(0, ctx.emit("Div", {a, b}), onnx::TensorProto::FLOAT);
  }
  binary(ctx, "Div");
}

// floordiv on ints: shape arithmetic (non-negative), where integer Div's truncation is the floor.
void floordiv(ConvertContext& ctx) {
  if (fold_ints(ctx, '/')) return;
  ctx.bind(0, ctx.emit("Div", {ctx.tensor(0), ctx.tensor(1, 0)}), onnx::TensorProto::INT64);
}

// floor_divide(a, b): integer shape arithmetic (non-negative, where Div truncates = floors), or
// Floor(a / b) on floats.
void floor_divide(ConvertContext& ctx) {
  if (fold_ints(ctx, '/')) return;
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
  if (ctx.num_inputs() <= 2 || ctx.maybe_scalar(2) == 1.0) {  // other - self on known ints
    const auto a = known_int(ctx, 1), b = known_int(ctx, 0);
    if (a && b) return ctx.bind_ints(0, {*a - *b});
  }
  if (ctx.num_inputs() > 2 && ctx.float_const(2) != 1.0) throw Unconvertible("rsub with alpha != 1 is not supported");
  ctx.bind(0, ctx.emit("Sub", {ctx.tensor(1, 0), ctx.tensor(0)}), ctx.elem_type(0));
}

void neg(ConvertContext& ctx) {
  if (fold_ints(ctx, 'n')) return;
  ctx.bind(0, ctx.emit("Neg", {ctx.tensor(0)}));
}

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

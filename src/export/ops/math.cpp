// Element-wise math (exp, log, sqrt, rsqrt, abs, erf, trigonometry and its inverses acos/asin/atan2,
// logit, rounding, logical not), clamp,
// maximum/minimum, the max/min/amax/amin/argmax/argmin reductions and cumsum.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

template <const char* Op>
void unary(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit(Op, {ctx.tensor(0)}));
}
constexpr char kExp[] = "Exp", kLog[] = "Log", kSqrt[] = "Sqrt", kAbs[] = "Abs", kErf[] = "Erf", kSin[] = "Sin",
               kCos[] = "Cos", kTan[] = "Tan", kAtan[] = "Atan", kFloor[] = "Floor", kCeil[] = "Ceil",
               kRound[] = "Round", kSign[] = "Sign", kReciprocal[] = "Reciprocal", kNot[] = "Not",
               kAcos[] = "Acos", kAsin[] = "Asin";

void rsqrt(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Reciprocal", {ctx.emit("Sqrt", {ctx.tensor(0)})})); }

// log_sigmoid(x) = -softplus(-x)
void log_sigmoid(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Neg", {ctx.emit("Softplus", {ctx.emit("Neg", {ctx.tensor(0)})})}));
}

// clamp(x, min, max) with either bound None, clamp_min(x, min), clamp_max(x, max): Clip, whose
// bounds are inputs of x's type (opset 11+).
void clip(ConvertContext& ctx, size_t lo, size_t hi) {
  std::vector<std::string> inputs = {ctx.tensor(0)};
  inputs.push_back(lo && !ctx.is_none(lo) ? ctx.tensor(lo, 0) : "");
  if (hi && !ctx.is_none(hi)) inputs.push_back(ctx.tensor(hi, 0));
  while (inputs.back().empty()) inputs.pop_back();
  ctx.bind(0, ctx.emit("Clip", inputs));
}
void clamp(ConvertContext& ctx) { clip(ctx, 1, 2); }
void clamp_min(ConvertContext& ctx) { clip(ctx, 1, 0); }
void clamp_max(ConvertContext& ctx) { clip(ctx, 0, 1); }

void maximum(ConvertContext& ctx) {
  const auto o = ctx.operands();
  ctx.bind(0, ctx.emit("Max", {o.a, o.b}), o.type);
}
void minimum(ConvertContext& ctx) {
  const auto o = ctx.operands();
  ctx.bind(0, ctx.emit("Min", {o.a, o.b}), o.type);
}

// max(x) (all elements), max(x, other) (element-wise), max(x, dim, keepdim) -> (values, indices);
// the same for min.
void max_min(ConvertContext& ctx, const std::string& reduce_op, const std::string& pair_op, const std::string& arg_op) {
  if (ctx.num_inputs() == 1) {
    auto& n = ctx.add(reduce_op, {ctx.tensor(0)});
    set_int(n, "keepdims", 0);
    ctx.bind(0, n.output(0));
    return;
  }
  if (ctx.num_inputs() == 2 && ctx.in(1).type == IrType::kTensor) {
    ctx.bind(0, ctx.emit(pair_op, {ctx.tensor(0), ctx.tensor(1)}));
    return;
  }
  const int64_t dim = ctx.int_const(1);
  const bool keep = ctx.num_inputs() > 2 && ctx.bool_const(2);
  ctx.bind(0, reduce(ctx, reduce_op, ctx.tensor(0), {dim}, keep).output(0));
  if (ctx.node().outputs.size() > 1) {
    auto& a = ctx.add(arg_op, {ctx.tensor(0)});
    set_int(a, "axis", dim);
    set_int(a, "keepdims", keep ? 1 : 0);
    ctx.bind(1, a.output(0), onnx::TensorProto::INT64);
  }
}
void max(ConvertContext& ctx) { max_min(ctx, "ReduceMax", "Max", "ArgMax"); }
void min(ConvertContext& ctx) { max_min(ctx, "ReduceMin", "Min", "ArgMin"); }

// amax(x, dims, keepdim) / amin: dims [] means all.
void amax_amin(ConvertContext& ctx, const std::string& op) {
  const auto dims = ctx.ints_const(1);
  const bool keep = ctx.num_inputs() > 2 && ctx.bool_const(2);
  if (dims.empty()) {
    auto& n = ctx.add(op, {ctx.tensor(0)});
    set_int(n, "keepdims", keep ? 1 : 0);
    ctx.bind(0, n.output(0));
    return;
  }
  ctx.bind(0, reduce(ctx, op, ctx.tensor(0), dims, keep).output(0));
}
void amax(ConvertContext& ctx) { amax_amin(ctx, "ReduceMax"); }
void amin(ConvertContext& ctx) { amax_amin(ctx, "ReduceMin"); }

// argmax(x, dim, keepdim): dim None means over the flattened tensor.
void arg(ConvertContext& ctx, const std::string& op) {
  std::string x = ctx.tensor(0);
  int64_t dim = 0;
  bool keep = ctx.num_inputs() > 2 && ctx.bool_const(2);
  if (ctx.is_none(1)) {
    x = ctx.emit("Reshape", {x, ctx.const_i64({-1})});
    keep = false;
  } else {
    dim = ctx.int_const(1);
  }
  auto& a = ctx.add(op, {x});
  set_int(a, "axis", dim);
  set_int(a, "keepdims", keep ? 1 : 0);
  ctx.bind(0, a.output(0), onnx::TensorProto::INT64);
}
void argmax(ConvertContext& ctx) { arg(ctx, "ArgMax"); }
void argmin(ConvertContext& ctx) { arg(ctx, "ArgMin"); }

// atan2(y, x) = atan(y / x), moved by pi into the left half-plane (x < 0): +pi where y >= 0, -pi
// where y < 0. x = 0 leaves y / x = +-inf, whose atan is the +-pi/2 PyTorch gives.
void atan2(ConvertContext& ctx) {
  const auto o = ctx.operands();
  const std::string y = o.a, x = o.b;
  const std::string zero = ctx.const_scalar(0, o.type, "zero");
  const std::string pi = ctx.const_scalar(3.14159265358979323846, o.type, "pi");
  const std::string base = ctx.emit("Atan", {ctx.emit("Div", {y, x})});
  const std::string turn = ctx.emit("Where", {ctx.emit("Less", {y, zero}), ctx.emit("Neg", {pi}), pi});
  const std::string left = ctx.emit("Less", {x, zero});
  ctx.bind(0, ctx.emit("Add", {base, ctx.emit("Where", {left, turn, zero})}), o.type);
}

// logit(x, eps) = log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.
void logit(ConvertContext& ctx) {
  std::string x = ctx.tensor(0);
  const int32_t type = ctx.elem_type(0);
  if (ctx.num_inputs() > 1 && !ctx.is_none(1)) {
    const double eps = ctx.float_const(1);
    x = ctx.emit("Clip", {x, ctx.const_scalar(eps, type, "eps"), ctx.const_scalar(1 - eps, type, "one_minus_eps")});
  }
  const std::string one = ctx.const_scalar(1, type, "one");
  ctx.bind(0, ctx.emit("Log", {ctx.emit("Div", {x, ctx.emit("Sub", {one, x})})}));
}

// cumsum(x, dim, dtype)
void cumsum(ConvertContext& ctx) {
  int32_t type = ctx.elem_type(0);
  std::string x = ctx.tensor(0);
  if (ctx.num_inputs() > 2 && !ctx.is_none(2)) {
    type = dtype_arg(ctx, 2, type);
    x = cast(ctx, x, type, ctx.elem_type(0));
  }
  ctx.bind(0, ctx.emit("CumSum", {x, ctx.const_i64({ctx.int_const(1)}, true)}), type);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_exp, "aten::exp", unary<kExp>);
PIU_REGISTER_CONVERTER(aten_log, "aten::log", unary<kLog>);
PIU_REGISTER_CONVERTER(aten_sqrt, "aten::sqrt", unary<kSqrt>);
PIU_REGISTER_CONVERTER(aten_rsqrt, "aten::rsqrt", rsqrt);
PIU_REGISTER_CONVERTER(aten_abs, "aten::abs", unary<kAbs>);
PIU_REGISTER_CONVERTER(aten_erf, "aten::erf", unary<kErf>);
PIU_REGISTER_CONVERTER(aten_sin, "aten::sin", unary<kSin>);
PIU_REGISTER_CONVERTER(aten_cos, "aten::cos", unary<kCos>);
PIU_REGISTER_CONVERTER(aten_tan, "aten::tan", unary<kTan>);
PIU_REGISTER_CONVERTER(aten_atan, "aten::atan", unary<kAtan>);
PIU_REGISTER_CONVERTER(aten_atan2, "aten::atan2", atan2);
PIU_REGISTER_CONVERTER(aten_logit, "aten::logit", logit);
PIU_REGISTER_CONVERTER(aten_acos, "aten::acos", unary<kAcos>);
PIU_REGISTER_CONVERTER(aten_asin, "aten::asin", unary<kAsin>);
PIU_REGISTER_CONVERTER(aten_floor, "aten::floor", unary<kFloor>);
PIU_REGISTER_CONVERTER(aten_ceil, "aten::ceil", unary<kCeil>);
PIU_REGISTER_CONVERTER(aten_round, "aten::round", unary<kRound>);
PIU_REGISTER_CONVERTER(aten_sign, "aten::sign", unary<kSign>);
PIU_REGISTER_CONVERTER(aten_reciprocal, "aten::reciprocal", unary<kReciprocal>);
PIU_REGISTER_CONVERTER(aten_logical_not, "aten::logical_not", unary<kNot>);
PIU_REGISTER_CONVERTER(aten_log_sigmoid, "aten::log_sigmoid", log_sigmoid);
PIU_REGISTER_CONVERTER(aten_clamp, "aten::clamp", clamp);
PIU_REGISTER_CONVERTER(aten_clamp_, "aten::clamp_", clamp);
PIU_REGISTER_CONVERTER(aten_clip, "aten::clip", clamp);
PIU_REGISTER_CONVERTER(aten_clamp_min, "aten::clamp_min", clamp_min);
PIU_REGISTER_CONVERTER(aten_clamp_max, "aten::clamp_max", clamp_max);
PIU_REGISTER_CONVERTER(aten_maximum, "aten::maximum", maximum);
PIU_REGISTER_CONVERTER(aten_minimum, "aten::minimum", minimum);
PIU_REGISTER_CONVERTER(aten_max, "aten::max", max);
PIU_REGISTER_CONVERTER(aten_min, "aten::min", min);
PIU_REGISTER_CONVERTER(aten_amax, "aten::amax", amax);
PIU_REGISTER_CONVERTER(aten_amin, "aten::amin", amin);
PIU_REGISTER_CONVERTER(aten_argmax, "aten::argmax", argmax);
PIU_REGISTER_CONVERTER(aten_argmin, "aten::argmin", argmin);
PIU_REGISTER_CONVERTER(aten_cumsum, "aten::cumsum", cumsum);

}  // namespace piu::exporter

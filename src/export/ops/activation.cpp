// Element-wise activations: relu, relu6/hardtanh, sigmoid, tanh, hardswish, hardsigmoid, silu,
// gelu, leaky_relu, elu, softplus, mish (in-place variants `op_` too).
#include <cmath>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

void unary(ConvertContext& ctx, const std::string& op) { ctx.bind(0, ctx.emit(op, {ctx.tensor(0)})); }

void relu(ConvertContext& ctx) { unary(ctx, "Relu"); }
void sigmoid(ConvertContext& ctx) { unary(ctx, "Sigmoid"); }
void tanh_(ConvertContext& ctx) { unary(ctx, "Tanh"); }
void softplus(ConvertContext& ctx) { unary(ctx, "Softplus"); }

// Clip with constant bounds: inputs from opset 11.
std::string clip(ConvertContext& ctx, const std::string& x, double lo, double hi) {
  return ctx.emit("Clip", {x, ctx.const_scalar(lo, ctx.elem_type(0), "clip_min"),
                           ctx.const_scalar(hi, ctx.elem_type(0), "clip_max")});
}

void relu6(ConvertContext& ctx) { ctx.bind(0, clip(ctx, ctx.tensor(0), 0, 6)); }
void hardtanh(ConvertContext& ctx) { ctx.bind(0, clip(ctx, ctx.tensor(0), ctx.float_const(1), ctx.float_const(2))); }

void hardsigmoid(ConvertContext& ctx) {
  auto& n = ctx.add("HardSigmoid", {ctx.tensor(0)});
  set_float(n, "alpha", 1.0f / 6);
  set_float(n, "beta", 0.5f);
  ctx.bind(0, n.output(0));
}

void hardswish(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  if (ctx.opset() >= 14) {
    ctx.bind(0, ctx.emit("HardSwish", {x}));
    return;
  }
  auto& hs = ctx.add("HardSigmoid", {x});
  set_float(hs, "alpha", 1.0f / 6);
  set_float(hs, "beta", 0.5f);
  ctx.bind(0, ctx.emit("Mul", {x, hs.output(0)}));
}

void silu(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  ctx.bind(0, ctx.emit("Mul", {x, ctx.emit("Sigmoid", {x})}));
}

void mish(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  ctx.bind(0, ctx.emit("Mul", {x, ctx.emit("Tanh", {ctx.emit("Softplus", {x})})}));
}

void leaky_relu(ConvertContext& ctx) {
  auto& n = ctx.add("LeakyRelu", {ctx.tensor(0)});
  set_float(n, "alpha", ctx.num_inputs() > 1 ? static_cast<float>(ctx.float_const(1)) : 0.01f);
  ctx.bind(0, n.output(0));
}

void elu(ConvertContext& ctx) {
  if (ctx.num_inputs() > 2 && (ctx.float_const(2) != 1.0 || (ctx.num_inputs() > 3 && ctx.float_const(3) != 1.0)))
    throw Unconvertible("elu with scale or input_scale other than 1 is not supported yet");
  auto& n = ctx.add("Elu", {ctx.tensor(0)});
  set_float(n, "alpha", ctx.num_inputs() > 1 ? static_cast<float>(ctx.float_const(1)) : 1.0f);
  ctx.bind(0, n.output(0));
}

// gelu(x, approximate='none'): x * 0.5 * (1 + erf(x / sqrt(2))); 'tanh' uses the tanh formula.
void gelu(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const bool tanh_form = ctx.num_inputs() > 1 && ctx.in(1).str && *ctx.in(1).str == "tanh";
  auto scalar = [&](double v, const char* hint) { return ctx.const_scalar(v, ctx.elem_type(0), hint); };
  std::string inner;
  if (tanh_form) {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const std::string x3 = ctx.emit("Mul", {x, ctx.emit("Mul", {x, x})});
    const std::string t = ctx.emit("Add", {x, ctx.emit("Mul", {x3, scalar(0.044715f, "gelu_c")})});
    inner = ctx.emit("Tanh", {ctx.emit("Mul", {t, scalar(std::sqrt(2.0f / 3.14159265358979f), "gelu_k")})});
  } else {
    inner = ctx.emit("Erf", {ctx.emit("Div", {x, scalar(std::sqrt(2.0f), "sqrt2")})});
  }
  const std::string one_plus = ctx.emit("Add", {inner, scalar(1.0f, "one")});
  ctx.bind(0, ctx.emit("Mul", {ctx.emit("Mul", {x, one_plus}), scalar(0.5f, "half")}));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_relu, "aten::relu", relu);
PIU_REGISTER_CONVERTER(aten_relu_, "aten::relu_", relu);
PIU_REGISTER_CONVERTER(aten_relu6, "aten::relu6", relu6);
PIU_REGISTER_CONVERTER(aten_relu6_, "aten::relu6_", relu6);
PIU_REGISTER_CONVERTER(aten_hardtanh, "aten::hardtanh", hardtanh);
PIU_REGISTER_CONVERTER(aten_hardtanh_, "aten::hardtanh_", hardtanh);
PIU_REGISTER_CONVERTER(aten_sigmoid, "aten::sigmoid", sigmoid);
PIU_REGISTER_CONVERTER(aten_sigmoid_, "aten::sigmoid_", sigmoid);
PIU_REGISTER_CONVERTER(aten_tanh, "aten::tanh", tanh_);
PIU_REGISTER_CONVERTER(aten_tanh_, "aten::tanh_", tanh_);
PIU_REGISTER_CONVERTER(aten_hardsigmoid, "aten::hardsigmoid", hardsigmoid);
PIU_REGISTER_CONVERTER(aten_hardsigmoid_, "aten::hardsigmoid_", hardsigmoid);
PIU_REGISTER_CONVERTER(aten_hardswish, "aten::hardswish", hardswish);
PIU_REGISTER_CONVERTER(aten_hardswish_, "aten::hardswish_", hardswish);
PIU_REGISTER_CONVERTER(aten_silu, "aten::silu", silu);
PIU_REGISTER_CONVERTER(aten_silu_, "aten::silu_", silu);
PIU_REGISTER_CONVERTER(aten_mish, "aten::mish", mish);
PIU_REGISTER_CONVERTER(aten_softplus, "aten::softplus", softplus);
PIU_REGISTER_CONVERTER(aten_leaky_relu, "aten::leaky_relu", leaky_relu);
PIU_REGISTER_CONVERTER(aten_leaky_relu_, "aten::leaky_relu_", leaky_relu);
PIU_REGISTER_CONVERTER(aten_elu, "aten::elu", elu);
PIU_REGISTER_CONVERTER(aten_gelu, "aten::gelu", gelu);

}  // namespace piu::exporter

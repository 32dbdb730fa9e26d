// Tensors made from sizes or random draws: eye, hann_window, bernoulli.
#include <cmath>
#include <numbers>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

using onnx::TensorProto;

// eye(n, dtype, ...) and eye(n, m, dtype, ...): EyeLike of an n x m zero tensor.
void eye(ConvertContext& ctx) {
  const bool two = ctx.num_inputs() == 6;
  const int32_t type = dtype_arg(ctx, two ? 2 : 1, TensorProto::FLOAT);
  const std::string n = unsqueeze(ctx, ctx.int_scalar(0), {0});
  auto& shape = ctx.add("Concat", {n, two ? unsqueeze(ctx, ctx.int_scalar(1), {0}) : n});
  set_int(shape, "axis", 0);
  ctx.bind(0, ctx.emit("EyeLike", {fill(ctx, shape.output(0), 0, type)}), type);
  ctx.set_rank(0, 2);
}

// hann_window(length, periodic=True, dtype, ...): sin^2(pi n / N), N = length (periodic) or
// length - 1; a constant (the length is known when the graph is converted).
void hann_window(ConvertContext& ctx) {
  const int64_t length = ctx.int_const(0);
  const bool periodic = ctx.num_inputs() > 5 ? ctx.bool_const(1) : true;
  const int32_t type = dtype_arg(ctx, ctx.num_inputs() > 5 ? 2 : 1, TensorProto::FLOAT);
  Tensor w = filled(type, {length}, 1.0);
  const double denom = static_cast<double>(periodic ? length : length - 1);
  if (length > 1)
    for (int64_t i = 0; i < length; ++i) {
      const double s = std::sin(std::numbers::pi * static_cast<double>(i) / denom);
      set_element(w, i, s * s);
    }
  ctx.bind_constant(0, std::move(w));
}

// bernoulli(p) and bernoulli(x, p): 1 where a uniform draw in [0, 1) falls below the probability.
void bernoulli(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const int32_t type = ctx.elem_type(0);
  const bool scalar_p = ctx.num_inputs() > 2;  // bernoulli.p(x, p, generator)
  const std::string p = scalar_p ? ctx.tensor(1, 0) : x;
  auto& u = ctx.add("RandomUniformLike", {x});
  set_int(u, "dtype", type);
  ctx.bind(0, cast(ctx, ctx.emit("Less", {u.output(0), p}), type, TensorProto::BOOL), type);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_eye, "aten::eye", eye);
PIU_REGISTER_CONVERTER(aten_hann_window, "aten::hann_window", hann_window);
PIU_REGISTER_CONVERTER(aten_bernoulli, "aten::bernoulli", bernoulli);

}  // namespace piu::exporter

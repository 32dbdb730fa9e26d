// Matrix products and normalization: linear, matmul, bmm, addmm, batch_norm, layer_norm; softmax,
// log_softmax; mean and sum reductions.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// linear(x, W, b): MatMul with W^T folded into a constant when W is one, plus the bias.
void linear(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  std::string wt;
  if (const auto& w = ctx.in(1).tensor; w && w->rank() == 2) {
    const int64_t rows = w->dim(0), cols = w->dim(1);
    Tensor t = Tensor::zeros(w->dtype(), {cols, rows});
    if (w->dtype() != DType::kFloat32) throw Unconvertible("linear with non-float32 constant weights is not supported yet");
    const float* src = w->data_as<float>();
    float* dst = t.data_as<float>();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
    wt = ctx.const_tensor(t, ctx.in(1).name + "_t");
  } else {
    auto& tr = ctx.add("Transpose", {ctx.tensor(1)});
    set_ints(tr, "perm", {1, 0});
    wt = tr.output(0);
  }
  std::string y = ctx.emit("MatMul", {x, wt});
  if (!ctx.is_none(2)) y = ctx.emit("Add", {y, ctx.tensor(2)});
  ctx.bind(0, y);
}

void matmul(ConvertContext& ctx) { ctx.bind(0, ctx.emit("MatMul", {ctx.tensor(0), ctx.tensor(1)})); }

// addmm(bias, a, b, beta, alpha) = beta * bias + alpha * a @ b
void addmm(ConvertContext& ctx) {
  const double beta = ctx.num_inputs() > 3 ? ctx.float_const(3) : 1, alpha = ctx.num_inputs() > 4 ? ctx.float_const(4) : 1;
  auto& g = ctx.add("Gemm", {ctx.tensor(1), ctx.tensor(2), ctx.tensor(0)});
  set_float(g, "alpha", static_cast<float>(alpha));
  set_float(g, "beta", static_cast<float>(beta));
  ctx.bind(0, g.output(0), ctx.elem_type(1));
}

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
void batch_norm(ConvertContext& ctx) {
  if (ctx.bool_const(5)) throw Unconvertible("batch_norm in training mode cannot be exported; call model.eval()");
  if (ctx.is_none(1) || ctx.is_none(2) || ctx.is_none(3) || ctx.is_none(4))
    throw Unconvertible("batch_norm without affine weights or running statistics is not supported yet");
  auto& n = ctx.add("BatchNormalization", {ctx.tensor(0), ctx.tensor(1), ctx.tensor(2), ctx.tensor(3), ctx.tensor(4)});
  set_float(n, "epsilon", static_cast<float>(ctx.float_const(7)));
  ctx.bind(0, n.output(0));
}

// layer_norm(input, normalized_shape, weight, bias, eps): LayerNormalization from opset 17, the
// mean/variance formula before.
void layer_norm(ConvertContext& ctx) {
  const auto normalized = ctx.ints_const(1);
  const float eps = static_cast<float>(ctx.float_const(4));
  const std::string x = ctx.tensor(0);
  const int64_t axis = -static_cast<int64_t>(normalized.size());
  if (ctx.opset() >= 17 && !ctx.is_none(2)) {
    std::vector<std::string> inputs = {x, ctx.tensor(2)};
    if (!ctx.is_none(3)) inputs.push_back(ctx.tensor(3));
    auto& n = ctx.add("LayerNormalization", inputs);
    set_int(n, "axis", axis);
    set_float(n, "epsilon", eps);
    ctx.bind(0, n.output(0));
    return;
  }
  std::vector<int64_t> axes;
  for (int64_t a = axis; a < 0; ++a) axes.push_back(a);
  const std::string mean = reduce(ctx, "ReduceMean", x, axes, true).output(0);
  const std::string centered = ctx.emit("Sub", {x, mean});
  const std::string var = reduce(ctx, "ReduceMean", ctx.emit("Mul", {centered, centered}), axes, true).output(0);
  const std::string e = ctx.const_scalar(eps, ctx.elem_type(0), "eps");
  std::string y = ctx.emit("Div", {centered, ctx.emit("Sqrt", {ctx.emit("Add", {var, e})})});
  if (!ctx.is_none(2)) y = ctx.emit("Mul", {y, ctx.tensor(2)});
  if (!ctx.is_none(3)) y = ctx.emit("Add", {y, ctx.tensor(3)});
  ctx.bind(0, y);
}

void softmax(ConvertContext& ctx, const std::string& op) {
  if (ctx.num_inputs() > 2 && !ctx.is_none(2)) throw Unconvertible("softmax with a dtype argument is not supported yet");
  if (ctx.opset() < 13) throw Unconvertible(op + " along one axis needs opset 13 (older " + op + " flattens the trailing dims)");
  auto& n = ctx.add(op, {ctx.tensor(0)});
  set_int(n, "axis", ctx.int_const(1));
  ctx.bind(0, n.output(0));
}
void softmax_op(ConvertContext& ctx) { softmax(ctx, "Softmax"); }
void log_softmax_op(ConvertContext& ctx) { softmax(ctx, "LogSoftmax"); }

// mean(x, dims, keepdim, dtype) / sum(x, dims, keepdim, dtype)
void reduction(ConvertContext& ctx, const std::string& op) {
  if (ctx.num_inputs() < 3) throw Unconvertible("a reduction over all elements is not supported yet");
  if (ctx.num_inputs() > 3 && !ctx.is_none(3)) throw Unconvertible("a reduction with a dtype argument is not supported yet");
  auto& n = reduce(ctx, op, ctx.tensor(0), ctx.ints_const(1), ctx.bool_const(2));
  ctx.bind(0, n.output(0));
}
void mean(ConvertContext& ctx) { reduction(ctx, "ReduceMean"); }
void sum(ConvertContext& ctx) { reduction(ctx, "ReduceSum"); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_linear, "aten::linear", linear);
PIU_REGISTER_CONVERTER(aten_matmul, "aten::matmul", matmul);
PIU_REGISTER_CONVERTER(aten_bmm, "aten::bmm", matmul);  // batched [B, n, m] x [B, m, p]: MatMul broadcasts the same
PIU_REGISTER_CONVERTER(aten_addmm, "aten::addmm", addmm);
PIU_REGISTER_CONVERTER(aten_batch_norm, "aten::batch_norm", batch_norm);
PIU_REGISTER_CONVERTER(aten_layer_norm, "aten::layer_norm", layer_norm);
PIU_REGISTER_CONVERTER(aten_softmax, "aten::softmax", softmax_op);
PIU_REGISTER_CONVERTER(aten_log_softmax, "aten::log_softmax", log_softmax_op);
PIU_REGISTER_CONVERTER(aten_mean, "aten::mean", mean);
PIU_REGISTER_CONVERTER(aten_sum, "aten::sum", sum);

}  // namespace piu::exporter

// Losses (inference graphs that compute a score): mse_loss, binary_cross_entropy_with_logits,
// cross_entropy_loss (SoftmaxCrossEntropyLoss, opset 12), kl_div. Reduction 0/1/2 = none/mean/sum.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

using onnx::TensorProto;

// PyTorch's reduction enum over all elements.
std::string reduced(ConvertContext& ctx, const std::string& loss, int64_t reduction) {
  if (reduction == 0) return loss;
  if (reduction != 1 && reduction != 2) throw Unconvertible("unknown reduction " + std::to_string(reduction));
  auto& n = ctx.add(reduction == 1 ? "ReduceMean" : "ReduceSum", {loss});
  set_int(n, "keepdims", 0);
  return n.output(0);
}

// mse_loss(x, t, reduction) = reduced((x - t)^2)
void mse_loss(ConvertContext& ctx) {
  const std::string d = ctx.emit("Sub", {ctx.tensor(0), ctx.tensor(1)});
  ctx.bind(0, reduced(ctx, ctx.emit("Mul", {d, d}), ctx.num_inputs() > 2 ? ctx.int_const(2) : 1));
}

// binary_cross_entropy_with_logits(x, t, weight, pos_weight, reduction):
// (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), times weight.
void bce_with_logits(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0), t = ctx.tensor(1);
  const int32_t type = ctx.elem_type(0);
  const std::string one = ctx.const_scalar(1, type, "one");
  std::string log_weight = one;
  if (!ctx.is_none(3)) log_weight = ctx.emit("Add", {one, ctx.emit("Mul", {ctx.emit("Sub", {ctx.tensor(3), one}), t})});
  const std::string soft = ctx.emit("Softplus", {ctx.emit("Neg", {x})});
  std::string loss =
      ctx.emit("Add", {ctx.emit("Mul", {ctx.emit("Sub", {one, t}), x}), ctx.emit("Mul", {log_weight, soft})});
  if (!ctx.is_none(2)) loss = ctx.emit("Mul", {loss, ctx.tensor(2)});
  ctx.bind(0, reduced(ctx, loss, ctx.int_const(4)));
}

// cross_entropy_loss(x, target, weight, reduction, ignore_index, label_smoothing): class indices
// through SoftmaxCrossEntropyLoss (opset 12); class probabilities as -sum(t * log_softmax(x), 1).
void cross_entropy_loss(ConvertContext& ctx) {
  if (ctx.num_inputs() > 5 && ctx.float_const(5) != 0.0) throw Unconvertible("cross_entropy with label_smoothing");
  const int64_t reduction = ctx.int_const(3);
  const int32_t t_type = ctx.elem_type(1);
  if (t_type == TensorProto::FLOAT || t_type == TensorProto::DOUBLE) {
    if (!ctx.is_none(2)) throw Unconvertible("cross_entropy with class-probability targets and weights");
    if (ctx.opset() < 13 && ctx.rank(0) != 2)
      throw Unconvertible("class-probability cross_entropy on rank > 2 needs opset 13");
    auto& ls = ctx.add("LogSoftmax", {ctx.tensor(0)});
    set_int(ls, "axis", 1);
    const std::string nll = ctx.emit(
        "Neg", {reduce(ctx, "ReduceSum", ctx.emit("Mul", {ctx.tensor(1), ls.output(0)}), {1}, false).output(0)});
    return ctx.bind(0, reduced(ctx, nll, reduction));
  }
  if (ctx.opset() < 12) throw Unconvertible("cross_entropy needs opset 12 (SoftmaxCrossEntropyLoss)");
  std::vector<std::string> inputs = {ctx.tensor(0), ctx.tensor(1)};
  if (!ctx.is_none(2)) inputs.push_back(ctx.tensor(2));
  auto& n = ctx.add("SoftmaxCrossEntropyLoss", inputs);
  auto* a = n.add_attribute();
  a->set_name("reduction");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(reduction == 0 ? "none" : reduction == 1 ? "mean" : "sum");
  set_int(n, "ignore_index", ctx.int_const(4));
  ctx.bind(0, n.output(0));
}

// kl_div(x, t, reduction, log_target): t (log t - x) with 0 where t = 0; exp(t) (t - x) for log targets.
void kl_div(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0), t = ctx.tensor(1);
  const int32_t type = ctx.elem_type(0);
  std::string loss;
  if (ctx.num_inputs() > 3 && ctx.bool_const(3)) {
    loss = ctx.emit("Mul", {ctx.emit("Exp", {t}), ctx.emit("Sub", {t, x})});
  } else {
    const std::string zero = ctx.const_scalar(0, type, "zero");
    const std::string xlogy =
        ctx.emit("Where", {ctx.emit("Greater", {t, zero}), ctx.emit("Mul", {t, ctx.emit("Log", {t})}), zero});
    loss = ctx.emit("Sub", {xlogy, ctx.emit("Mul", {t, x})});
  }
  ctx.bind(0, reduced(ctx, loss, ctx.int_const(2)));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_binary_cross_entropy_with_logits, "aten::binary_cross_entropy_with_logits",
                       bce_with_logits);
PIU_REGISTER_CONVERTER(aten_mse_loss, "aten::mse_loss", mse_loss);
PIU_REGISTER_CONVERTER(aten_cross_entropy_loss, "aten::cross_entropy_loss", cross_entropy_loss);
PIU_REGISTER_CONVERTER(aten_kl_div, "aten::kl_div", kl_div);

}  // namespace piu::exporter

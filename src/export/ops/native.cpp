// The native_* forms that scripted and traced graphs keep: native_dropout (eval), native_layer_norm
// (with its mean and 1/std outputs); and the loss nll_loss (nll_loss2d, nll_loss_nd).
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// native_dropout(x, p, train) -> (x, mask): an identity at inference, the mask all true.
void native_dropout(ConvertContext& ctx) {
  if (!ctx.is_none(2) && ctx.bool_const(2))
    throw Unconvertible("dropout in training mode cannot be exported; call model.eval()");
  ctx.forward(0, 0);
  if (ctx.node().outputs.size() > 1)
    ctx.bind(1, fill(ctx, ctx.emit("Shape", {ctx.tensor(0)}), 1, onnx::TensorProto::BOOL), onnx::TensorProto::BOOL);
}

// native_layer_norm(x, normalized_shape, weight, bias, eps) -> (y, mean, rstd); mean and rstd keep
// the normalized dims as 1s.
void native_layer_norm(ConvertContext& ctx) {
  const int64_t n = static_cast<int64_t>(ctx.ints_const(1).size());
  const int32_t type = ctx.elem_type(0);
  const float eps = static_cast<float>(ctx.float_const(4));
  const std::string x = ctx.tensor(0);
  ctx.bind(0,
           layer_norm(ctx, x, n, ctx.is_none(2) ? "" : ctx.tensor(2), ctx.is_none(3) ? "" : ctx.tensor(3), eps, type));
  if (ctx.node().outputs.size() < 3) return;
  std::vector<int64_t> axes;
  for (int64_t k = n; k > 0; --k) axes.push_back(-k);
  const std::string mean = reduce(ctx, "ReduceMean", x, axes, true).output(0);
  const std::string d = ctx.emit("Sub", {x, mean});
  const std::string var = reduce(ctx, "ReduceMean", ctx.emit("Mul", {d, d}), axes, true).output(0);
  const std::string rstd =
      ctx.emit("Reciprocal", {ctx.emit("Sqrt", {ctx.emit("Add", {var, ctx.const_scalar(eps, type, "eps")})})});
  ctx.bind(1, mean);
  ctx.bind(2, rstd);
}

// nll_loss(log_probs, target, weight, reduction, ignore_index): NegativeLogLikelihoodLoss
// (opset 12); reduction 0 none, 1 mean, 2 sum.
void nll_loss(ConvertContext& ctx) {
  if (ctx.opset() < 12) throw Unconvertible("nll_loss needs opset 12 (NegativeLogLikelihoodLoss)");
  static const char* kReductions[] = {"none", "mean", "sum"};
  const int64_t reduction = ctx.int_const(3);
  if (reduction < 0 || reduction > 2) throw Unconvertible("nll_loss reduction " + std::to_string(reduction));
  std::vector<std::string> inputs = {ctx.tensor(0),
                                     cast(ctx, ctx.tensor(1), onnx::TensorProto::INT64, ctx.elem_type(1))};
  if (!ctx.is_none(2)) inputs.push_back(ctx.tensor(2));
  auto& n = ctx.add("NegativeLogLikelihoodLoss", inputs);
  auto* a = n.add_attribute();
  a->set_name("reduction");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(kReductions[reduction]);
  set_int(n, "ignore_index", ctx.int_const(4));
  ctx.bind(0, n.output(0));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_native_dropout, "aten::native_dropout", native_dropout);
PIU_REGISTER_CONVERTER(aten_native_layer_norm, "aten::native_layer_norm", native_layer_norm);
PIU_REGISTER_CONVERTER(aten_nll_loss, "aten::nll_loss", nll_loss);
PIU_REGISTER_CONVERTER(aten_nll_loss2d, "aten::nll_loss2d", nll_loss);
PIU_REGISTER_CONVERTER(aten_nll_loss_nd, "aten::nll_loss_nd", nll_loss);

}  // namespace piu::exporter

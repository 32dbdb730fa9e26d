// More element-wise ops: log2/log10/log1p, square, lerp, nan_to_num; activations prelu, rrelu
// (eval), selu, softshrink, threshold; and the identities of inference
// (resolve_conj, resolve_neg, lift).
#include <cmath>
#include <limits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

bool is_integer(int32_t type) {
  return type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32 || type == onnx::TensorProto::INT16 ||
         type == onnx::TensorProto::INT8 || type == onnx::TensorProto::UINT8 || type == onnx::TensorProto::BOOL;
}

// log(x) / log(base)
void log_base(ConvertContext& ctx, double base) {
  const std::string log = ctx.emit("Log", {ctx.tensor(0)});
  ctx.bind(0, ctx.emit("Div", {log, ctx.const_scalar(std::log(base), ctx.elem_type(0), "log_base")}));
}
void log2(ConvertContext& ctx) { log_base(ctx, 2.0); }
void log10(ConvertContext& ctx) { log_base(ctx, 10.0); }

void log1p(ConvertContext& ctx) {
  const std::string one = ctx.const_scalar(1.0, ctx.elem_type(0), "one");
  ctx.bind(0, ctx.emit("Log", {ctx.emit("Add", {ctx.tensor(0), one})}));
}

void square(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  ctx.bind(0, ctx.emit("Mul", {x, x}));
}

// lerp(start, end, weight) = start + weight * (end - start); weight a tensor or a number.
void lerp(ConvertContext& ctx) {
  const std::string start = ctx.tensor(0);
  const std::string diff = ctx.emit("Sub", {ctx.tensor(1, 0), start});
  ctx.bind(0, ctx.emit("Add", {start, ctx.emit("Mul", {ctx.tensor(2, 0), diff})}));
}

// nan_to_num(x, nan=0, posinf=None, neginf=None): None means the type's largest / lowest finite.
void nan_to_num(ConvertContext& ctx) {
  const int32_t type = ctx.elem_type(0);
  const std::string x = ctx.tensor(0);
  if (is_integer(type)) return ctx.forward(0, 0);
  if (type != onnx::TensorProto::FLOAT && type != onnx::TensorProto::DOUBLE)
    throw Unconvertible("nan_to_num on this element type is not supported yet");
  const double big =
      type == onnx::TensorProto::FLOAT ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  auto value = [&](size_t i, double fallback) {
    return ctx.const_scalar(ctx.is_none(i) ? fallback : ctx.float_const(i), type, "replacement");
  };
  std::string y = ctx.emit("Where", {ctx.emit("IsNaN", {x}), value(1, 0.0), x});
  auto& pos = ctx.add("IsInf", {x});
  set_int(pos, "detect_negative", 0);
  y = ctx.emit("Where", {pos.output(0), value(2, big), y});
  auto& neg = ctx.add("IsInf", {x});
  set_int(neg, "detect_positive", 0);
  ctx.bind(0, ctx.emit("Where", {neg.output(0), value(3, -big), y}));
}

// prelu(x, weight): a weight per channel (dim 1) gets trailing 1-dims to broadcast over the rest.
void prelu(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  std::string w = ctx.tensor(1);
  const int64_t rank = ctx.rank(0);
  const auto w_shape = ctx.shape(1);
  const bool single = w_shape && w_shape->size() == 1 && (*w_shape)[0] == 1;
  if (rank > 2 && !single) {
    std::vector<int64_t> axes;
    for (int64_t a = 1; a < rank - 1; ++a) axes.push_back(a);
    w = unsqueeze(ctx, w, axes);
  }
  ctx.bind(0, ctx.emit("PRelu", {x, w}));
}

// rrelu(x, lower, upper, training): in eval a leaky relu with slope (lower + upper) / 2.
void rrelu(ConvertContext& ctx) {
  if (ctx.num_inputs() > 3 && ctx.bool_const(3))
    throw Unconvertible("rrelu in training mode is random; call model.eval()");
  const double lower = ctx.num_inputs() > 1 ? ctx.float_const(1) : 1.0 / 8;
  const double upper = ctx.num_inputs() > 2 ? ctx.float_const(2) : 1.0 / 3;
  auto& n = ctx.add("LeakyRelu", {ctx.tensor(0)});
  set_float(n, "alpha", static_cast<float>((lower + upper) / 2));
  ctx.bind(0, n.output(0));
}

void selu(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Selu", {ctx.tensor(0)})); }  // ONNX's defaults are PyTorch's

// softshrink(x, lambd): x - lambd above lambd, x + lambd below -lambd, else 0 (Shrink).
void softshrink(ConvertContext& ctx) {
  const float lambd = ctx.num_inputs() > 1 ? static_cast<float>(ctx.float_const(1)) : 0.5f;
  auto& n = ctx.add("Shrink", {ctx.tensor(0)});
  set_float(n, "lambd", lambd);
  set_float(n, "bias", lambd);
  ctx.bind(0, n.output(0));
}

// threshold(x, threshold, value): x where x > threshold, else value.
void threshold(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  ctx.bind(0, ctx.emit("Where", {ctx.emit("Greater", {x, ctx.tensor(1, 0)}), x, ctx.tensor(2, 0)}));
}


}  // namespace

PIU_REGISTER_CONVERTER(aten_log2, "aten::log2", log2);
PIU_REGISTER_CONVERTER(aten_log10, "aten::log10", log10);
PIU_REGISTER_CONVERTER(aten_log1p, "aten::log1p", log1p);
PIU_REGISTER_CONVERTER(aten_square, "aten::square", square);
PIU_REGISTER_CONVERTER(aten_lerp, "aten::lerp", lerp);
PIU_REGISTER_CONVERTER(aten_nan_to_num, "aten::nan_to_num", nan_to_num);
PIU_REGISTER_CONVERTER(aten_prelu, "aten::prelu", prelu);
PIU_REGISTER_CONVERTER(aten_rrelu, "aten::rrelu", rrelu);
PIU_REGISTER_CONVERTER(aten_selu, "aten::selu", selu);
PIU_REGISTER_CONVERTER(aten_selu_, "aten::selu_", selu);
PIU_REGISTER_CONVERTER(aten_softshrink, "aten::softshrink", softshrink);
PIU_REGISTER_CONVERTER(aten_threshold, "aten::threshold", threshold);
PIU_REGISTER_CONVERTER(aten_threshold_, "aten::threshold_", threshold);
PIU_REGISTER_CONVERTER(aten_resolve_conj, "aten::resolve_conj", convert_identity);
PIU_REGISTER_CONVERTER(aten_resolve_neg, "aten::resolve_neg", convert_identity);
PIU_REGISTER_CONVERTER(aten_lift, "aten::lift", convert_identity);

}  // namespace piu::exporter

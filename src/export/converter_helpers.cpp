// Helpers shared by converters (declared in converter.hpp): opset-dependent forms of common ONNX
// ops, constants of a given element type, PyTorch dtype numbers, attribute setters.
#include "export/converter.hpp"

namespace piu::exporter {

void set_element(Tensor& t, int64_t at, double value) {
  switch (t.dtype()) {
    case DType::kFloat32: t.data_as<float>()[at] = static_cast<float>(value); break;
    case DType::kFloat64: t.data_as<double>()[at] = value; break;
    case DType::kInt64: t.data_as<int64_t>()[at] = static_cast<int64_t>(value); break;
    case DType::kInt32: t.data_as<int32_t>()[at] = static_cast<int32_t>(value); break;
    case DType::kBool: t.data_as<bool>()[at] = value != 0; break;
    default: throw Unconvertible("a constant of type " + std::string(dtype_name(t.dtype())) + " is not supported yet");
  }
}

Tensor filled(int32_t type, const Shape& shape, double value) {
  const auto dtype = dtype_from_onnx(type);
  if (!dtype) throw Unconvertible("a constant of type " + onnx_elem_type_name(type) + " is not supported yet");
  Tensor t = Tensor::zeros(*dtype, shape);
  for (int64_t i = 0; i < t.numel(); ++i) set_element(t, i, value);
  return t;
}

std::vector<int64_t> repeat_to(std::vector<int64_t> v, size_t n) {
  if (v.size() == 1) v.assign(n, v[0]);
  return v;
}

std::vector<int64_t> both_sides(const std::vector<int64_t>& pad) {
  std::vector<int64_t> pads(pad);
  pads.insert(pads.end(), pad.begin(), pad.end());
  return pads;
}

std::string unsqueeze(ConvertContext& ctx, const std::string& value, const std::vector<int64_t>& axes) {
  if (ctx.opset() >= 13) return ctx.emit("Unsqueeze", {value, ctx.const_i64(axes)});
  auto& n = ctx.add("Unsqueeze", {value});
  set_ints(n, "axes", axes);
  return n.output(0);
}

std::string squeeze(ConvertContext& ctx, const std::string& value, const std::vector<int64_t>& axes) {
  if (ctx.opset() >= 13) return ctx.emit("Squeeze", axes.empty() ? std::vector<std::string>{value}
                                                                 : std::vector<std::string>{value, ctx.const_i64(axes)});
  auto& n = ctx.add("Squeeze", {value});
  if (!axes.empty()) set_ints(n, "axes", axes);
  return n.output(0);
}

onnx::NodeProto& reduce(ConvertContext& ctx, const std::string& op, const std::string& value,
                        const std::vector<int64_t>& axes, bool keepdims) {
  const bool as_input = op == "ReduceSum" ? ctx.opset() >= 13 : ctx.opset() >= 18;
  auto& n = as_input ? ctx.add(op, {value, ctx.const_i64(axes)}) : ctx.add(op, {value});
  if (!as_input) set_ints(n, "axes", axes);
  set_int(n, "keepdims", keepdims ? 1 : 0);
  return n;
}

int32_t onnx_type_of_scalar_type(int64_t t) {
  switch (t) {
    case 0: return onnx::TensorProto::UINT8;
    case 1: return onnx::TensorProto::INT8;
    case 2: return onnx::TensorProto::INT16;
    case 3: return onnx::TensorProto::INT32;
    case 4: return onnx::TensorProto::INT64;
    case 5: return onnx::TensorProto::FLOAT16;
    case 6: return onnx::TensorProto::FLOAT;
    case 7: return onnx::TensorProto::DOUBLE;
    case 11: return onnx::TensorProto::BOOL;
    case 15: return onnx::TensorProto::BFLOAT16;
    default: throw Unconvertible("PyTorch ScalarType " + std::to_string(t) + " is not supported");
  }
}

int32_t dtype_arg(const ConvertContext& ctx, size_t i, int32_t fallback) {
  if (ctx.is_none(i)) return fallback;
  return onnx_type_of_scalar_type(ctx.int_const(i));
}

std::string cast(ConvertContext& ctx, const std::string& value, int32_t to, int32_t from) {
  if (from == to) return value;
  auto& n = ctx.add("Cast", {value});
  set_int(n, "to", to);
  return n.output(0);
}

std::string transpose(ConvertContext& ctx, const std::string& value, const std::vector<int64_t>& perm) {
  auto& n = ctx.add("Transpose", {value});
  set_ints(n, "perm", perm);
  return n.output(0);
}

std::string linear(ConvertContext& ctx, const std::string& x, const std::string& w, const std::string& b) {
  std::string y = ctx.emit("MatMul", {x, transpose(ctx, w, {1, 0})});
  return b.empty() ? y : ctx.emit("Add", {y, b});
}

std::string fill(ConvertContext& ctx, const std::string& shape, double value, int32_t type) {
  const Tensor t = filled(type, {1}, value);
  auto& n = ctx.add("ConstantOfShape", {shape});
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = tensor_to_proto(t, "value");
  return n.output(0);
}

std::string layer_norm(ConvertContext& ctx, const std::string& x, int64_t axes, const std::string& weight,
                       const std::string& bias, float eps, int32_t type) {
  if (ctx.opset() >= 17 && !weight.empty()) {
    std::vector<std::string> inputs = {x, weight};
    if (!bias.empty()) inputs.push_back(bias);
    auto& n = ctx.add("LayerNormalization", inputs);
    set_int(n, "axis", -axes);
    set_float(n, "epsilon", eps);
    return n.output(0);
  }
  std::vector<int64_t> dims;
  for (int64_t a = -axes; a < 0; ++a) dims.push_back(a);
  const std::string mean = reduce(ctx, "ReduceMean", x, dims, true).output(0);
  const std::string centered = ctx.emit("Sub", {x, mean});
  const std::string var = reduce(ctx, "ReduceMean", ctx.emit("Mul", {centered, centered}), dims, true).output(0);
  std::string y = ctx.emit("Div", {centered, ctx.emit("Sqrt", {ctx.emit("Add", {var, ctx.const_scalar(eps, type, "eps")})})});
  if (!weight.empty()) y = ctx.emit("Mul", {y, weight});
  if (!bias.empty()) y = ctx.emit("Add", {y, bias});
  return y;
}

void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void set_int(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void convert_identity(ConvertContext& ctx) { ctx.forward(0, 0); }

void set_float(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

}  // namespace piu::exporter

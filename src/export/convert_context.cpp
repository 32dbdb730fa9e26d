// ConvertContext: how converters read a node's arguments (constants, computed ints, tensor lists)
// and bind its outputs, over the export state. Converters never touch ExportState directly.
#include <algorithm>

#include "export/export_state.hpp"

namespace piu::exporter {

namespace {

int32_t onnx_type_of(const IrValue& v) {
  if (v.tensor) return dtype_to_onnx(v.tensor->dtype());
  if (v.type == IrType::kInt || v.type == IrType::kBool) return onnx::TensorProto::INT64;
  return onnx::TensorProto::FLOAT;
}

bool is_float_type(int32_t t) {
  return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::DOUBLE || t == onnx::TensorProto::FLOAT16 ||
         t == onnx::TensorProto::BFLOAT16;
}

}  // namespace

int ConvertContext::opset() const { return state_.opset; }

const IrValue& ConvertContext::in(size_t i) const {
  if (i >= node_.inputs.size())
    throw Unconvertible("argument " + std::to_string(i) + " is missing (" + std::to_string(node_.inputs.size()) + " given)");
  return state_.ir.values[node_.inputs[i]];
}

const IrValue& ConvertContext::out(size_t k) const { return state_.ir.values[node_.outputs.at(k)]; }

int64_t ConvertContext::int_const(size_t i) const {
  const IrValue& v = in(i);
  if (v.ints && v.ints->size() == 1) return v.ints->at(0);
  if (auto& r = state_.repr[node_.inputs[i]]; r.ints && r.ints->size() == 1) return r.ints->at(0);
  throw Unconvertible("argument '" + v.name + "' must be a constant int, it is computed at run time");
}

double ConvertContext::float_const(size_t i) const {
  if (auto s = maybe_scalar(i)) return *s;
  throw Unconvertible("argument '" + in(i).name + "' must be a constant number, it is computed at run time");
}

std::optional<double> ConvertContext::maybe_scalar(size_t i) const {
  const IrValue& v = in(i);
  if (v.floats && v.floats->size() == 1) return v.floats->at(0);
  if (v.ints && v.ints->size() == 1 && v.type != IrType::kIntList) return static_cast<double>(v.ints->at(0));
  if (v.type == IrType::kInt || v.type == IrType::kBool)  // an int a converter found constant (a static size)
    if (const auto& r = state_.repr[node_.inputs[i]]; r.ints && r.ints->size() == 1) return static_cast<double>(r.ints->at(0));
  if (v.tensor && v.tensor->rank() == 0) return element_as_double(*v.tensor, 0);  // traced Python numbers
  return std::nullopt;
}

std::optional<std::vector<int64_t>> ConvertContext::maybe_ints(size_t i) const {
  const IrValue& v = in(i);
  if (v.ints) return v.ints;
  if (auto& r = state_.repr[node_.inputs[i]]; r.ints) return r.ints;
  return std::nullopt;
}

std::vector<int64_t> ConvertContext::ints_const(size_t i) const {
  if (auto v = maybe_ints(i)) return *v;
  throw Unconvertible("argument '" + in(i).name + "' must be a constant int list, it is computed at run time");
}

int32_t ConvertContext::elem_type(size_t i) const {
  const auto& r = state_.repr[node_.inputs[i]];
  if (r.elem) return r.elem;
  return onnx_type_of(in(i));
}

std::optional<Shape> ConvertContext::shape(size_t i) {
  if (const auto& t = in(i).tensor) return t->shape();
  return state_.shape_of(tensor(i));
}

std::optional<Shape> ConvertContext::value_shape(const std::string& onnx_value) { return state_.shape_of(onnx_value); }

std::string ConvertContext::dim_name(const std::string& onnx_value, int64_t dim) {
  if (!state_.shape_of(onnx_value)) return "";
  const auto& names = state_.dim_names[onnx_value];
  if (dim < 0) dim += static_cast<int64_t>(names.size());
  return dim >= 0 && dim < static_cast<int64_t>(names.size()) ? names[dim] : "";
}

int64_t ConvertContext::rank(size_t i) {
  if (const auto& t = in(i).tensor) return t->rank();
  if (const int64_t r = state_.repr[node_.inputs.at(i)].rank; r >= 0) return r;
  if (auto s = shape(i)) return static_cast<int64_t>(s->size());
  throw Unconvertible("the rank of '" + in(i).name + "' is not known");
}

std::string ConvertContext::const_i64(const std::vector<int64_t>& values, bool scalar) {
  Tensor t = Tensor::zeros(DType::kInt64, scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data_as<int64_t>());
  return const_tensor(t, "const");
}

std::string ConvertContext::const_scalar(double value, int32_t type, const std::string& hint) {
  return const_tensor(filled(type, {}, value), hint);
}

ConvertContext::Operands ConvertContext::operands() {
  const bool first_is_tensor = in(0).type == IrType::kTensor;
  // PyTorch's promotion: an integer tensor with a float number (x // 4 * 0.5, n ** -0.5) is float.
  const size_t t = first_is_tensor ? 0 : 1, n = 1 - t;
  const IrValue& num = in(n);
  const bool float_number = num.type == IrType::kFloat ||
                            (num.tensor && num.tensor->rank() == 0 && (num.tensor->dtype() == DType::kFloat64 ||
                                                                       num.tensor->dtype() == DType::kFloat32));
  if (float_number && !is_float_type(elem_type(t)) && elem_type(t) != onnx::TensorProto::BOOL) {
    const std::string x = cast(*this, tensor(t), onnx::TensorProto::FLOAT, elem_type(t));
    const std::string y = const_scalar(float_const(n), onnx::TensorProto::FLOAT, num.name);
    return first_is_tensor ? Operands{x, y, onnx::TensorProto::FLOAT} : Operands{y, x, onnx::TensorProto::FLOAT};
  }
  Operands o;
  o.a = tensor(0, first_is_tensor ? -1 : 1);
  o.b = tensor(1, first_is_tensor ? 0 : -1);
  o.type = elem_type(first_is_tensor ? 0 : 1);
  if (first_is_tensor && in(1).type == IrType::kTensor && is_float_type(elem_type(0)) != is_float_type(elem_type(1))) {
    // An integer (or bool) tensor with a float tensor is float: x.numel() * x, a size as a 0-d tensor.
    const int32_t a = elem_type(0), b = elem_type(1), to = is_float_type(a) ? a : b;
    return Operands{cast(*this, o.a, to, a), cast(*this, o.b, to, b), to};
  }
  return o;
}

std::string ConvertContext::const_proto(onnx::TensorProto proto, const std::string& hint) {
  const std::string name = state_.unique(hint);
  proto.set_name(name);
  *state_.graph.add_initializer() = std::move(proto);
  return name;
}

std::string ConvertContext::const_tensor(const Tensor& t, const std::string& hint) {
  const std::string name = state_.unique(hint);
  *state_.graph.add_initializer() = tensor_to_proto(t, name);  // a temporary: moved, not copied
  return name;
}

std::string ConvertContext::tensor(size_t i, int like) {
  const int idx = node_.inputs.at(i);
  auto& r = state_.repr[idx];
  const IrValue& v = in(i);
  if (r.onnx.empty() && r.constant) r.onnx = const_tensor(*r.constant, v.name);
  if (!r.onnx.empty()) {
    if (like >= 0 && r.elem == onnx::TensorProto::INT64 && is_float_type(elem_type(like))) {  // int scalar * float
      auto& cast = add("Cast", {r.onnx});
      set_int(cast, "to", elem_type(like));
      return cast.output(0);
    }
    return r.onnx;
  }
  if (v.tensor && like >= 0 && v.tensor->numel() == 1 && dtype_to_onnx(v.tensor->dtype()) != elem_type(like)) {
    // Tracing records Python numbers as 0-d double tensors: give them the other operand's type.
    if (v.tensor->rank() != 0) throw Unconvertible("a 1-element constant of another type than its operand");
    return const_scalar(element_as_double(*v.tensor, 0), elem_type(like), v.name);
  }
  if (v.tensor) {
    r.onnx = const_tensor(*v.tensor, v.name);
    r.elem = dtype_to_onnx(v.tensor->dtype());
    return r.onnx;
  }
  if (auto s = maybe_scalar(i))  // a number where a tensor is expected: a 0-d tensor of like's type
    return const_scalar(*s, like >= 0 ? elem_type(like) : onnx_type_of(v), "scalar");
  if (v.ints) return const_i64(*v.ints, false);
  if (r.ints) {  // ints a converter found constant: a 0-d int64 for an int, 1-D for a list
    if (like >= 0 && r.ints->size() == 1 && v.type != IrType::kIntList)  // a size times a float tensor
      return const_scalar(static_cast<double>(r.ints->at(0)), elem_type(like), v.name);
    r.onnx = const_i64(*r.ints, v.type != IrType::kIntList);
    r.elem = onnx::TensorProto::INT64;
    return r.onnx;
  }
  throw Unconvertible("argument '" + v.name + "' (" + v.type_str + ") is not available as a tensor");
}

std::string ConvertContext::int_scalar(size_t i) {
  const IrValue& v = in(i);
  if (v.ints && v.ints->size() == 1 && v.type != IrType::kIntList) return const_i64({v.ints->at(0)}, true);
  auto& r = state_.repr[node_.inputs[i]];
  if (r.ints && r.ints->size() == 1) return const_i64({r.ints->at(0)}, true);
  if (!r.onnx.empty()) return r.onnx;
  throw Unconvertible("argument '" + v.name + "' is not an int");
}

std::string ConvertContext::int_list(size_t i) {
  if (auto v = maybe_ints(i)) return const_i64(*v);
  auto& r = state_.repr[node_.inputs[i]];
  if (!r.onnx.empty()) return r.onnx;
  throw Unconvertible("argument '" + in(i).name + "' is not an int list");
}

std::vector<std::string> ConvertContext::tensor_list(size_t i) {
  auto& r = state_.repr[node_.inputs[i]];
  if (r.list) return *r.list;
  if (const auto& ts = in(i).tensors) {  // a constant list: one initializer per tensor
    r.list.emplace();
    for (size_t k = 0; k < ts->size(); ++k) {
      const bool none = !(*ts)[k].defined();
      r.list->push_back(none ? "" : const_tensor((*ts)[k], in(i).name + "_" + std::to_string(k)));
      r.list_types.push_back(none ? 0 : dtype_to_onnx((*ts)[k].dtype()));
    }
    return *r.list;
  }
  throw Unconvertible("argument '" + in(i).name + "' is not a list of tensors");
}

std::vector<int32_t> ConvertContext::tensor_list_types(size_t i) {
  const auto items = tensor_list(i);
  std::vector<int32_t> types = state_.repr[node_.inputs[i]].list_types;
  types.resize(items.size(), onnx::TensorProto::FLOAT);
  return types;
}

onnx::NodeProto& ConvertContext::add(const std::string& op, const std::vector<std::string>& inputs, size_t outputs,
                                     const std::string& hint) {
  onnx::NodeProto* n = state_.target().add_node();
  ++state_.nodes_added;
  n->set_op_type(op);
  const std::string base = hint.empty() ? (node_.outputs.empty() ? op : state_.ir.values[node_.outputs[0]].name) : hint;
  n->set_name(state_.unique(op + "_" + base));
  for (const auto& i : inputs) n->add_input(i);
  for (size_t k = 0; k < outputs; ++k) n->add_output(state_.unique(base));
  return *n;
}

std::string ConvertContext::emit(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint) {
  return add(op, inputs, 1, hint).output(0);
}

void ConvertContext::bind(size_t k, const std::string& onnx_value, int32_t elem) {
  auto& r = state_.repr[node_.outputs.at(k)];
  r.onnx = onnx_value;
  const IrValue& out = state_.ir.values[node_.outputs.at(k)];
  if (elem == 0) {
    if (out.type == IrType::kInt || out.type == IrType::kIntList || out.type == IrType::kBool)
      elem = onnx::TensorProto::INT64;
    else if (!node_.inputs.empty() && in(0).type == IrType::kTensor)
      elem = elem_type(0);
    else
      elem = onnx::TensorProto::FLOAT;
  }
  r.elem = elem;
}

void ConvertContext::set_rank(size_t k, int64_t rank) {
  auto& r = state_.repr[node_.outputs.at(k)];
  r.rank = rank;
  // Declared in the graph too, so ONNX shape inference carries the rank on past ops whose output
  // it cannot infer (a Reshape to a target computed from symbolic dims, before opset 13).
  // No element type: inference fills it in (and a guessed one could conflict). The declarations are
  // dropped before the model is finished.
  if (rank < 0 || r.onnx.empty() || !state_.declared.insert(r.onnx).second) return;
  auto* v = state_.target().add_value_info();
  v->set_name(r.onnx);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  for (int64_t d = 0; d < rank; ++d) tt->mutable_shape()->add_dim();
}

int64_t ConvertContext::list_length(size_t i) const {
  if (auto v = maybe_ints(i)) return static_cast<int64_t>(v->size());
  return state_.repr[node_.inputs.at(i)].length;
}

void ConvertContext::set_size_of(size_t k, const std::string& onnx_value, int64_t dim) {
  auto& r = state_.repr[node_.outputs.at(k)];
  r.size_of = onnx_value;
  r.size_dim = dim;
}

std::vector<ConvertContext::IntElem> ConvertContext::int_list_elems(size_t i) const {
  if (auto v = maybe_ints(i)) {
    std::vector<IntElem> out;
    for (int64_t x : *v) out.push_back({x, "", -1});
    return out;
  }
  return state_.repr[node_.inputs.at(i)].elems;
}

ConvertContext::IntElem ConvertContext::int_elem(size_t i) const {
  if (auto v = maybe_ints(i); v && v->size() == 1) return {v->at(0), "", -1};
  const auto& r = state_.repr[node_.inputs.at(i)];
  return {std::nullopt, r.size_of, r.size_dim};
}

void ConvertContext::set_list_elems(size_t k, const std::vector<IntElem>& elems) {
  state_.repr[node_.outputs.at(k)].elems = elems;
}

void ConvertContext::set_list_length(size_t k, int64_t length) { state_.repr[node_.outputs.at(k)].length = length; }

void ConvertContext::bind_ints(size_t k, const std::vector<int64_t>& values) {
  state_.repr[node_.outputs.at(k)].ints = values;
  state_.repr[node_.outputs.at(k)].elem = onnx::TensorProto::INT64;
}

void ConvertContext::set_tensor_list(size_t i, const std::vector<std::string>& values,
                                     const std::vector<int32_t>& types) {
  auto& r = state_.repr[node_.inputs.at(i)];
  if (r.list_depth < state_.bodies.size())
    throw Unconvertible("changes a list made outside a loop or branch decided at run time (what it holds would "
                        "depend on the run); carry a tensor and torch.cat onto it instead, which becomes an ONNX Loop");
  r.list = values;
  r.list_types = types;
}

void ConvertContext::bind_tensor_list(size_t k, const std::vector<std::string>& values,
                                      const std::vector<int32_t>& types) {
  state_.repr[node_.outputs.at(k)].list = values;
  state_.repr[node_.outputs.at(k)].list_types = types;
  state_.repr[node_.outputs.at(k)].list_depth = state_.bodies.size();
}

bool ConvertContext::convert_block(size_t b) {
  if (state_.convert_nodes(node_.blocks.at(b).nodes) == ConvertStatus::kConverted) return true;
  block_failed_ = true;
  return false;
}

void ConvertContext::assign(int dst, int src) { state_.assign(dst, src); }

void ConvertContext::bind_value_ints(int value, const std::vector<int64_t>& ints) {
  state_.repr[value] = {};
  state_.repr[value].ints = ints;
  state_.repr[value].elem = onnx::TensorProto::INT64;
}

void ConvertContext::bind_str(size_t k, const std::string& str) { state_.ir.values[node_.outputs.at(k)].str = str; }

std::optional<std::vector<int64_t>> ConvertContext::value_ints(int value) const {
  if (const auto& v = state_.ir.values[value].ints) return v;
  return state_.repr[value].ints;
}

void ConvertContext::forward(size_t k, size_t i) {
  state_.repr[node_.outputs.at(k)] = state_.repr[node_.inputs.at(i)];
  if (state_.repr[node_.outputs.at(k)].onnx.empty() && in(i).constant()) {
    const std::string name = tensor(i);
    bind(k, name, elem_type(i));
  }
}

}  // namespace piu::exporter

// The export driver: IrGraph -> ONNX through the registered converters, then names, symbolic dims,
// shape inference and constant folding.
#include "piu/export.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include <onnx/shape_inference/implementation.h>

#include "export/converter.hpp"
#include "piu/session.hpp"
#include "piu/passes.hpp"
#include "piu/simplify.hpp"

namespace piu::exporter {

// ---------------------------------------------------------------------------------------------
// Registries
// ---------------------------------------------------------------------------------------------

namespace {

std::map<std::string, ConvertFn>& converters() {
  static std::map<std::string, ConvertFn> m;
  return m;
}

std::mutex& reader_mutex() {
  static std::mutex m;
  return m;
}
TorchScriptReader& reader_slot() {
  static TorchScriptReader r;
  return r;
}

}  // namespace

bool register_converter(const std::string& kind, ConvertFn fn) {
  if (!converters().emplace(kind, fn).second)
    throw Error(ErrorCode::kInternal, "converter for " + kind + " registered twice");
  return true;
}

ConvertFn find_converter(const std::string& kind) {
  auto it = converters().find(kind);
  return it == converters().end() ? nullptr : it->second;
}

std::vector<std::string> converter_kinds() {
  std::vector<std::string> out;
  for (const auto& [k, fn] : converters()) out.push_back(k);
  return out;
}

bool register_torchscript_reader(TorchScriptReader reader) {
  std::lock_guard<std::mutex> lock(reader_mutex());
  reader_slot() = std::move(reader);
  return true;
}

const TorchScriptReader& torchscript_reader() {
  {
    std::lock_guard<std::mutex> lock(reader_mutex());
    if (reader_slot()) return reader_slot();
  }
  load_plugin("torch");
  std::lock_guard<std::mutex> lock(reader_mutex());
  if (!reader_slot())
    throw Error(ErrorCode::kUnsupported,
                "piu was built without LibTorch (the torch plugin), so it cannot read TorchScript files");
  return reader_slot();
}

// ---------------------------------------------------------------------------------------------
// Export state and the converters' context
// ---------------------------------------------------------------------------------------------

class ExportState {
 public:
  struct Repr {
    std::string onnx;          // ONNX value name (tensor or computed int / int list)
    int32_t elem = 0;          // its ONNX element type, 0 when unknown
    std::optional<std::vector<int64_t>> ints;  // a known int / int list bound by a converter
    std::optional<std::vector<std::string>> list;  // a Tensor[]
    std::vector<int32_t> list_types;               // its element types, when known
    int64_t rank = -1;  // a tensor's rank when a converter knows it (saves a shape-inference run)
    int64_t length = -1;  // a computed int list's length
    std::string size_of;  // an int read by aten::size(size_of, size_dim) from a dynamic dim
    int64_t size_dim = -1;
    std::vector<ConvertContext::IntElem> elems;  // a computed int list's elements, as far as known
    std::optional<Tensor> constant;  // a tensor known at conversion time (bind_constant)
  };

  ExportState(IrGraph& ir, int opset, onnx::GraphProto& graph)
      : ir(ir), opset(opset), graph(graph), repr(ir.values.size()), producer(ir.values.size(), nullptr),
        uses(ir.values.size(), 0) {
    index_nodes(ir.nodes);
    for (int o : ir.outputs) ++uses[o];
  }

  // Producers and reader counts, through sub-blocks (a block's reads are never counted down: a
  // constant read inside a branch or loop body stays until the end).
  void index_nodes(const std::vector<IrNode>& nodes) {
    for (const auto& n : nodes) {
      for (int o : n.outputs) producer[o] = &n;
      for (int i : n.inputs) ++uses[i];
      for (const auto& b : n.blocks) {
        index_nodes(b.nodes);
        for (int o : b.outputs) ++uses[o];
      }
    }
  }

  // Makes value dst what value src is (a branch's result becomes the If's output; a loop's carried
  // values move between iterations): its representation and, for constants, the constant.
  void assign(int dst, int src) {
    repr[dst] = repr[src];
    IrValue& d = ir.values[dst];
    const IrValue& s = ir.values[src];
    d.tensor = s.tensor;
    d.tensors = s.tensors;
    d.ints = s.ints;
    d.floats = s.floats;
    d.str = s.str;
    d.none = s.none;
  }

  // Converts nodes in order (set by the export driver; converters of control flow call it).
  std::function<void(const std::vector<IrNode>&)> convert_nodes;

  // After node n is converted: a large constant nothing else reads is freed (its initializer, if
  // any, holds the data now), so a model's weights are not held twice through the conversion.
  void done_with(const IrNode& n) {
    for (int i : n.inputs) {
      auto& t = ir.values[i].tensor;
      if (--uses[i] == 0 && t && t->nbytes() >= (size_t{1} << 20)) t.reset();
    }
  }

  std::string unique(std::string hint) {
    for (char& c : hint)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
    if (hint.empty()) hint = "v";
    std::string name = hint;
    for (int k = 1; names.count(name); ++k) name = hint + "_" + std::to_string(k);
    names.insert(name);
    return name;
  }

  // Shapes of the values built so far, from ONNX shape inference over a light copy of the graph
  // (large initializers keep their dims but not their bytes). Re-run only when a value newer than
  // the last run is asked for.
  std::optional<Shape> shape_of(const std::string& value) {
    auto it = shapes.find(value);
    if (it == shapes.end() && inferred_nodes != graph.node_size()) {
      onnx::ModelProto m;
      m.set_ir_version(8);
      auto* o = m.add_opset_import();
      o->set_domain("");
      o->set_version(opset);
      auto* g = m.mutable_graph();
      *g->mutable_input() = graph.input();
      *g->mutable_node() = graph.node();
      *g->mutable_value_info() = graph.value_info();
      for (const auto& t : graph.initializer()) {
        auto* c = g->add_initializer();
        c->set_name(t.name());
        c->set_data_type(t.data_type());
        *c->mutable_dims() = t.dims();
        if (t.raw_data().size() <= 4096) c->set_raw_data(t.raw_data());  // large ones: dims are enough
      }
      try {
        onnx::ShapeInferenceOptions opts{false, 0, true};
        onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), opts);
      } catch (const std::exception&) {
      }
      auto record = [&](const onnx::ValueInfoProto& v) {
        if (!v.type().tensor_type().has_shape()) return;
        Shape sh;
        std::vector<std::string> names;
        for (const auto& d : v.type().tensor_type().shape().dim()) {
          sh.push_back(d.has_dim_value() ? d.dim_value() : -1);
          names.push_back(d.has_dim_param() ? d.dim_param() : "");
        }
        shapes[v.name()] = sh;
        dim_names[v.name()] = names;
      };
      for (const auto& v : m.graph().value_info()) record(v);
      for (const auto& v : graph.input()) record(v);
      for (const auto& t : graph.initializer()) shapes[t.name()] = Shape(t.dims().begin(), t.dims().end());
      inferred_nodes = graph.node_size();
      it = shapes.find(value);
    }
    if (it == shapes.end()) return std::nullopt;
    return it->second;
  }

  IrGraph& ir;  // constants are released once their last reader is converted
  int opset;
  onnx::GraphProto& graph;
  std::vector<Repr> repr;
  std::vector<const IrNode*> producer;  // value -> the node that makes it; null for inputs and constants
  std::vector<int> uses;      // readers of each value not converted yet
  std::set<std::string> names;
  std::map<std::string, Shape> shapes;
  std::map<std::string, std::vector<std::string>> dim_names;  // symbolic dims ("batch"), "" elsewhere
  std::set<std::string> declared;  // values given a rank-only value_info by set_rank
  int inferred_nodes = -1;
};

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
  return o;
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
  onnx::NodeProto* n = state_.graph.add_node();
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
  auto* v = state_.graph.add_value_info();
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

void ConvertContext::bind_tensor_list(size_t k, const std::vector<std::string>& values,
                                      const std::vector<int32_t>& types) {
  state_.repr[node_.outputs.at(k)].list = values;
  state_.repr[node_.outputs.at(k)].list_types = types;
}

void ConvertContext::bind_constant(size_t k, Tensor t) {
  auto& r = state_.repr[node_.outputs.at(k)];
  r.elem = dtype_to_onnx(t.dtype());
  r.rank = t.rank();
  r.onnx.clear();
  r.constant = std::move(t);
}

void ConvertContext::fill_view(size_t i, double value) {
  // Walk back through slice/select views to the base, recording each step.
  struct Step {
    bool select;
    int64_t dim, start, end, step;
  };
  std::vector<Step> steps;
  int v = node_.inputs.at(i);
  while (!state_.repr[v].constant) {
    const IrNode* n = state_.producer[v];
    if (!n || (n->kind != "aten::slice" && n->kind != "aten::select"))
      throw Unconvertible("in-place writes are exported only into slices of a tensor made from constants "
                          "(new_zeros, zeros, full with static sizes)");
    ConvertContext view(state_, *n);
    if (n->kind == "aten::select") {
      steps.push_back({true, view.int_const(1), view.int_const(2), 0, 1});
    } else {
      const int64_t start = view.is_none(2) ? 0 : view.int_const(2);
      const int64_t end = view.is_none(3) ? INT64_MAX : view.int_const(3);
      steps.push_back({false, view.int_const(1), start, end, view.num_inputs() > 4 ? view.int_const(4) : 1});
    }
    v = n->inputs[0];
  }
  Tensor base = state_.repr[v].constant->clone();
  // The view's dims as (base dim, first index, stride) plus the fixed indices of selected dims.
  struct Dim {
    int64_t base_dim, first, stride, count;
  };
  std::vector<Dim> dims;
  std::vector<int64_t> fixed(static_cast<size_t>(base.rank()), 0);
  for (int64_t d = 0; d < base.rank(); ++d) dims.push_back({d, 0, 1, base.dim(d)});
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    int64_t d = it->dim < 0 ? it->dim + static_cast<int64_t>(dims.size()) : it->dim;
    if (d < 0 || d >= static_cast<int64_t>(dims.size())) throw Unconvertible("a view dim out of range");
    Dim& x = dims[d];
    if (it->select) {
      const int64_t at = it->start < 0 ? it->start + x.count : it->start;
      fixed[x.base_dim] = x.first + at * x.stride;
      dims.erase(dims.begin() + d);
      continue;
    }
    int64_t s = it->start < 0 ? std::max<int64_t>(it->start + x.count, 0) : std::min(it->start, x.count);
    int64_t e = it->end < 0 ? std::max<int64_t>(it->end + x.count, 0) : std::min(it->end, x.count);
    x.first += s * x.stride;
    x.count = e > s ? (e - s + it->step - 1) / it->step : 0;
    x.stride *= it->step;
  }
  std::vector<int64_t> strides(static_cast<size_t>(base.rank()), 1);
  for (int64_t d = base.rank() - 2; d >= 0; --d) strides[d] = strides[d + 1] * base.dim(d + 1);
  std::vector<int64_t> idx(dims.size(), 0);
  bool empty = false;
  for (const auto& x : dims) empty = empty || x.count == 0;
  while (!empty) {
    std::vector<int64_t> at = fixed;
    for (size_t k = 0; k < dims.size(); ++k) at[dims[k].base_dim] = dims[k].first + idx[k] * dims[k].stride;
    int64_t flat = 0;
    for (size_t d = 0; d < at.size(); ++d) flat += at[d] * strides[d];
    set_element(base, flat, value);
    size_t k = dims.size();
    while (k > 0 && ++idx[k - 1] == dims[k - 1].count) idx[--k] = 0;
    if (k == 0) break;
  }
  auto& r = state_.repr[v];
  r.constant = std::move(base);
  r.onnx.clear();  // later reads make a new initializer
}

void ConvertContext::convert_block(size_t b) { state_.convert_nodes(node_.blocks.at(b).nodes); }

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

void set_float(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

}  // namespace piu::exporter

namespace piu {

namespace {

// The IR version ONNX Runtime expects with each opset (the ONNX release that introduced it).
int64_t ir_version_for(int opset) {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 17) return 8;
  if (opset <= 20) return 9;
  return 10;
}

// TorchScript records no input types: an input read as indices (embedding, index_select) is
// int64, the others float.
int32_t input_elem_type(const exporter::IrGraph& ir, int value) {
  for (const auto& n : ir.nodes) {
    if ((n.kind == "aten::embedding" && n.inputs.size() > 1 && n.inputs[1] == value) ||
        (n.kind == "aten::index_select" && n.inputs.size() > 2 && n.inputs[2] == value) ||
        (n.kind == "aten::one_hot" && !n.inputs.empty() && n.inputs[0] == value))
      return onnx::TensorProto::INT64;
  }
  return onnx::TensorProto::FLOAT;
}

std::string label(const exporter::IrNode& n) { return n.kind + (n.source.empty() ? "" : " at " + n.source); }

// One entry per kind and reason: "aten::transpose (16 uses, first at model.py:53): no converter".
std::string unsupported_message(const std::string& path, const std::vector<UnsupportedOp>& ops) {
  std::vector<std::pair<std::string, std::vector<const UnsupportedOp*>>> groups;
  for (const auto& op : ops) {
    const std::string key = op.kind + "\n" + op.reason;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
    if (it == groups.end()) groups.push_back({key, {&op}});
    else it->second.push_back(&op);
  }
  std::string s = path + ": " + std::to_string(groups.size()) + " op(s) cannot be exported yet: ";
  for (size_t i = 0; i < groups.size(); ++i) {
    const auto& uses = groups[i].second;
    const UnsupportedOp& first = *uses.front();
    std::string where = uses.size() > 1 ? std::to_string(uses.size()) + " uses" : "";
    if (!first.source.empty()) where += (where.empty() ? "at " : ", first at ") + first.source;
    s += (i ? "; " : "") + first.kind + (where.empty() ? "" : " (" + where + ")") + ": " + first.reason;
  }
  return s;
}

}  // namespace

std::vector<std::string> supported_torch_ops() { return exporter::converter_kinds(); }

bool is_torchscript_path(const std::string& path) {
  for (const char* ext : {".pt", ".pth", ".ts", ".torchscript", ".jit"})
    if (path.size() >= std::strlen(ext) && path.compare(path.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

OnnxModel export_torchscript(const std::string& path, const ExportOptions& options, ExportReport* report_out) {
  using namespace exporter;
  if (options.opset < 11 || options.opset > 21)
    throw Error(ErrorCode::kBadInput, "--opset " + std::to_string(options.opset) + ": piu exports opsets 11 to 21");
  ExportReport report;
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  auto t = clock::now();
  const TorchScriptReader& reader = torchscript_reader();
  report.load_s = since(t);
  t = clock::now();
  IrGraph ir = reader(path);
  report.read_s = since(t);
  t = clock::now();
  report.torch_nodes = static_cast<int64_t>(ir.nodes.size());

  // Inputs: names and shapes.
  const size_t n_in = ir.inputs.size();
  std::vector<std::string> arg_names;
  for (int i : ir.inputs) arg_names.push_back(ir.values[i].name);
  report.torch_inputs = arg_names;
  auto arg_list = [&] {
    std::string s;
    for (const auto& a : arg_names) s += (s.empty() ? "" : ", ") + a;
    return s;
  };
  std::vector<std::string> in_names = options.input_names;
  if (in_names.empty())
    for (size_t i = 0; i < n_in; ++i) in_names.push_back(n_in == 1 ? "input" : "input_" + std::to_string(i));
  if (in_names.size() != n_in)
    throw Error(ErrorCode::kBadInput, path + ": forward() takes " + std::to_string(n_in) + " input(s) (" + arg_list() +
                                          "), " + std::to_string(in_names.size()) + " input name(s) given");
  std::vector<const ShapeSpec*> shapes(n_in, nullptr);
  size_t positional = 0;
  for (const auto& s : options.input_shapes) {
    if (s.name.empty()) {
      if (positional >= n_in)
        throw Error(ErrorCode::kBadInput, path + ": forward() takes " + std::to_string(n_in) + " input(s) (" +
                                              arg_list() + "), more shapes were given");
      shapes[positional++] = &s;
      continue;
    }
    size_t k = n_in;
    for (size_t i = 0; i < n_in; ++i)
      if (in_names[i] == s.name || arg_names[i] == s.name) k = i;
    if (k == n_in)
      throw Error(ErrorCode::kBadInput, path + ": no input named '" + s.name + "' (inputs: " + arg_list() + ")");
    shapes[k] = &s;
  }
  for (size_t i = 0; i < n_in; ++i)
    if (!shapes[i])
      throw Error(ErrorCode::kBadInput, path + ": give the shape of input '" + arg_names[i] +
                                            "' (e.g. --shape " + in_names[i] + ":-1x3x224x224, -1 = dynamic)");

  // Which ops have no converter: all of them, with locations, before anything is converted.
  std::set<std::string> seen;
  // (Ops inside branches and loop bodies are looked up when a branch is taken or a body unrolled:
  // an untaken branch may hold what cannot be exported, like the `raise` of a shape check.)
  for (const auto& n : ir.nodes)
    if (!find_converter(n.kind) && seen.insert(n.kind + "@" + n.source).second)
      report.unsupported.push_back({n.kind, n.source, "no converter"});
  if (!report.unsupported.empty()) {
    if (report_out) *report_out = report;
    throw Error(ErrorCode::kUnsupported, unsupported_message(path, report.unsupported));
  }

  onnx::ModelProto proto;
  proto.set_ir_version(ir_version_for(options.opset));
  proto.set_producer_name("piu");
  proto.set_producer_version("0.1.0");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  auto& graph = *proto.mutable_graph();
  graph.set_name("torch_jit");
  ExportState state(ir, options.opset, graph);
  for (const auto& n : in_names) state.names.insert(n);
  std::vector<std::string> out_names = options.output_names;
  if (out_names.empty()) {
    std::set<std::string> keys;  // a returned dict's keys name its outputs when they are usable names
    bool named = true;
    for (size_t i = 0; i < ir.outputs.size(); ++i) {
      const std::string key = i < ir.output_names.size() ? ir.output_names[i] : "";
      named = named && !key.empty() && keys.insert(key).second && std::find(in_names.begin(), in_names.end(), key) == in_names.end();
    }
    for (size_t i = 0; i < ir.outputs.size(); ++i)
      out_names.push_back(named ? ir.output_names[i] : ir.outputs.size() == 1 ? "output" : "output_" + std::to_string(i));
  }
  if (out_names.size() != ir.outputs.size())
    throw Error(ErrorCode::kBadInput, path + ": forward() returns " + std::to_string(ir.outputs.size()) +
                                          " output(s), " + std::to_string(out_names.size()) + " output name(s) given");
  for (const auto& n : out_names) state.names.insert(n);

  for (size_t i = 0; i < n_in; ++i) {
    auto* v = graph.add_input();
    v->set_name(in_names[i]);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    const int32_t type = input_elem_type(ir, ir.inputs[i]);
    tt->set_elem_type(type);
    const Shape& shape = shapes[i]->shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (shape[d] >= 0)
        dim->set_dim_value(shape[d]);
      else
        dim->set_dim_param(d == 0 ? "batch" : in_names[i] + "_dim" + std::to_string(d));
    }
    state.repr[ir.inputs[i]].onnx = in_names[i];
    state.repr[ir.inputs[i]].elem = type;
    state.repr[ir.inputs[i]].rank = static_cast<int64_t>(shape.size());
  }

  // A node that cannot be converted leaves its outputs unset; nodes reading them are skipped
  // rather than reported, so the list names causes, not their consequences.
  // Inside a branch or loop body, a failure is reported for the inner node and the whole If/Loop
  // is skipped (BlockFailed), so the list still names the cause once.
  std::vector<bool> poisoned(ir.values.size(), false);
  struct BlockFailed {};
  int depth = 0;
  state.convert_nodes = [&](const std::vector<IrNode>& nodes) {
    for (const auto& n : nodes) {
      if (std::any_of(n.inputs.begin(), n.inputs.end(), [&](int v) { return poisoned[v]; })) {
        for (int o : n.outputs) poisoned[o] = true;
        if (depth > 0) throw BlockFailed{};
        continue;
      }
      for (int o : n.outputs) state.repr[o] = {};  // a loop body is converted once per iteration
      ConvertContext ctx(state, n);
      try {
        const ConvertFn fn = find_converter(n.kind);
        if (!fn) throw Unconvertible("no converter");
        ++depth;
        try {
          fn(ctx);
        } catch (...) {
          --depth;
          throw;
        }
        --depth;
      } catch (const Unconvertible& e) {
        report.unsupported.push_back({n.kind, n.source, e.what()});
        for (int o : n.outputs) poisoned[o] = true;
        if (depth > 0) throw BlockFailed{};
      } catch (const BlockFailed&) {
        for (int o : n.outputs) poisoned[o] = true;
        if (depth > 0) throw;
      } catch (const Error& e) {
        throw e.with_context(path + ": " + label(n));
      }
      if (depth == 0) state.done_with(n);
    }
  };
  state.convert_nodes(ir.nodes);
  if (!report.unsupported.empty()) {
    if (report_out) *report_out = report;
    if (const char* dump = std::getenv("PIU_EXPORT_DUMP")) {  // for converter authors: the graph so far
      std::ofstream f(dump, std::ios::binary);
      proto.SerializeToOstream(&f);
    }
    throw Error(ErrorCode::kUnsupported, unsupported_message(path, report.unsupported));
  }

  // set_rank's rank-only declarations stay: shape inference fills them in where it can.

  // Outputs: the value each returns, renamed to the requested name.
  for (size_t k = 0; k < ir.outputs.size(); ++k) {
    const auto& r = state.repr[ir.outputs[k]];
    if (r.onnx.empty())
      throw Error(ErrorCode::kUnsupported, path + ": output " + std::to_string(k) + " ('" + ir.values[ir.outputs[k]].name +
                                               "') is not a tensor piu can export");
    auto* id = graph.add_node();
    id->set_op_type("Identity");
    id->set_name(state.unique("Identity_" + out_names[k]));
    id->add_input(r.onnx);
    id->add_output(out_names[k]);
    auto* v = graph.add_output();
    v->set_name(out_names[k]);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(r.elem ? r.elem : onnx::TensorProto::FLOAT);
  }

  OnnxModel model(std::move(proto));
  report.convert_s = since(t);
  t = clock::now();
  // Identity outputs and shape computations of static dims go; dynamic dims stay dynamic.
  OptimizeOptions cleanup;
  cleanup.passes = {"eliminate_identity", "eliminate_deadend", "eliminate_unused_initializer"};
  optimize(model, cleanup);
  if (options.constant_folding) {
    SimplifyOptions fold;  // folding only: the optimizer's passes are the user's next step
    fold.skip_optimize = true;
    simplify(model, fold);
    // linear on a 2-D input is Gemm, as torch.onnx emits it (shapes are known now).
    OptimizeOptions gemm;
    gemm.passes = {"fuse_matmul_add_bias_into_gemm", "eliminate_deadend", "eliminate_unused_initializer"};
    optimize(model, gemm);
  } else {
    infer_shapes(model);
  }
  if (options.keep_initializers_as_inputs) {
    auto& g = *model.proto().mutable_graph();
    for (const auto& t : g.initializer()) {
      auto* v = g.add_input();
      v->set_name(t.name());
      auto* tt = v->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(t.data_type());
      for (int64_t d : t.dims()) tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }
  for (const auto& n : model.proto().graph().node()) (void)n, ++report.onnx_nodes;
  report.finish_s = since(t);
  if (const char* dump = std::getenv("PIU_EXPORT_DUMP")) {
    std::ofstream f(dump, std::ios::binary);
    model.proto().SerializeToOstream(&f);
  }
  if (report_out) *report_out = report;
  return model;
}

}  // namespace piu

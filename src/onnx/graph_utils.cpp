#include "onnx/graph_utils.hpp"

#include "core/checked.hpp"

namespace piu::graph_utils {

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

bool is_onnx_domain(const onnx::NodeProto& node) { return is_default_domain(node.domain()); }

int64_t default_opset(const onnx::ModelProto& model) {
  for (const auto& o : model.opset_import())
    if (is_default_domain(o.domain())) return o.version();
  return 0;
}

bool has_subgraph(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute())
    if (a.has_g() || a.graphs_size() > 0) return true;
  return false;
}

std::unordered_set<std::string> ambiguous_dim_params(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> ambiguous;
  auto scan = [&](const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
    std::unordered_set<std::string> seen;
    for (const auto& d : v.type().tensor_type().shape().dim())
      if (d.has_dim_param() && !seen.insert(d.dim_param()).second) ambiguous.insert(d.dim_param());
  };
  for (const auto& v : graph.input()) scan(v);
  for (const auto& v : graph.output()) scan(v);
  for (const auto& v : graph.value_info()) scan(v);
  return ambiguous;
}

bool is_nondeterministic(const std::string& op_type) {
  static const std::unordered_set<std::string> kOps = {
      "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"};
  return kOps.count(op_type) > 0;
}

int64_t count_nodes(const onnx::GraphProto& graph) {
  int64_t n = graph.node_size();
  for (const auto& node : graph.node())
    for_each_subgraph(node, [&](const onnx::GraphProto& sub) { n += count_nodes(sub); });
  return n;
}

std::unordered_set<std::string> defined_names(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> names;
  for (const auto& v : graph.input()) names.insert(v.name());
  for (const auto& t : graph.initializer()) names.insert(t.name());
  for (const auto& s : graph.sparse_initializer()) names.insert(s.values().name());
  for (const auto& n : graph.node())
    for (const auto& o : n.output())
      if (!o.empty()) names.insert(o);
  return names;
}

void collect_subgraph_names(const onnx::NodeProto& node, std::unordered_set<std::string>& names) {
  for_each_subgraph(node, [&](const onnx::GraphProto& sub) {
    names.merge(defined_names(sub));
    for (const auto& n : sub.node()) collect_subgraph_names(n, names);
  });
}

namespace {

// Reads of `g` that neither `g` nor the scopes around it (`outer_defined`) define, appended to
// `out` unless already `seen`.
void collect_outer(const onnx::GraphProto& g, const std::unordered_set<std::string>& outer_defined,
                   std::vector<std::string>& out, std::unordered_set<std::string>& seen) {
  std::unordered_set<std::string> defined = outer_defined;
  defined.merge(defined_names(g));
  auto note = [&](const std::string& name) {
    if (name.empty() || defined.count(name) || seen.count(name)) return;
    seen.insert(name);
    out.push_back(name);
  };
  for (const auto& n : g.node()) {
    for (const auto& i : n.input()) note(i);
    std::vector<std::string> inner;
    std::unordered_set<std::string> inner_seen;
    for_each_subgraph(n, [&](const onnx::GraphProto& sub) { collect_outer(sub, defined, inner, inner_seen); });
    for (const auto& name : inner) note(name);
  }
  for (const auto& o : g.output()) note(o.name());
}

}  // namespace

std::vector<std::string> outer_references(const onnx::GraphProto& graph) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  collect_outer(graph, {}, out, seen);
  return out;
}

void rename_outer_references(onnx::GraphProto& graph, const std::unordered_map<std::string, std::string>& renames) {
  const std::unordered_set<std::string> own = defined_names(graph);
  std::unordered_map<std::string, std::string> outer;  // the renames this scope does not shadow
  for (const auto& [from, to] : renames)
    if (!own.count(from)) outer.emplace(from, to);
  if (outer.empty()) return;
  for (auto& n : *graph.mutable_node()) {
    for (auto& i : *n.mutable_input())
      if (auto it = outer.find(i); it != outer.end()) i = it->second;
    for_each_subgraph(n, [&](onnx::GraphProto& sub) { rename_outer_references(sub, outer); });
  }
  for (auto& o : *graph.mutable_output())
    if (auto it = outer.find(o.name()); it != outer.end()) o.set_name(it->second);
}

void rename_outer_reference(onnx::GraphProto& graph, const std::string& from, const std::string& to) {
  rename_outer_references(graph, {{from, to}});
}

std::string node_label(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return node.output_size() ? node.output(0) : std::string("?");
}

std::string node_description(const onnx::NodeProto& node) {
  return "node '" + node_label(node) + "' (" + node.op_type() + ")";
}

namespace {
std::string tensor_label(const onnx::TensorProto& tensor) { return "tensor '" + tensor.name() + "'"; }
}  // namespace

int64_t tensor_element_count(const onnx::TensorProto& tensor) {
  try {
    return shape_numel(Shape(tensor.dims().begin(), tensor.dims().end()));
  } catch (const Error& e) {
    throw e.with_context(tensor_label(tensor));
  }
}

int64_t tensor_byte_size(const onnx::TensorProto& tensor) {
  const auto dtype = dtype_from_onnx(tensor.data_type());
  const Shape shape(tensor.dims().begin(), tensor.dims().end());
  return dtype ? static_cast<int64_t>(checked_nbytes(*dtype, shape, tensor_label(tensor))) : 0;
}

}  // namespace piu::graph_utils

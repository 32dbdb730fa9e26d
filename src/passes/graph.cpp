#include "passes/graph.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <set>

namespace piu::passes {

Graph::Graph(GraphProto& proto, int64_t opset, const Graph* parent) : proto_(proto), opset_(opset), parent_(parent) {
  for (const auto& v : proto_.input()) graph_inputs_.insert(v.name());
  for (const auto& v : proto_.output()) graph_outputs_.insert(v.name());
  for (auto& t : *proto_.mutable_initializer()) initializers_[t.name()] = &t;
  for (const auto& v : proto_.value_info()) value_infos_[v.name()] = &v;
  for (const auto& v : proto_.output()) value_infos_[v.name()] = &v;
  for (const auto& v : proto_.input()) value_infos_[v.name()] = &v;
  ambiguous_dim_params_ = graph_utils::ambiguous_dim_params(proto_);
  used_names_.insert(graph_inputs_.begin(), graph_inputs_.end());
  // Names in value_info (possibly stale) and names defined inside subgraphs are taken too, so a
  // fresh name never inherits an old shape or shadows a subgraph's own value.
  for (const auto& v : proto_.value_info()) used_names_.insert(v.name());
  for (const auto& n : proto_.node()) graph_utils::collect_subgraph_names(n, used_names_);
  for (const auto& [name, t] : initializers_) used_names_.insert(name);
  for (const auto& s : proto_.sparse_initializer()) used_names_.insert(s.values().name());

  // Take the nodes out of the proto.
  std::vector<std::unique_ptr<NodeProto>> taken;
  taken.reserve(proto_.node_size());
  while (proto_.node_size() > 0) taken.emplace_back(proto_.mutable_node()->ReleaseLast());
  std::reverse(taken.begin(), taken.end());

  // Producers first (duplicate definitions are errors), then a stable topological sort.
  std::unordered_map<std::string, size_t> producer_index;
  const std::string graph_name = proto_.name().empty() ? "graph" : "graph '" + proto_.name() + "'";
  // If construction fails, put the nodes back so the proto is left as it was.
  auto restore = [&] {
    for (auto& n : taken) proto_.mutable_node()->AddAllocated(n.release());
  };
  for (size_t i = 0; i < taken.size(); ++i) {
    for (const auto& o : taken[i]->output()) {
      if (o.empty()) continue;
      if (producer_index.count(o) || graph_inputs_.count(o) || initializers_.count(o)) {
        const std::string label = graph_utils::node_description(*taken[i]);
        restore();
        throw Error(ErrorCode::kBadInput, graph_name + ": " + label + " produces '" + o +
                                              "', which is already defined (duplicate output name)");
      }
      producer_index[o] = i;
    }
  }
  std::vector<std::vector<size_t>> dependents(taken.size());
  std::vector<size_t> pending(taken.size(), 0);
  for (size_t i = 0; i < taken.size(); ++i) {
    std::unordered_set<size_t> deps;
    for (const std::string& r : reads_of(*taken[i])) {
      if (r.empty()) continue;
      auto it = producer_index.find(r);
      if (it != producer_index.end()) {
        if (it->second != i)
          deps.insert(it->second);
        else {
          const std::string label = graph_utils::node_description(*taken[i]);
          restore();
          throw Error(ErrorCode::kBadInput, graph_name + ": " + label + " reads its own output '" + r + "' (a cycle)");
        }
      } else if (!defined_here_or_outside(r)) {
        const std::string label = graph_utils::node_description(*taken[i]);
        restore();
        throw Error(ErrorCode::kBadInput, graph_name + ": " + label + " consumes undefined value '" + r + "'");
      }
    }
    pending[i] = deps.size();
    for (size_t d : deps) dependents[d].push_back(i);
  }
  // Kahn's algorithm, always taking the smallest ready index to keep the file order.
  std::vector<size_t> order;
  std::vector<size_t> ready;
  for (size_t i = 0; i < taken.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  std::make_heap(ready.begin(), ready.end(), std::greater<>());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<>());
    const size_t i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (size_t d : dependents[i])
      if (--pending[d] == 0) {
        ready.push_back(d);
        std::push_heap(ready.begin(), ready.end(), std::greater<>());
      }
  }
  if (order.size() != taken.size()) {
    std::string label;
    for (size_t i = 0; i < taken.size(); ++i)
      if (pending[i] > 0) {
        label = graph_utils::node_description(*taken[i]);
        break;
      }
    restore();
    throw Error(ErrorCode::kBadInput, graph_name + " has a cycle through " + label);
  }
  for (size_t i : order) {
    NodeProto* n = taken[i].get();
    nodes_.push_back(std::move(taken[i]));
    position_[n] = std::prev(nodes_.end());
    index_node(n);
  }
}

Graph::~Graph() {
  for (auto& n : nodes_) proto_.mutable_node()->AddAllocated(n.release());
}

bool Graph::defined_here_or_outside(const std::string& value) const {
  for (const Graph* g = this; g; g = g->parent_)
    if (g->graph_inputs_.count(value) || g->initializers_.count(value) || g->producer_.count(value)) return true;
  for (const auto& s : proto_.sparse_initializer())
    if (s.values().name() == value) return true;
  return false;
}

std::vector<std::string> Graph::reads_of(const NodeProto& node) const {
  std::vector<std::string> reads(node.input().begin(), node.input().end());
  for_each_subgraph(node, [&](const GraphProto& sub) {
    for (auto& r : outer_references(sub)) reads.push_back(r);
  });
  return reads;
}

void Graph::index_node(NodeProto* node) {
  for (const auto& o : node->output()) {
    if (o.empty()) continue;
    producer_[o] = node;
    used_names_.insert(o);
  }
  std::vector<std::string>& reads = indexed_reads_[node];
  reads = reads_of(*node);
  for (const std::string& r : reads)
    if (!r.empty()) readers_[r].push_back(node);
}

void Graph::unindex_node(NodeProto* node) {
  for (const auto& o : node->output()) {
    auto it = producer_.find(o);
    if (it != producer_.end() && it->second == node) producer_.erase(it);
  }
  auto reads = indexed_reads_.find(node);
  if (reads == indexed_reads_.end()) return;
  for (const std::string& r : reads->second) {
    auto it = readers_.find(r);
    if (it == readers_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), node), v.end());
  }
  indexed_reads_.erase(reads);
}

void Graph::reindex(NodeProto* node) {
  unindex_node(node);
  index_node(node);
}

std::vector<NodeProto*> Graph::nodes() const {
  std::vector<NodeProto*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

NodeProto* Graph::producer(const std::string& value) const {
  auto it = producer_.find(value);
  return it == producer_.end() ? nullptr : it->second;
}

std::vector<NodeProto*> Graph::consumers(const std::string& value) const {
  std::vector<NodeProto*> out;
  auto it = readers_.find(value);
  if (it == readers_.end()) return out;
  for (NodeProto* n : it->second)
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

size_t Graph::use_count(const std::string& value) const {
  return consumers(value).size() + (graph_outputs_.count(value) ? 1 : 0);
}

bool Graph::is_graph_input(const std::string& value) const { return graph_inputs_.count(value) > 0; }
bool Graph::is_graph_output(const std::string& value) const { return graph_outputs_.count(value) > 0; }
bool Graph::is_initializer(const std::string& value) const { return initializers_.count(value) > 0; }

const TensorProto* Graph::constant(const std::string& value) const {
  for (const Graph* g = this; g; g = g->parent_) {
    auto it = g->initializers_.find(value);
    if (it != g->initializers_.end()) return it->second;
    if (g->graph_inputs_.count(value)) return nullptr;  // a real input shadows outer initializers
    if (NodeProto* p = g->producer(value)) {
      if (p->op_type() == "Constant" && is_onnx_domain(*p))
        if (const AttributeProto* a = find_attribute(*p, "value"); a && a->has_t()) return &a->t();
      return nullptr;
    }
  }
  return nullptr;
}

std::optional<Tensor> Graph::constant_tensor(const std::string& value) const {
  const TensorProto* t = constant(value);
  if (!t || t->data_location() == TensorProto::EXTERNAL || !dtype_from_onnx(t->data_type())) return std::nullopt;
  try {
    return tensor_from_proto(*t);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<int32_t> Graph::elem_type(const std::string& value) const {
  if (const TensorProto* t = constant(value)) return t->data_type();
  for (const Graph* g = this; g; g = g->parent_) {
    auto it = g->value_infos_.find(value);
    if (it != g->value_infos_.end() && it->second->type().has_tensor_type() &&
        it->second->type().tensor_type().elem_type() != TensorProto::UNDEFINED)
      return it->second->type().tensor_type().elem_type();
    if (g->producer_.count(value) || g->graph_inputs_.count(value)) break;
  }
  return std::nullopt;
}

std::optional<Shape> Graph::shape(const std::string& value) const {
  if (const TensorProto* t = constant(value)) return Shape(t->dims().begin(), t->dims().end());
  for (const Graph* g = this; g; g = g->parent_) {
    auto it = g->value_infos_.find(value);
    if (it != g->value_infos_.end() && it->second->type().has_tensor_type() &&
        it->second->type().tensor_type().has_shape()) {
      Shape shape;
      for (const auto& d : it->second->type().tensor_type().shape().dim())
        shape.push_back(d.has_dim_value() ? d.dim_value() : kDynamicDim);
      return shape;
    }
    if (g->producer_.count(value) || g->graph_inputs_.count(value)) break;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> Graph::dim_params(const std::string& value) const {
  if (const TensorProto* t = constant(value)) return std::vector<std::string>(t->dims_size());
  for (const Graph* g = this; g; g = g->parent_) {
    auto it = g->value_infos_.find(value);
    if (it != g->value_infos_.end() && it->second->type().has_tensor_type() &&
        it->second->type().tensor_type().has_shape()) {
      std::vector<std::string> names;
      for (const auto& d : it->second->type().tensor_type().shape().dim())
        names.push_back(d.has_dim_param() && !g->ambiguous_dim_params_.count(d.dim_param()) ? d.dim_param()
                                                                                            : std::string());
      return names;
    }
    if (g->producer_.count(value) || g->graph_inputs_.count(value)) break;
  }
  return std::nullopt;
}

bool Graph::replace_uses(const std::string& from, const std::string& to) {
  if (from == to) return true;
  if (graph_outputs_.count(from)) return false;
  for (NodeProto* n : consumers(from)) {
    unindex_node(n);
    for (auto& i : *n->mutable_input())
      if (i == from) i = to;
    for_each_subgraph(*n, [&](GraphProto& sub) { rename_outer_reference(sub, from, to); });
    index_node(n);
  }
  return true;
}

bool Graph::bypass(NodeProto* node, int in, int out) {
  const std::string input = node->input(in);
  const std::string output = node->output(out);
  for (int i = 0; i < node->output_size(); ++i)
    if (i != out && !node->output(i).empty() && use_count(node->output(i)) > 0) return false;
  if (!is_graph_output(output)) {
    replace_uses(output, input);
    remove_node(node);
    return true;
  }
  // The output is a graph output: rename the input's producer to it, if that changes nothing else.
  NodeProto* p = producer(input);
  if (!p || is_graph_output(input) || consumers(input).size() != 1) return false;
  remove_node(node);
  for (int i = 0; i < p->output_size(); ++i)
    if (p->output(i) == input) set_output(p, i, output);
  return true;
}

void Graph::remove_node(NodeProto* node) {
  auto it = position_.find(node);
  if (it == position_.end()) throw Error(ErrorCode::kInternal, "remove_node: node is not in the graph");
  unindex_node(node);
  nodes_.erase(it->second);
  position_.erase(it);
}

NodeProto* Graph::insert_node(NodeProto node, const NodeProto* anchor) {
  auto where = nodes_.end();
  if (anchor) {
    auto it = position_.find(anchor);
    if (it == position_.end()) throw Error(ErrorCode::kInternal, "insert_node: anchor is not in the graph");
    where = it->second;
  }
  auto stored = nodes_.insert(where, std::make_unique<NodeProto>(std::move(node)));
  NodeProto* n = stored->get();
  position_[n] = stored;
  index_node(n);
  return n;
}

void Graph::set_input(NodeProto* node, int index, const std::string& value) {
  unindex_node(node);
  node->set_input(index, value);
  index_node(node);
}

void Graph::add_input(NodeProto* node, const std::string& value) {
  unindex_node(node);
  node->add_input(value);
  index_node(node);
}

void Graph::truncate_inputs(NodeProto* node, int count) {
  unindex_node(node);
  while (node->input_size() > count) node->mutable_input()->RemoveLast();
  index_node(node);
}

void Graph::set_output(NodeProto* node, int index, const std::string& value) {
  unindex_node(node);
  node->set_output(index, value);
  index_node(node);
}

std::string Graph::unique_name(const std::string& hint) {
  auto taken = [&](const std::string& name) {
    for (const Graph* g = this; g; g = g->parent_)
      if (g->used_names_.count(name)) return true;
    return false;
  };
  std::string name = hint;
  while (name.empty() || taken(name)) name = hint + "_piu" + std::to_string(++name_counter_);
  used_names_.insert(name);
  return name;
}

std::string Graph::add_initializer(TensorProto tensor, const std::string& hint) {
  const std::string name = unique_name(hint);
  tensor.set_name(name);
  // Adding may reallocate the repeated field: re-point the index afterwards.
  proto_.mutable_initializer()->Add(std::move(tensor));
  initializers_.clear();
  for (auto& t : *proto_.mutable_initializer()) initializers_[t.name()] = &t;
  return name;
}

void Graph::remove_initializer(const std::string& name) {
  auto* list = proto_.mutable_initializer();
  for (int i = 0; i < list->size(); ++i)
    if (list->Get(i).name() == name) {
      list->DeleteSubrange(i, 1);
      break;
    }
  auto* inputs = proto_.mutable_input();
  for (int i = 0; i < inputs->size(); ++i)
    if (inputs->Get(i).name() == name) {
      inputs->DeleteSubrange(i, 1);
      graph_inputs_.erase(name);
      break;
    }
  initializers_.clear();
  for (auto& t : *proto_.mutable_initializer()) initializers_[t.name()] = &t;
}

int64_t Graph::remove_dead_nodes() {
  int64_t removed = 0;
  const std::vector<NodeProto*> nodes = this->nodes();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    NodeProto* node = *it;
    bool used = false;
    for (const auto& output : node->output()) used = used || (!output.empty() && use_count(output) > 0);
    if (used) continue;
    remove_node(node);
    ++removed;
  }
  return removed;
}

void Graph::remove_unused_initializers(const std::vector<std::string>& names) {
  for (const std::string& name : names)
    if (!name.empty() && is_initializer(name) && !is_graph_input(name) && use_count(name) == 0)
      remove_initializer(name);
}

// ---- attributes ----

const AttributeProto* find_attribute(const NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t attribute_int(const NodeProto& node, const std::string& name, int64_t fallback) {
  const AttributeProto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}

float attribute_float(const NodeProto& node, const std::string& name, float fallback) {
  const AttributeProto* a = find_attribute(node, name);
  return a ? a->f() : fallback;
}

std::string attribute_string(const NodeProto& node, const std::string& name, const std::string& fallback) {
  const AttributeProto* a = find_attribute(node, name);
  return a ? a->s() : fallback;
}

std::optional<std::vector<int64_t>> attribute_ints(const NodeProto& node, const std::string& name) {
  const AttributeProto* a = find_attribute(node, name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

namespace {
AttributeProto& attribute_slot(NodeProto& node, const std::string& name, AttributeProto::AttributeType type) {
  remove_attribute(node, name);
  AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return *a;
}
}  // namespace

void set_attribute(NodeProto& node, const std::string& name, int64_t value) {
  attribute_slot(node, name, AttributeProto::INT).set_i(value);
}

void set_attribute(NodeProto& node, const std::string& name, float value) {
  attribute_slot(node, name, AttributeProto::FLOAT).set_f(value);
}

void set_attribute(NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  AttributeProto& a = attribute_slot(node, name, AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
}

void remove_attribute(NodeProto& node, const std::string& name) {
  auto* attrs = node.mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i)
    if (attrs->Get(i).name() == name) {
      attrs->DeleteSubrange(i, 1);
      return;
    }
}

std::optional<std::vector<int64_t>> constant_ints(const Graph& graph, const std::string& value) {
  auto t = graph.constant_tensor(value);
  if (!t || (t->dtype() != DType::kInt64 && t->dtype() != DType::kInt32) || t->rank() > 1) return std::nullopt;
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t->numel(); ++i)
    out.push_back(t->dtype() == DType::kInt64 ? t->data_as<int64_t>()[i] : t->data_as<int32_t>()[i]);
  return out;
}

std::optional<std::vector<int64_t>> squeeze_axes(const Graph& graph, const NodeProto& node) {
  if (graph.opset() < 13) return attribute_ints(node, "axes");
  if (node.input_size() < 2 || node.input(1).empty()) return std::nullopt;
  return constant_ints(graph, node.input(1));
}

std::optional<std::vector<int64_t>> normalized_axes(const std::vector<int64_t>& axes, std::optional<int64_t> rank) {
  std::set<int64_t> out;
  for (int64_t a : axes) {
    if (a < 0) {
      if (!rank) return std::nullopt;
      a += *rank;
    }
    if (a < 0 || (rank && a >= *rank) || !out.insert(a).second) return std::nullopt;
  }
  return std::vector<int64_t>(out.begin(), out.end());
}

void store_float(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DType::kFloat32:
      t.data_as<float>()[i] = static_cast<float>(v);
      break;
    case DType::kFloat64:
      t.data_as<double>()[i] = v;
      break;
    case DType::kFloat16:
      static_cast<uint16_t*>(t.data())[i] = float_to_half(static_cast<float>(v));
      break;
    default:
      throw Error(ErrorCode::kInternal, "store_float: a " + std::string(dtype_name(t.dtype())) + " tensor");
  }
}

std::optional<AxesChain> consecutive_axes_nodes(const Graph& graph, const NodeProto& node, const std::string& op_type) {
  if (node.input_size() < 1 || node.output_size() != 1 || node.input(0).empty()) return std::nullopt;
  const NodeProto* first = graph.producer(node.input(0));
  if (!first || first->op_type() != op_type || !is_onnx_domain(*first) || first->output_size() != 1 ||
      first->input_size() < 1 || first->input(0).empty())
    return std::nullopt;
  const auto consumers = graph.consumers(node.input(0));
  if (graph.is_graph_output(node.input(0)) || consumers.size() != 1 || consumers[0] != &node) return std::nullopt;
  auto axes1 = squeeze_axes(graph, *first);
  auto axes2 = squeeze_axes(graph, node);
  if (!axes1 || !axes2 || axes1->empty() || axes2->empty()) return std::nullopt;  // Squeeze: empty = every size-1 dim
  // Each Squeeze takes its axes' count of dims away, each Unsqueeze adds as many.
  const int64_t removed = op_type == "Squeeze" ? 1 : -1;
  const auto n1 = static_cast<int64_t>(axes1->size()), n2 = static_cast<int64_t>(axes2->size());
  std::optional<int64_t> rank;
  if (auto s = graph.shape(first->input(0)))
    rank = static_cast<int64_t>(s->size());
  else if (auto s1 = graph.shape(node.input(0)))
    rank = static_cast<int64_t>(s1->size()) + removed * n1;
  else if (auto s2 = graph.shape(node.output(0)))
    rank = static_cast<int64_t>(s2->size()) + removed * (n1 + n2);
  return AxesChain{first, std::move(*axes1), std::move(*axes2), rank};
}

void merge_axes_chain(Graph& graph, NodeProto& node, const std::vector<int64_t>& axes) {
  NodeProto* first = graph.producer(node.input(0));
  const std::string old_axes_first = first->input_size() > 1 ? first->input(1) : std::string();
  const std::string old_axes_second = node.input_size() > 1 ? node.input(1) : std::string();
  graph.set_input(&node, 0, first->input(0));
  if (graph.opset() < 13) {
    set_attribute(node, "axes", axes);
  } else {
    const Tensor t = Tensor::from_vector<int64_t>(axes, {static_cast<int64_t>(axes.size())});
    graph.set_input(&node, 1, graph.add_initializer(tensor_to_proto(t, ""), node.output(0) + "_axes"));
  }
  graph.remove_node(first);
  // Axes initializers nobody reads any more (Constant nodes go with dead-node deletion).
  graph.remove_unused_initializers({old_axes_first, old_axes_second});
}

}  // namespace piu::passes

// Constant folding evaluated on ONNX Runtime (no op interpreter of our own): every node of the
// main graph whose inputs are all constant is computed once and replaced by an initializer; values
// that ONNX's data propagation knows completely (Shape of a value with static dims, a Gather or
// Slice of its static dims, ...) become initializers directly. Dynamic dims are never baked in:
// a value that depends on one is neither constant nor fully known.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/checked.hpp"
#include "onnx/graph_utils.hpp"
#include "piu/session.hpp"
#include "simplify/simplify_internal.hpp"

namespace piu::simplify_internal {

namespace {

using onnx::NodeProto;
using onnx::TensorProto;

using graph_utils::has_subgraph;
using graph_utils::is_onnx_domain;
using graph_utils::node_label;

std::string human(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

// Bytes of `value` when inference knows its element type and every dim; 0 otherwise.
uint64_t static_value_bytes(const std::string& value,
                            const std::unordered_map<std::string, const onnx::ValueInfoProto*>& infos) {
  auto it = infos.find(value);
  if (it == infos.end() || !it->second->type().has_tensor_type()) return 0;
  const auto& tt = it->second->type().tensor_type();
  const auto dtype = dtype_from_onnx(tt.elem_type());
  if (!dtype || !tt.has_shape()) return 0;
  Shape shape;
  for (const auto& d : tt.shape().dim()) {
    if (!d.has_dim_value() || d.dim_value() < 0) return 0;
    shape.push_back(d.dim_value());
  }
  try {
    return checked_nbytes(*dtype, shape);
  } catch (const Error&) {
    return std::numeric_limits<uint64_t>::max();  // past int64: too large to fold, never wrapped to small
  }
}

// The int64 tensor data propagation knows for `value`, if every element is known and the value's
// inferred type is an int64 tensor of rank 0 or 1.
std::optional<TensorProto> known_shape_value(
    const std::string& value, const ShapeData& data,
    const std::unordered_map<std::string, const onnx::ValueInfoProto*>& infos) {
  auto it = data.find(value);
  auto info = infos.find(value);
  if (it == data.end() || info == infos.end()) return std::nullopt;
  const auto& tt = info->second->type().tensor_type();
  if (tt.elem_type() != TensorProto::INT64 || !tt.has_shape() || tt.shape().dim_size() > 1) return std::nullopt;
  TensorProto t;
  t.set_name(value);
  t.set_data_type(TensorProto::INT64);
  for (const auto& d : it->second.dim()) {
    if (!d.has_dim_value()) return std::nullopt;
    t.add_int64_data(d.dim_value());
  }
  if (tt.shape().dim_size() == 1) {
    t.add_dims(t.int64_data_size());
    const auto& d0 = tt.shape().dim(0);
    if (d0.has_dim_value() && d0.dim_value() != t.int64_data_size()) return std::nullopt;
  } else if (t.int64_data_size() != 1) {
    return std::nullopt;
  }
  return t;
}

// Evaluates `nodes` (in order) with `constants` as initializers on ONNX Runtime; returns each
// requested value. Throws on failure.
using NamedConstants = std::vector<std::pair<std::string, const TensorProto*>>;

std::map<std::string, Tensor> evaluate(const onnx::ModelProto& model, const std::vector<const NodeProto*>& nodes,
                                       const NamedConstants& constants, const std::vector<std::string>& wanted) {
  onnx::ModelProto m;
  m.set_ir_version(model.ir_version());
  *m.mutable_opset_import() = model.opset_import();
  auto* g = m.mutable_graph();
  g->set_name("fold");
  for (const auto* n : nodes) *g->add_node() = *n;
  for (const auto& [name, t] : constants) {
    TensorProto* init = g->add_initializer();
    *init = *t;
    init->set_name(name);
  }
  for (const auto& w : wanted) g->add_output()->set_name(w);
  SessionOptions options;
  options.intra_op_num_threads = 1;
  options.graph_optimization = GraphOptimization::kDisabled;
  auto session = Session::open(OnnxModel(std::move(m)), options);
  auto outputs = session->run(std::vector<Tensor>{});
  std::map<std::string, Tensor> out;
  for (size_t i = 0; i < outputs.size(); ++i) out[session->outputs()[i].name] = outputs[i];
  return out;
}

// Replaces the -1 of a Reshape target by its value when the input's dims that the target does not
// copy (0 entries copy the input's dim at that position) are all static: then the -1 is their
// product over the target's other entries. [0, -1] of a [batch, 3, 4, 4] input becomes [0, 48],
// which unlike [0, -1] also works for an empty batch.
void resolve_minus_one(std::vector<int64_t>& dims, const onnx::TensorShapeProto* in_shape) {
  if (!in_shape) return;
  const auto m = std::find(dims.begin(), dims.end(), int64_t{-1});
  if (m == dims.end()) return;
  int64_t p = 1, q = 1;
  for (int j = 0; j < in_shape->dim_size(); ++j) {
    if (j < static_cast<int>(dims.size()) && dims[j] == 0) continue;  // copied: cancels out
    if (!in_shape->dim(j).has_dim_value()) return;
    p *= in_shape->dim(j).dim_value();
  }
  for (size_t i = 0; i < dims.size(); ++i) {
    if (static_cast<int64_t>(i) == m - dims.begin() || dims[i] == 0) continue;
    if (dims[i] < 0) return;
    if (i >= static_cast<size_t>(in_shape->dim_size()) && dims[i] == 0) return;
    q *= dims[i];
  }
  if (q > 0 && p % q == 0) *m = p / q;
}

// A Reshape whose target shape is computed at run time but whose entries are known except for
// dims copied from its input (typically the dynamic batch: [Shape(x)[0], 7, 7, 96]) gets a
// constant target: an entry that is the same symbol as the input's dim at that position becomes 0
// (Reshape copies that dim, allowzero=0), and one remaining unknown becomes -1 (Reshape infers it
// from the element count). 0 rather than -1 for the copied dims keeps the symbol for the next
// Reshape's inference. The shape computation can then go. Returns the number rewritten.
int64_t constant_reshape_targets(onnx::GraphProto& graph, const ShapeData& data,
                                 const std::unordered_map<std::string, const TensorProto*>& constants) {
  std::unordered_map<std::string, const onnx::ValueInfoProto*> value_shapes;
  for (const auto& v : graph.value_info()) value_shapes[v.name()] = &v;
  for (const auto& v : graph.input()) value_shapes[v.name()] = &v;
  // A name like "?" on several dims of one value does not say that two dims are equal.
  const auto ambiguous = graph_utils::ambiguous_dim_params(graph);
  std::set<std::string> names;
  for (const auto& t : graph.initializer()) names.insert(t.name());
  for (const auto& n : graph.node())
    for (const auto& o : n.output()) names.insert(o);
  int64_t rewritten = 0;
  for (auto& n : *graph.mutable_node()) {
    if (n.op_type() != "Reshape" || !is_onnx_domain(n) || n.input_size() < 2) continue;
    bool allowzero = false;
    for (const auto& a : n.attribute())
      if (a.name() == "allowzero" && a.i() != 0) allowzero = true;
    const std::string& target = n.input(1);
    auto it = data.find(target);
    if (allowzero || constants.count(target) || it == data.end()) continue;
    const onnx::TensorShapeProto* in_shape = nullptr;
    if (auto v = value_shapes.find(n.input(0));
        v != value_shapes.end() && v->second->type().has_tensor_type() && v->second->type().tensor_type().has_shape())
      in_shape = &v->second->type().tensor_type().shape();
    std::vector<int64_t> dims;
    int unknown = 0, copied = 0;
    bool has_minus_one = false;
    for (int i = 0; i < it->second.dim_size(); ++i) {
      const auto& d = it->second.dim(i);
      if (d.has_dim_value()) {
        dims.push_back(d.dim_value());
        has_minus_one = has_minus_one || d.dim_value() == -1;
      } else if (d.has_dim_param() && !ambiguous.count(d.dim_param()) && in_shape && i < in_shape->dim_size() &&
                 in_shape->dim(i).has_dim_param() && in_shape->dim(i).dim_param() == d.dim_param()) {
        dims.push_back(0);  // the input's own dim at this position
        ++copied;
      } else {
        dims.push_back(-1);
        ++unknown;
      }
    }
    if (unknown > 1 || (unknown == 1 && has_minus_one) || (unknown == 0 && copied == 0)) continue;
    resolve_minus_one(dims, in_shape);
    std::string name = target + "_static";
    for (int k = 1; names.count(name); ++k) name = target + "_static" + std::to_string(k);
    names.insert(name);
    TensorProto t;
    t.set_name(name);
    t.set_data_type(TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(dims.size()));
    for (int64_t d : dims) t.add_int64_data(d);
    *graph.add_initializer() = std::move(t);
    n.set_input(1, name);
    ++rewritten;
  }
  return rewritten;
}

}  // namespace

FoldOutcome fold_constants(OnnxModel& model, const ShapeData& shape_data, uint64_t max_fold_bytes) {
  FoldOutcome outcome;
  auto& graph = *model.proto().mutable_graph();
  std::unordered_set<std::string> graph_inputs, graph_outputs;
  for (const auto& v : graph.input()) graph_inputs.insert(v.name());
  for (const auto& v : graph.output()) graph_outputs.insert(v.name());
  std::unordered_map<std::string, const TensorProto*> constants;  // name -> value
  for (const auto& t : graph.initializer())
    if (!graph_inputs.count(t.name())) constants[t.name()] = &t;
  for (const auto& n : graph.node())  // Constant nodes are constants too
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) constants[n.output(0)] = &a.t();
  outcome.folded += constant_reshape_targets(graph, shape_data, constants);
  std::unordered_map<std::string, const onnx::ValueInfoProto*> infos;
  for (const auto& v : graph.value_info()) infos[v.name()] = &v;
  for (const auto& v : graph.output()) infos[v.name()] = &v;

  // 1. Which nodes fold, in graph order; and which of their outputs data propagation already knows.
  std::vector<const NodeProto*> foldable;
  std::unordered_set<std::string> folded_values;
  std::map<std::string, TensorProto> known;  // value -> tensor, from data propagation
  for (const auto& n : graph.node()) {
    const bool onnx_domain = is_onnx_domain(n);
    bool all_known = n.output_size() > 0;
    for (const auto& o : n.output()) {
      if (o.empty()) continue;
      auto k = known_shape_value(o, shape_data, infos);
      if (k)
        known[o] = *k;
      else
        all_known = false;
    }
    if (all_known && onnx_domain && !has_subgraph(n)) {  // a shape computation with every value known
      for (const auto& o : n.output()) folded_values.insert(o);
      foldable.push_back(&n);
      continue;
    }
    for (const auto& o : n.output()) known.erase(o);
    if (!onnx_domain || has_subgraph(n) || graph_utils::is_nondeterministic(n.op_type()) || n.op_type() == "Constant")
      continue;
    bool inputs_constant = true;
    for (const auto& i : n.input())
      if (!i.empty() && !constants.count(i) && !folded_values.count(i)) inputs_constant = false;
    if (!inputs_constant) continue;
    // An output that inference already knows is too large is never computed (nor what reads it).
    std::string too_large;
    for (const auto& o : n.output()) {
      const uint64_t bytes = static_value_bytes(o, infos);
      if (bytes > max_fold_bytes)
        too_large = "output '" + o + "' is " + human(bytes) + " > --max-fold-bytes " + human(max_fold_bytes);
    }
    if (!too_large.empty()) {
      outcome.skipped.push_back({node_label(n), n.op_type(), too_large});
      continue;
    }
    foldable.push_back(&n);
    for (const auto& o : n.output()) folded_values.insert(o);
  }
  if (foldable.empty()) return outcome;

  // 2. The values the rest of the graph reads from folded nodes: those become initializers.
  std::unordered_set<const NodeProto*> foldable_set(foldable.begin(), foldable.end());
  std::set<std::string> frontier;
  for (const auto& n : graph.node()) {
    if (foldable_set.count(&n)) continue;
    for (const auto& i : n.input())
      if (folded_values.count(i)) frontier.insert(i);
    if (has_subgraph(n))  // subgraphs read outer values by name
      for (const auto& v : folded_values) frontier.insert(v);
  }
  for (const auto& o : graph_outputs)
    if (folded_values.count(o)) frontier.insert(o);
  if (frontier.empty()) return outcome;  // dead constant code: dead-code removal takes it

  // 3. Evaluate on ONNX Runtime what data propagation does not already know.
  std::map<std::string, Tensor> values;
  std::vector<std::string> wanted;
  for (const auto& v : frontier)
    if (!known.count(v)) wanted.push_back(v);
  if (!wanted.empty()) {
    // Known values become initializers of the evaluation model, replacing their producers; only
    // the constants the evaluated nodes read are copied into it.
    std::vector<const NodeProto*> to_run;
    std::vector<TensorProto> known_inputs;
    for (const auto* n : foldable) {
      bool all_known = true;
      for (const auto& o : n->output()) all_known = all_known && (o.empty() || known.count(o));
      if (!all_known) to_run.push_back(n);
    }
    NamedConstants inputs;
    std::set<std::string> seen;
    for (const auto* n : to_run)
      for (const auto& i : n->input())
        if (!i.empty() && constants.count(i) && seen.insert(i).second) inputs.emplace_back(i, constants.at(i));
    for (const auto& [name, t] : known) known_inputs.push_back(t);
    for (const auto& t : known_inputs) inputs.emplace_back(t.name(), &t);
    try {
      values = evaluate(model.proto(), to_run, inputs, wanted);
    } catch (const std::exception& batch_error) {
      // One node ORT cannot evaluate should not stop the others: evaluate node by node.
      std::map<std::string, TensorProto> evaluated;
      for (const auto* n : to_run) {
        NamedConstants node_inputs;
        bool ready = true;
        for (const auto& i : n->input()) {
          if (i.empty()) continue;
          if (constants.count(i))
            node_inputs.emplace_back(i, constants.at(i));
          else if (known.count(i))
            node_inputs.emplace_back(i, &known.at(i));
          else if (evaluated.count(i))
            node_inputs.emplace_back(i, &evaluated.at(i));
          else
            ready = false;
        }
        if (!ready) {
          outcome.skipped.push_back({node_label(*n), n->op_type(), "an input could not be evaluated"});
          continue;
        }
        try {
          std::vector<std::string> outs;
          for (const auto& o : n->output())
            if (!o.empty()) outs.push_back(o);
          for (auto& [name, t] : evaluate(model.proto(), {n}, node_inputs, outs)) {
            evaluated[name] = tensor_to_proto(t, name);
            if (frontier.count(name)) values[name] = t;
          }
        } catch (const std::exception& e) {
          std::string why = e.what();
          outcome.skipped.push_back(
              {node_label(*n), n->op_type(), "ONNX Runtime cannot evaluate it: " + why.substr(0, why.find('\n'))});
        }
      }
      (void)batch_error;
    }
  }
  for (auto& [name, t] : known)
    if (frontier.count(name)) values.emplace(name, tensor_from_proto(t));

  // 4. Too-large values stay computed at run time; so does everything they need.
  std::set<std::string> materialize;
  std::unordered_set<const NodeProto*> keep;
  std::map<std::string, const NodeProto*> producer;
  for (const auto* n : foldable)
    for (const auto& o : n->output()) producer[o] = n;
  std::vector<std::string> work(frontier.begin(), frontier.end());
  std::set<std::string> visited;
  while (!work.empty()) {
    const std::string v = work.back();
    work.pop_back();
    if (!visited.insert(v).second) continue;
    auto it = values.find(v);
    const NodeProto* p = producer.count(v) ? producer.at(v) : nullptr;
    if (it != values.end() && it->second.nbytes() <= max_fold_bytes) {
      materialize.insert(v);
      continue;
    }
    if (it != values.end() && p)
      outcome.skipped.push_back(
          {node_label(*p), p->op_type(),
           "output '" + v + "' is " + human(it->second.nbytes()) + " > --max-fold-bytes " + human(max_fold_bytes)});
    if (!p) continue;  // an initializer: already there
    if (keep.insert(p).second)
      for (const auto& i : p->input())
        if (!i.empty() && folded_values.count(i)) work.push_back(i);
  }
  for (const auto& v : materialize)
    if (!values.count(v)) return outcome;  // cannot happen; keep the graph as it was

  // 5. Rewrite: materialized values become initializers (or Constant nodes when they are graph
  // outputs); folded nodes that are not kept disappear.
  google::protobuf::RepeatedPtrField<NodeProto> nodes;
  nodes.Swap(graph.mutable_node());
  std::set<std::string> emitted;
  for (auto& n : nodes) {
    if (!foldable_set.count(&n) || keep.count(&n)) {
      *graph.add_node() = std::move(n);
      continue;
    }
    ++outcome.folded;
    for (const auto& o : n.output()) {
      if (!materialize.count(o) || !emitted.insert(o).second) continue;
      TensorProto t = tensor_to_proto(values.at(o), o);
      if (graph_outputs.count(o)) {
        NodeProto* c = graph.add_node();
        c->set_op_type("Constant");
        c->set_name(o + "_constant");
        c->add_output(o);
        auto* a = c->add_attribute();
        a->set_name("value");
        a->set_type(onnx::AttributeProto::TENSOR);
        *a->mutable_t() = std::move(t);
      } else {
        *graph.add_initializer() = std::move(t);
      }
    }
  }
  // Kept nodes may sit after the Constant nodes emitted above; keep a valid order regardless of
  // that: initializers need no order, and Constant nodes replace graph-output producers only.
  return outcome;
}

}  // namespace piu::simplify_internal

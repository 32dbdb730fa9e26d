// extract_constant_to_initializer: a Constant node becomes an initializer named after its output,
// and the node goes. Handles the 'value' tensor and value_float(s)/value_int(s) (a scalar or 1-D
// float32/int64 tensor, as the Constant op defines them); value_string(s) and sparse_value are
// left alone. Safe because readers see the same tensor under the same name, and an initializer
// is constant like the node was (also inside a Loop body, where the node ran every iteration).
// Skipped, to keep the model valid:
//  - a Constant whose output is a graph output (an initializer that is also an output is legal
//    but unusual; runtimes and converters handle it badly) or that nothing reads (dead code);
//  - a Constant inside a subgraph whose output name an enclosing scope also defines: ONNX forbids
//    redefining an outer name, and where a model does it anyway, runtimes differ in which value
//    a reader sees; an initializer shadowing the outer value would be one more such redefinition,
//    so the pass leaves those models as they are;
//  - models whose main graph lists every initializer among its inputs, the IR version 3 layout
//    (the checker then requires initializers to be inputs too; adding inputs would change the
//    model's signature, and subgraphs cannot take extra inputs at all).
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// The Constant's value as an initializer tensor named `name`, or nullopt for the forms skipped.
std::optional<TensorProto> constant_value(const NodeProto& node, const std::string& name) {
  if (node.attribute_size() != 1) return std::nullopt;
  const AttributeProto& a = node.attribute(0);
  if (!a.ref_attr_name().empty()) return std::nullopt;  // a function body's attribute reference
  TensorProto t;
  if (a.name() == "value" && a.has_t()) {
    t = a.t();
  } else if (a.name() == "value_float") {
    t.set_data_type(TensorProto::FLOAT);
    t.add_float_data(a.f());
  } else if (a.name() == "value_floats") {
    t.set_data_type(TensorProto::FLOAT);
    t.add_dims(a.floats_size());
    for (float f : a.floats()) t.add_float_data(f);
  } else if (a.name() == "value_int") {
    t.set_data_type(TensorProto::INT64);
    t.add_int64_data(a.i());
  } else if (a.name() == "value_ints") {
    t.set_data_type(TensorProto::INT64);
    t.add_dims(a.ints_size());
    for (int64_t i : a.ints()) t.add_int64_data(i);
  } else {
    return std::nullopt;
  }
  t.set_name(name);
  return t;
}

// The main graph holds initializers and lists each among its inputs (the IR <= 3 layout).
bool initializers_are_inputs(const Graph& graph) {
  const Graph* root = &graph;
  while (root->parent()) root = root->parent();
  // Graph offers the proto through a non-const accessor only; it is read here, never changed.
  const GraphProto& proto = const_cast<Graph*>(root)->proto();
  if (proto.initializer_size() == 0) return false;
  for (const auto& t : proto.initializer())
    if (!root->is_graph_input(t.name())) return false;
  return true;
}

// `value` is defined by a graph enclosing `graph` (an input, initializer or node output there).
bool defined_outside(const Graph& graph, const std::string& value) {
  for (const Graph* g = graph.parent(); g; g = g->parent())
    if (g->is_graph_input(value) || g->is_initializer(value) || g->producer(value)) return true;
  return false;
}

class ExtractConstantToInitializer final : public Pass {
 public:
  std::string name() const override { return "extract_constant_to_initializer"; }
  std::string description() const override { return "turn Constant nodes into initializers of the same name"; }

  int run(Graph& graph) const override {
    if (initializers_are_inputs(graph)) return 0;
    int changes = 0;
    for (NodeProto* node : graph.nodes()) {
      if (!graph.contains(node) || node->op_type() != "Constant" || !is_onnx_domain(*node)) continue;
      if (node->output_size() != 1 || node->output(0).empty() || node->input_size() != 0) continue;
      const std::string output = node->output(0);
      if (graph.is_graph_output(output) || graph.use_count(output) == 0 || defined_outside(graph, output)) continue;
      auto tensor = constant_value(*node, output);
      if (!tensor) continue;
      // The node goes first: the name then has no producer and the initializer defines it. Graph's
      // add_initializer always picks a fresh name, so the tensor goes into the proto directly and
      // the initializer index is refreshed by removing a name that cannot exist.
      graph.remove_node(node);
      *graph.proto().add_initializer() = std::move(*tensor);
      graph.remove_initializer(graph.unique_name(output + "_refresh"));
      ++changes;
    }
    return changes;
  }
};

PIU_REGISTER_PASS(ExtractConstantToInitializer);

}  // namespace
}  // namespace piu::passes

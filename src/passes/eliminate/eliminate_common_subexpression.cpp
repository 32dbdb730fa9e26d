// eliminate_common_subexpression: two nodes of the same op type and domain that read the same
// values (same names, same positions) with the same attributes compute the same outputs, so the
// later one goes and its readers read the earlier one's outputs:
//
//   a = Shape(x); b = Shape(x)        ->  a = Shape(x), readers of b read a
//   Cast(Slice(Shape(x), ...)) twice  ->  once (nodes are visited in topological order, so once
//                                         the inner nodes merged the outer ones read the same values)
//
// Only deterministic ONNX-domain ops merge (never RandomNormal, Dropout, ... nor ops of other
// domains, whose determinism is unknown); nodes holding subgraphs are skipped. Attributes compare
// as serialized protos without their doc strings, in name order; an attribute left at its default
// does not equal the same value spelled out (such nodes simply stay). Constant nodes have no
// inputs and merge when their tensors are identical. When the later node's output is a graph
// output, the earlier node takes over that name (graph outputs keep their names); when both are
// graph outputs, both stay.
#include <algorithm>
#include <unordered_map>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// The node's identity for merging: domain, op type, inputs and canonical attributes. Empty when
// the node must not merge.
std::string merge_key(const NodeProto& node) {
  if (!is_onnx_domain(node) || graph_utils::is_nondeterministic(node.op_type()) || has_subgraph(node) ||
      node.output_size() == 0)
    return {};
  // Appended piece by piece (GCC 12 warns falsely about chained std::string operator+ here).
  // Names are length-prefixed: they may hold any character.
  std::string key = node.op_type();
  key.append("(");
  for (const auto& i : node.input()) key.append(std::to_string(i.size())).append(":").append(i);
  key.append(")").append(std::to_string(node.output_size())).append("{");
  std::vector<const AttributeProto*> attributes;
  for (const auto& a : node.attribute()) attributes.push_back(&a);
  std::sort(attributes.begin(), attributes.end(),
            [](const AttributeProto* a, const AttributeProto* b) { return a->name() < b->name(); });
  for (const AttributeProto* a : attributes) {
    AttributeProto canonical = *a;
    canonical.clear_doc_string();
    const std::string bytes = canonical.SerializeAsString();
    key.append(std::to_string(bytes.size())).append(":").append(bytes);
  }
  return key.append("}");
}

// Makes the readers of `later`'s outputs read `earlier`'s and removes `later`. Returns false,
// changing nothing, when an output cannot be redirected: `later` produces a value where `earlier`
// has no output, or both produce graph outputs at the same position.
bool merge_into(Graph& graph, NodeProto& earlier, NodeProto& later) {
  for (int i = 0; i < later.output_size(); ++i) {
    const std::string& out = later.output(i);
    if (out.empty()) continue;
    if (earlier.output(i).empty() && graph.use_count(out) > 0) return false;
    if (graph.is_graph_output(out) && graph.is_graph_output(earlier.output(i))) return false;
  }
  const std::vector<std::string> outputs(later.output().begin(), later.output().end());
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].empty() && !graph.is_graph_output(outputs[i])) graph.replace_uses(outputs[i], earlier.output(i));
  graph.remove_node(&later);
  // A graph output of the removed node: the earlier node now produces it under its name.
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].empty() || !graph.is_graph_output(outputs[i])) continue;
    const std::string old_name = earlier.output(static_cast<int>(i));
    graph.set_output(&earlier, static_cast<int>(i), outputs[i]);
    graph.replace_uses(old_name, outputs[i]);
  }
  return true;
}

class EliminateCommonSubexpression final : public Pass {
 public:
  std::string name() const override { return "eliminate_common_subexpression"; }
  std::string description() const override {
    return "merge nodes of the same op with the same inputs and attributes (deterministic ops only)";
  }

  int run(Graph& graph) const override {
    std::unordered_map<std::string, NodeProto*> first;  // merge key -> the earliest node with it
    int merged = 0;
    for (NodeProto* node : graph.nodes()) {  // topological: earlier nodes merge first
      const std::string key = merge_key(*node);
      if (key.empty()) continue;
      auto [it, inserted] = first.emplace(key, node);
      if (inserted) continue;
      if (merge_into(graph, *it->second, *node)) ++merged;
    }
    return merged;
  }
};

PIU_REGISTER_PASS(EliminateCommonSubexpression);

}  // namespace
}  // namespace piu::passes

// eliminate_if_with_const_cond: an If whose condition is a constant always runs the same branch, so
// that branch's nodes and initializers move into the graph in place of the If, under fresh names;
// the If's output names are kept (the branch's producers write them, or an Identity does).
#include <unordered_map>
#include <unordered_set>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

using Renames = std::unordered_map<std::string, std::string>;

class EliminateIfWithConstCond final : public Pass {
 public:
  std::string name() const override { return "eliminate_if_with_const_cond"; }
  std::string description() const override { return "inline the branch an If with a constant condition takes"; }
  std::vector<std::string> op_types() const override { return {"If"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    const GraphProto* branch = taken_branch(graph, node);
    if (!branch || branch->input_size() != 0 || branch->sparse_initializer_size() != 0 ||
        branch->output_size() != node.output_size())
      return false;
    for (const auto& o : branch->output())
      if (o.name().empty()) return false;
    return true;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const GraphProto branch = *taken_branch(graph, node);  // a copy: the If goes at the end

    // Names the new values must not take: those defined in any subgraph of the graph (a value of
    // the graph must not be shadowed there), the branch's nested ones included. The If's output
    // names are taken over by the branch's producers, so they must not occur there either.
    std::unordered_set<std::string> reserved;
    for (const auto& n : branch.node()) graph_utils::collect_subgraph_names(n, reserved);
    for (const auto& o : node.output())
      if (!o.empty() && reserved.count(o)) return false;  // pathological shadowing: leave it alone
    for (const NodeProto* n : graph.nodes())
      if (n != &node) graph_utils::collect_subgraph_names(*n, reserved);

    // Branch values produced by a node and returned as output i are written under the If's output
    // name i (the first time a value is returned); every other branch value gets a fresh name.
    std::unordered_set<std::string> node_outputs;
    for (const auto& n : branch.node())
      for (const auto& o : n.output())
        if (!o.empty()) node_outputs.insert(o);
    Renames renames;
    for (int i = 0; i < branch.output_size(); ++i) {
      const std::string& value = branch.output(i).name();
      if (node_outputs.count(value) && !renames.count(value) && !node.output(i).empty())
        renames.emplace(value, node.output(i));
    }

    // From here on the graph changes.
    auto fresh = [&](const std::string& hint) {
      std::string name = graph.unique_name(hint);
      while (reserved.count(name)) name = graph.unique_name(hint);
      return name;
    };
    for (const auto& n : branch.node())
      for (const auto& o : n.output())
        if (!o.empty() && !renames.count(o)) renames.emplace(o, fresh(o));
    for (const auto& t : branch.initializer()) {
      std::string hint = t.name();
      std::string name = graph.add_initializer(t, hint);
      while (reserved.count(name)) {
        graph.remove_initializer(name);
        hint = name;
        name = graph.add_initializer(t, hint);
      }
      renames[t.name()] = name;
    }
    // Shapes inferred inside the branch still describe the renamed values.
    for (const auto& v : branch.value_info()) {
      auto it = renames.find(v.name());
      if (it == renames.end() || !node_outputs.count(v.name()) || is_if_output(node, it->second)) continue;
      auto* info = graph.proto().add_value_info();
      *info = v;
      info->set_name(it->second);
    }

    for (const auto& n : branch.node()) {
      NodeProto copy = n;
      for (auto& i : *copy.mutable_input())
        if (auto it = renames.find(i); it != renames.end()) i = it->second;
      for (auto& o : *copy.mutable_output())
        if (auto it = renames.find(o); it != renames.end()) o = it->second;
      for_each_subgraph(copy, [&](GraphProto& sub) { graph_utils::rename_outer_references(sub, renames); });
      graph.insert_node(std::move(copy), &node);
    }

    // If outputs not written by a branch node: the branch returns an outer value, an initializer or
    // a value it already returned. Readers read that instead; a graph output gets an Identity.
    for (int i = 0; i < branch.output_size(); ++i) {
      const std::string& if_output = node.output(i);
      const std::string& value = branch.output(i).name();
      auto it = renames.find(value);
      const std::string source = it != renames.end() ? it->second : value;
      if (if_output.empty() || source == if_output || graph.use_count(if_output) == 0) continue;
      if (graph.replace_uses(if_output, source)) continue;
      NodeProto identity;
      identity.set_op_type("Identity");
      identity.set_name(if_output + "_identity");
      identity.add_input(source);
      identity.add_output(if_output);
      graph.insert_node(std::move(identity), &node);
    }
    graph.remove_node(&node);
    return true;
  }

 private:
  // The branch a constant condition selects, or nullptr (condition not constant, no such branch).
  static const GraphProto* taken_branch(const Graph& graph, const NodeProto& node) {
    if (node.input_size() != 1 || node.input(0).empty()) return nullptr;
    const std::optional<Tensor> cond = graph.constant_tensor(node.input(0));
    if (!cond || cond->numel() != 1) return nullptr;
    const AttributeProto* a = find_attribute(node, element_as_double(*cond, 0) != 0 ? "then_branch" : "else_branch");
    return a && a->has_g() ? &a->g() : nullptr;
  }
  static bool is_if_output(const NodeProto& node, const std::string& name) {
    for (const auto& o : node.output())
      if (o == name) return true;
    return false;
  }
};

PIU_REGISTER_PASS(EliminateIfWithConstCond);

}  // namespace
}  // namespace piu::passes

// fuse_consecutive_concats: Concat(a, Concat(b, c), d) along one axis is Concat(a, b, c, d): the
// inner Concat's inputs are spliced in place of its output, keeping the order. Safe because
// concatenation is associative along a fixed axis. The inner Concat must have the same axis (equal
// after normalizing negative axes when the rank is known, literally equal otherwise) and every
// reader of its output must be such a Concat (not a graph output): each of them splices it in
// turn (DPN's dense paths feed one Concat to two others) and it goes once none reads it, so the
// node count never grows. Chains are spliced recursively, so one rewrite flattens a whole tree.
#include <algorithm>
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// The rank of the values a Concat joins, when known from its output or any input.
std::optional<int64_t> concat_rank(const Graph& graph, const NodeProto& node) {
  if (node.output_size() > 0)
    if (auto s = graph.shape(node.output(0))) return static_cast<int64_t>(s->size());
  for (const auto& in : node.input())
    if (!in.empty())
      if (auto s = graph.shape(in)) return static_cast<int64_t>(s->size());
  return std::nullopt;
}

bool same_axis(int64_t a, int64_t b, std::optional<int64_t> rank) {
  if (a == b) return true;
  if (!rank) return false;
  if (a < 0) a += *rank;
  if (b < 0) b += *rank;
  return a == b && a >= 0 && a < *rank;
}

class FuseConsecutiveConcats final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_concats"; }
  std::string description() const override {
    return "splice a Concat's inputs into the Concats that read it, when all use the same axis";
  }
  std::vector<std::string> op_types() const override { return {"Concat"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    if (!find_attribute(node, "axis") || node.output_size() != 1) return false;
    for (const auto& in : node.input())
      if (fusable(graph, node, in)) return true;
    return false;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    std::vector<std::string> inputs;
    std::vector<NodeProto*> fused;
    expand(graph, node, inputs, fused);
    if (fused.empty()) return false;
    // All checks are done: rewrite the input list, then drop the spliced Concats (now unread).
    const int common = std::min(node.input_size(), static_cast<int>(inputs.size()));
    for (int i = 0; i < common; ++i)
      if (node.input(i) != inputs[i]) graph.set_input(&node, i, inputs[i]);
    graph.truncate_inputs(&node, common);
    for (size_t i = common; i < inputs.size(); ++i) graph.add_input(&node, inputs[i]);
    for (NodeProto* n : fused)
      if (graph.contains(n) && graph.use_count(n->output(0)) == 0) graph.remove_node(n);
    return true;
  }

 private:
  // `value` (an input of `outer`) is the output of a same-axis Concat read only by Concats on that axis.
  static bool fusable(const Graph& graph, const NodeProto& outer, const std::string& value) {
    if (value.empty()) return false;
    const NodeProto* inner = graph.producer(value);
    if (!inner || inner == &outer || inner->op_type() != "Concat" || !is_onnx_domain(*inner)) return false;
    if (inner->output_size() != 1 || inner->input_size() == 0) return false;
    const AttributeProto* outer_axis = find_attribute(outer, "axis");
    const AttributeProto* inner_axis = find_attribute(*inner, "axis");
    if (!outer_axis || !inner_axis) return false;
    if (graph.is_graph_output(value)) return false;
    auto rank = concat_rank(graph, *inner);
    if (!rank) rank = concat_rank(graph, outer);
    if (!same_axis(inner_axis->i(), outer_axis->i(), rank)) return false;
    for (const NodeProto* reader : graph.consumers(value)) {
      if (reader == &outer) continue;
      const AttributeProto* axis = reader->op_type() == "Concat" && is_onnx_domain(*reader) &&
                                           std::count(reader->input().begin(), reader->input().end(), value) > 0
                                       ? find_attribute(*reader, "axis")
                                       : nullptr;
      if (!axis || !same_axis(inner_axis->i(), axis->i(), rank)) return false;
    }
    return true;
  }

  // Appends `node`'s inputs to `inputs`, replacing each fusable Concat output by that Concat's own
  // (recursively expanded) inputs, and records the Concats spliced away.
  static void expand(const Graph& graph, const NodeProto& node, std::vector<std::string>& inputs,
                     std::vector<NodeProto*>& fused) {
    for (const auto& in : node.input()) {
      if (!fusable(graph, node, in)) {
        inputs.push_back(in);
        continue;
      }
      NodeProto* inner = graph.producer(in);
      // The same inner Concat read twice by its single reader is spliced at both places.
      if (std::find(fused.begin(), fused.end(), inner) == fused.end()) fused.push_back(inner);
      expand(graph, *inner, inputs, fused);
    }
  }
};

PIU_REGISTER_PASS(FuseConsecutiveConcats);

}  // namespace
}  // namespace piu::passes

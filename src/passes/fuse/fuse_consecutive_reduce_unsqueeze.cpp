// fuse_consecutive_reduce_unsqueeze: Unsqueeze(ReduceXxx(x, axes=A, keepdims=0), axes=A) becomes
// ReduceXxx(x, axes=A, keepdims=1), which produces the Unsqueeze's output name. Safe because
// reducing with keepdims=0 drops exactly the dims A of x, and unsqueezing the result at A (counted
// in the output's rank, which is x's rank again) puts size-1 dims back at the same places, which is
// what keepdims=1 yields. Both axis lists must be constant and equal as sets (negative axes are
// normalized only when x's rank is known: both lists count in that rank, so literal values
// compare correctly otherwise). The pass does not fire on a reduce over all axes (no axes) or
// with noop_with_empty_axes set, and the reduce output must be read by the Unsqueeze only.
// Opsets: Unsqueeze takes axes as an attribute before opset 13 and as an input from 13; ReduceSum
// takes them as an input from 13, the other Reduce ops from 18.
#include <algorithm>
#include <optional>
#include <set>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

const std::vector<std::string>& reduce_ops() {
  static const std::vector<std::string> ops = {"ReduceL1",  "ReduceL2",       "ReduceLogSum", "ReduceLogSumExp",
                                               "ReduceMax", "ReduceMean",     "ReduceMin",    "ReduceProd",
                                               "ReduceSum", "ReduceSumSquare"};
  return ops;
}

bool is_reduce(const NodeProto& node) {
  return is_onnx_domain(node) &&
         std::find(reduce_ops().begin(), reduce_ops().end(), node.op_type()) != reduce_ops().end();
}

// The first opset in which `op` reads its axes from input 1.
int64_t axes_input_opset(const std::string& op) {
  if (op == "ReduceSum" || op == "Unsqueeze" || op == "Squeeze") return 13;
  return 18;
}

// The constant axes of a Reduce or Unsqueeze node, from its attribute or its second input
// depending on the opset; nullopt when absent or not constant.
std::optional<std::vector<int64_t>> axes_of(const Graph& graph, const NodeProto& node) {
  if (graph.opset() < axes_input_opset(node.op_type())) return attribute_ints(node, "axes");
  if (node.input_size() < 2 || node.input(1).empty()) return std::nullopt;
  return constant_ints(graph, node.input(1));
}

// The axes as a set, negative ones counted from `rank` when known. nullopt for duplicates or
// out-of-range values.
std::optional<std::set<int64_t>> axis_set(const std::vector<int64_t>& axes, std::optional<int64_t> rank) {
  std::set<int64_t> out;
  for (int64_t a : axes) {
    if (rank) {
      if (a < -*rank || a >= *rank) return std::nullopt;
      if (a < 0) a += *rank;
    }
    if (!out.insert(a).second) return std::nullopt;
  }
  return out;
}

class FuseConsecutiveReduceUnsqueeze final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_reduce_unsqueeze"; }
  std::string description() const override {
    return "fold Unsqueeze(ReduceXxx(x, keepdims=0)) on the same axes into ReduceXxx(x, keepdims=1)";
  }
  std::vector<std::string> op_types() const override { return {"Unsqueeze"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() < 1 || node.output_size() != 1 || node.input(0).empty()) return false;
    const NodeProto* reduce = graph.producer(node.input(0));
    if (!reduce || !is_reduce(*reduce) || reduce->output_size() != 1 || reduce->input_size() < 1) return false;
    const AttributeProto* keepdims = find_attribute(*reduce, "keepdims");
    if (!keepdims || keepdims->i() != 0) return false;  // keepdims defaults to 1
    if (attribute_int(*reduce, "noop_with_empty_axes", 0) != 0) return false;
    const auto consumers = graph.consumers(node.input(0));
    if (graph.is_graph_output(node.input(0)) || consumers.size() != 1 || consumers[0] != &node) return false;
    const auto reduce_axes = axes_of(graph, *reduce);
    const auto unsqueeze_axes = axes_of(graph, node);
    if (!reduce_axes || !unsqueeze_axes || reduce_axes->empty()) return false;  // empty: reduce over all axes
    // Both lists count in the rank of the reduce's input (= the Unsqueeze's output rank).
    std::optional<int64_t> rank;
    if (auto s = graph.shape(reduce->input(0)))
      rank = static_cast<int64_t>(s->size());
    else if (auto t = graph.shape(node.output(0)))
      rank = static_cast<int64_t>(t->size());
    const auto a = axis_set(*reduce_axes, rank);
    const auto b = axis_set(*unsqueeze_axes, rank);
    return a && b && *a == *b;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    NodeProto* reduce = graph.producer(node.input(0));
    const std::string output = node.output(0);
    set_attribute(*reduce, "keepdims", int64_t{1});
    // The reduce comes before the Unsqueeze, so it can take over the output name and its readers.
    graph.remove_node(&node);
    graph.set_output(reduce, 0, output);
    return true;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveReduceUnsqueeze);

}  // namespace
}  // namespace piu::passes

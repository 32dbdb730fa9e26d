// fuse_consecutive_transposes: Transpose(Transpose(x, p1), p2) becomes Transpose(x, p) with
// p[i] = p1[p2[i]], and disappears altogether when p is the identity. Safe because transposes
// compose: output dim i of the second is its input's dim p2[i], which is x's dim p1[p2[i]]. The
// first output must be read by the second Transpose only. A missing perm means "reverse the
// dims"; its length is taken from the other Transpose's perm or from the known rank, and two
// missing perms compose to the identity whatever the rank. When the identity cannot be removed
// without renaming a graph input or output, one identity Transpose stays.
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// A valid permutation of 0..rank-1.
bool is_permutation(const std::vector<int64_t>& perm) {
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}

std::vector<int64_t> reversed(int64_t rank) {
  std::vector<int64_t> perm(rank);
  for (int64_t i = 0; i < rank; ++i) perm[i] = rank - 1 - i;
  return perm;
}

class FuseConsecutiveTransposes final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_transposes"; }
  std::string description() const override {
    return "fuse two consecutive Transpose nodes into one, or none when they cancel";
  }
  std::vector<std::string> op_types() const override { return {"Transpose"}; }

  bool match(const Graph& graph, const NodeProto& node) const override { return composed(graph, node).has_value(); }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto perm = composed(graph, node);
    if (!perm) return false;
    NodeProto* first = graph.producer(node.input(0));
    const std::string source = first->input(0);
    const std::string output = node.output(0);
    bool identity = true;
    for (size_t i = 0; i < perm->size(); ++i) identity = identity && (*perm)[i] == static_cast<int64_t>(i);
    if (identity) {
      // Both go: readers of the output read x. When the output is a graph output, x's producer
      // is renamed to it instead, if x has no other reader and is no graph input or output.
      if (!graph.is_graph_output(output)) {
        graph.replace_uses(output, source);
        graph.remove_node(&node);
        graph.remove_node(first);
        return true;
      }
      NodeProto* producer = graph.producer(source);
      const auto readers = graph.consumers(source);
      if (producer && !graph.is_graph_output(source) && readers.size() == 1 && readers[0] == first) {
        graph.remove_node(&node);
        graph.remove_node(first);
        for (int i = 0; i < producer->output_size(); ++i)
          if (producer->output(i) == source) graph.set_output(producer, i, output);
        return true;
      }
      // Otherwise one identity Transpose stays (eliminate_nop_transpose's case), still one node
      // fewer; with an unknown rank there is no perm to write for it, so nothing changes.
      if (perm->empty()) return false;
    }
    graph.set_input(&node, 0, source);
    set_attribute(node, "perm", *perm);
    graph.remove_node(first);
    return true;
  }

 private:
  // The composed perm, or nullopt when `node` is not the second of two fusable Transposes.
  static std::optional<std::vector<int64_t>> composed(const Graph& graph, const NodeProto& node) {
    if (node.input_size() != 1 || node.output_size() != 1 || node.input(0).empty()) return std::nullopt;
    const NodeProto* first = graph.producer(node.input(0));
    if (!first || first->op_type() != "Transpose" || !is_onnx_domain(*first) || first->input_size() != 1 ||
        first->output_size() != 1 || first->input(0).empty())
      return std::nullopt;
    const auto consumers = graph.consumers(node.input(0));
    if (graph.is_graph_output(node.input(0)) || consumers.size() != 1 || consumers[0] != &node) return std::nullopt;
    auto p1 = attribute_ints(*first, "perm");
    auto p2 = attribute_ints(node, "perm");
    std::optional<int64_t> rank;
    if (p1)
      rank = static_cast<int64_t>(p1->size());
    else if (p2)
      rank = static_cast<int64_t>(p2->size());
    else if (auto s = graph.shape(first->input(0)))
      rank = static_cast<int64_t>(s->size());
    else if (auto s1 = graph.shape(node.input(0)))
      rank = static_cast<int64_t>(s1->size());
    else if (auto s2 = graph.shape(node.output(0)))
      rank = static_cast<int64_t>(s2->size());
    if (!rank) {
      // Reversing twice is the identity whatever the rank: an empty perm stands for it here.
      if (!p1 && !p2) return std::vector<int64_t>{};
      return std::nullopt;
    }
    if (!p1) p1 = reversed(*rank);
    if (!p2) p2 = reversed(*rank);
    if (static_cast<int64_t>(p1->size()) != *rank || p2->size() != p1->size() || !is_permutation(*p1) ||
        !is_permutation(*p2))
      return std::nullopt;
    std::vector<int64_t> out(p1->size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = (*p1)[(*p2)[i]];
    return out;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveTransposes);

}  // namespace
}  // namespace piu::passes

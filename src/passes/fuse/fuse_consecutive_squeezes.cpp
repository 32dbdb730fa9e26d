// fuse_consecutive_squeezes: Squeeze(Squeeze(x, axes1), axes2) becomes Squeeze(x, axes), where
// axes is axes1 together with axes2 mapped back to x's dims (the j-th dim of the intermediate is
// the j-th dim of x not in axes1). Safe because squeezing is removing size-1 dims, and removing
// them in two steps or at once gives the same tensor. Both axis lists must be constant; a Squeeze
// without axes (squeeze every size-1 dim) is left alone since which dims go depends on the data's
// shape. Negative axes need the rank (from shape inference), otherwise the pass refuses. The
// first output must be read by the second Squeeze only. Opsets: axes are an attribute before 13
// and a constant input from 13; the fused axes then go to a new int64 initializer.
#include <algorithm>
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

constexpr int64_t kAxesInputOpset = 13;

class FuseConsecutiveSqueezes final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_squeezes"; }
  std::string description() const override { return "fuse two consecutive Squeeze nodes into one"; }
  std::vector<std::string> op_types() const override { return {"Squeeze"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    return composed_axes(graph, node).has_value();
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto axes = composed_axes(graph, node);
    if (!axes) return false;
    NodeProto* first = graph.producer(node.input(0));
    const std::string source = first->input(0);
    std::string old_axes_first = first->input_size() > 1 ? first->input(1) : std::string();
    std::string old_axes_second = node.input_size() > 1 ? node.input(1) : std::string();
    graph.set_input(&node, 0, source);
    if (graph.opset() < kAxesInputOpset) {
      set_attribute(node, "axes", *axes);
    } else {
      Tensor t = Tensor::from_vector<int64_t>(*axes, {static_cast<int64_t>(axes->size())});
      const std::string name = graph.add_initializer(tensor_to_proto(t, ""), node.output(0) + "_axes");
      graph.set_input(&node, 1, name);
    }
    graph.remove_node(first);
    // Tidy up axes initializers nobody reads any more (Constant nodes go with dead-node deletion).
    graph.remove_unused_initializers({old_axes_first, old_axes_second});
    return true;
  }

 private:
  // The axes of x that Squeeze(Squeeze(x, axes1), axes2) removes, sorted; nullopt when `node` is
  // not the second of two fusable Squeezes.
  static std::optional<std::vector<int64_t>> composed_axes(const Graph& graph, const NodeProto& node) {
    if (node.input_size() < 1 || node.output_size() != 1 || node.input(0).empty()) return std::nullopt;
    const NodeProto* first = graph.producer(node.input(0));
    if (!first || first->op_type() != "Squeeze" || !is_onnx_domain(*first) || first->output_size() != 1 ||
        first->input_size() < 1 || first->input(0).empty())
      return std::nullopt;
    const auto consumers = graph.consumers(node.input(0));
    if (graph.is_graph_output(node.input(0)) || consumers.size() != 1 || consumers[0] != &node) return std::nullopt;
    const auto axes1 = squeeze_axes(graph, *first);
    const auto axes2 = squeeze_axes(graph, node);
    if (!axes1 || !axes2 || axes1->empty() || axes2->empty()) return std::nullopt;  // empty: every size-1 dim
    // The rank of x, from x itself or from either output.
    std::optional<int64_t> rank;
    if (auto s = graph.shape(first->input(0))) {
      rank = static_cast<int64_t>(s->size());
    } else if (auto s1 = graph.shape(node.input(0))) {
      rank = static_cast<int64_t>(s1->size() + axes1->size());
    } else if (auto s2 = graph.shape(node.output(0))) {
      rank = static_cast<int64_t>(s2->size() + axes1->size() + axes2->size());
    }
    const auto first_axes = normalized_axes(*axes1, rank);
    if (!first_axes) return std::nullopt;
    std::optional<int64_t> mid_rank;
    if (rank) mid_rank = *rank - static_cast<int64_t>(first_axes->size());
    const auto second_axes = normalized_axes(*axes2, mid_rank);
    if (!second_axes) return std::nullopt;
    // The j-th dim of the intermediate is the j-th dim of x not in axes1.
    std::vector<int64_t> out = *first_axes;
    for (int64_t j : *second_axes) {
      int64_t dim = j;
      for (int64_t a : *first_axes)
        if (a <= dim) ++dim;  // first_axes is sorted: each removed dim at or before shifts it on
      out.push_back(dim);
    }
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end()) return std::nullopt;
    if (rank && !out.empty() && out.back() >= *rank) return std::nullopt;
    return out;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveSqueezes);

}  // namespace
}  // namespace piu::passes

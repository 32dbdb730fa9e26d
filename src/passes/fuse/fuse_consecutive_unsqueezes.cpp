// fuse_consecutive_unsqueezes: Unsqueeze(Unsqueeze(x, axes1), axes2) becomes Unsqueeze(x, axes),
// where axes is axes2 together with axes1 carried into the output's dims (the j-th dim of the
// intermediate is the j-th dim of the output not in axes2). Safe because both insert size-1 dims:
// inserting them in two steps or at once gives the same tensor. Exporters write x[:, None, None]
// and chains of .unsqueeze() one axis at a time (transformers' attention masks: four in a row).
// Both axis lists must be constant; negative axes need the rank (from shape inference), otherwise
// the pass refuses. The first output must be read by the second Unsqueeze only. Opsets: axes are
// an attribute before 13 and a constant input from 13. Not in the seed's list; the simplifier
// runs it.
#include <algorithm>
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

constexpr int64_t kAxesInputOpset = 13;

class FuseConsecutiveUnsqueezes final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_unsqueezes"; }
  std::string description() const override { return "fuse two consecutive Unsqueeze nodes into one"; }
  std::vector<std::string> op_types() const override { return {"Unsqueeze"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    return composed_axes(graph, node).has_value();
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto axes = composed_axes(graph, node);
    if (!axes) return false;
    NodeProto* first = graph.producer(node.input(0));
    const std::string source = first->input(0);
    const std::string old_axes_first = first->input_size() > 1 ? first->input(1) : std::string();
    const std::string old_axes_second = node.input_size() > 1 ? node.input(1) : std::string();
    graph.set_input(&node, 0, source);
    if (graph.opset() < kAxesInputOpset) {
      set_attribute(node, "axes", *axes);
    } else {
      Tensor t = Tensor::from_vector<int64_t>(*axes, {static_cast<int64_t>(axes->size())});
      graph.set_input(&node, 1, graph.add_initializer(tensor_to_proto(t, ""), node.output(0) + "_axes"));
    }
    graph.remove_node(first);
    graph.remove_unused_initializers({old_axes_first, old_axes_second});
    return true;
  }

 private:
  // The output's dims that Unsqueeze(Unsqueeze(x, axes1), axes2) inserts, sorted; nullopt when
  // `node` is not the second of two fusable Unsqueezes.
  static std::optional<std::vector<int64_t>> composed_axes(const Graph& graph, const NodeProto& node) {
    if (node.input_size() < 1 || node.output_size() != 1 || node.input(0).empty()) return std::nullopt;
    const NodeProto* first = graph.producer(node.input(0));
    if (!first || first->op_type() != "Unsqueeze" || !is_onnx_domain(*first) || first->output_size() != 1 ||
        first->input_size() < 1 || first->input(0).empty())
      return std::nullopt;
    const auto consumers = graph.consumers(node.input(0));
    if (graph.is_graph_output(node.input(0)) || consumers.size() != 1 || consumers[0] != &node) return std::nullopt;
    const auto axes1 = squeeze_axes(graph, *first);
    const auto axes2 = squeeze_axes(graph, node);
    if (!axes1 || !axes2 || axes1->empty() || axes2->empty()) return std::nullopt;
    // The rank of x, from x itself or from either output.
    std::optional<int64_t> rank;
    if (auto s = graph.shape(first->input(0))) {
      rank = static_cast<int64_t>(s->size());
    } else if (auto s1 = graph.shape(node.input(0))) {
      rank = static_cast<int64_t>(s1->size()) - static_cast<int64_t>(axes1->size());
    } else if (auto s2 = graph.shape(node.output(0))) {
      rank = static_cast<int64_t>(s2->size() - axes1->size() - axes2->size());
    }
    std::optional<int64_t> mid_rank, out_rank;
    if (rank) {
      mid_rank = *rank + static_cast<int64_t>(axes1->size());
      out_rank = *mid_rank + static_cast<int64_t>(axes2->size());
    }
    const auto first_axes = normalized_axes(*axes1, mid_rank);
    const auto second_axes = normalized_axes(*axes2, out_rank);
    if (!first_axes || !second_axes) return std::nullopt;
    // The j-th dim of the intermediate is the j-th dim of the output not in axes2.
    std::vector<int64_t> out = *second_axes;
    for (int64_t j : *first_axes) {
      int64_t dim = -1;
      for (int64_t seen = -1; seen < j;)
        if (!std::binary_search(second_axes->begin(), second_axes->end(), ++dim)) ++seen;
      out.push_back(dim);
    }
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end()) return std::nullopt;
    if (out_rank && out.back() >= *out_rank) return std::nullopt;
    return out;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveUnsqueezes);

}  // namespace
}  // namespace piu::passes

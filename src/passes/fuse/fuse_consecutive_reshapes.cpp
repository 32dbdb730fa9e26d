// fuse_consecutive_reshapes: Reshape(Reshape(x, s1), s2) becomes Reshape(x, s2'). Safe because a
// Reshape keeps the elements in row-major order, so only the last target matters, except for its
// 0 entries, which copy a dim of the intermediate: s2[i] = 0 becomes s1[i] when that is a number,
// stays 0 when s1[i] is 0 too (then both copy x's dim i), and becomes the intermediate's dim i when
// shape inference knows it statically; otherwise s2' is the second output's inferred shape when at
// most one of its dims is dynamic (that one -1), else the pass does not fire. s2 must be a constant,
// neither Reshape may set allowzero, and the first output must be read by the second only.
#include <algorithm>
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class FuseConsecutiveReshapes final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_reshapes"; }
  std::string description() const override { return "fuse two consecutive Reshape nodes into one"; }
  std::vector<std::string> op_types() const override { return {"Reshape"}; }

  bool match(const Graph& graph, const NodeProto& node) const override { return target(graph, node).has_value(); }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto shape = target(graph, node);
    if (!shape) return false;
    NodeProto* first = graph.producer(node.input(0));
    const std::string source = first->input(0);
    const std::string old_target = node.input(1), first_target = first->input(1);
    std::string new_target = old_target;
    if (*shape != *constant_ints(graph, old_target)) {
      const auto n = static_cast<int64_t>(shape->size());
      new_target = graph.add_initializer(tensor_to_proto(Tensor::from_vector<int64_t>(*shape, {n}), ""),
                                         node.output(0) + "_shape");
    }
    graph.set_input(&node, 0, source);
    graph.set_input(&node, 1, new_target);
    graph.remove_node(first);
    graph.remove_unused_initializers({old_target, first_target});
    return true;
  }

 private:
  // The output's inferred shape as a target, when at most one of its dims is dynamic (that one -1).
  static std::optional<std::vector<int64_t>> from_output_shape(const Graph& graph, const NodeProto& node) {
    auto out = graph.shape(node.output(0));
    if (!out || std::count(out->begin(), out->end(), int64_t{-1}) > 1 ||
        std::find(out->begin(), out->end(), int64_t{0}) != out->end())
      return std::nullopt;
    return std::vector<int64_t>(out->begin(), out->end());
  }

  // The merged target, or nullopt when `node` is not the second of two fusable Reshapes.
  static std::optional<std::vector<int64_t>> target(const Graph& graph, const NodeProto& node) {
    if (node.input_size() != 2 || node.output_size() != 1 || node.input(0).empty()) return std::nullopt;
    if (attribute_int(node, "allowzero", 0) != 0) return std::nullopt;
    const NodeProto* first = graph.producer(node.input(0));
    if (!first || first->op_type() != "Reshape" || !is_onnx_domain(*first) || first->input_size() != 2 ||
        first->output_size() != 1 || first->input(0).empty() || attribute_int(*first, "allowzero", 0) != 0)
      return std::nullopt;
    const auto readers = graph.consumers(node.input(0));
    if (graph.is_graph_output(node.input(0)) || readers.size() != 1 || readers[0] != &node) return std::nullopt;
    auto s2 = constant_ints(graph, node.input(1));
    if (!s2) return std::nullopt;
    if (std::find(s2->begin(), s2->end(), 0) == s2->end()) return s2;
    const auto s1 = constant_ints(graph, first->input(1));
    const auto middle = graph.shape(node.input(0));
    for (size_t i = 0; i < s2->size(); ++i) {
      if ((*s2)[i] != 0) continue;
      if (s1 && i < s1->size() && (*s1)[i] >= 0) {
        (*s2)[i] = (*s1)[i];  // a number, or 0 again (x's dim i)
      } else if (middle && i < middle->size() && (*middle)[i] > 0) {
        (*s2)[i] = (*middle)[i];
      } else {
        return from_output_shape(graph, node);
      }
    }
    return s2;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveReshapes);

}  // namespace
}  // namespace piu::passes

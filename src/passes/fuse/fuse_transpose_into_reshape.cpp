// fuse_transpose_into_reshape: a Transpose that only moves dims of size 1 (the others keep their
// order) does not reorder any element, so it is a Reshape to its output shape. Next to a Reshape
// (it reads one, or a Reshape is its only reader) it becomes one, and fuse_consecutive_reshapes
// then merges the two, e.g. window attention with a single window:
//   Reshape -> Transpose([n, 1, 7, 1, 7, C], perm 0,1,3,2,4,5) -> Reshape   =>   Reshape
// The input's rank and its size-1 dims must be known statically. The new target copies a dynamic
// dim that stays in place (0), gives at most one other dynamic dim as -1, and static dims as numbers.
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

bool is_reshape(const NodeProto* node) { return node && node->op_type() == "Reshape" && is_onnx_domain(*node); }

class FuseTransposeIntoReshape final : public Pass {
 public:
  std::string name() const override { return "fuse_transpose_into_reshape"; }
  std::string description() const override {
    return "turn a Transpose that only moves size-1 dims, next to a Reshape, into a Reshape";
  }
  std::vector<std::string> op_types() const override { return {"Transpose"}; }

  bool match(const Graph& graph, const NodeProto& node) const override { return target(graph, node).has_value(); }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto shape = target(graph, node);
    if (!shape) return false;
    const auto n = static_cast<int64_t>(shape->size());
    const std::string name = graph.add_initializer(tensor_to_proto(Tensor::from_vector<int64_t>(*shape, {n}), ""),
                                                   node.output(0) + "_shape");
    node.set_op_type("Reshape");
    remove_attribute(node, "perm");
    graph.add_input(&node, name);
    return true;
  }

 private:
  // The Reshape target standing for `node`, or nullopt when it is not such a Transpose.
  static std::optional<std::vector<int64_t>> target(const Graph& graph, const NodeProto& node) {
    if (node.input_size() != 1 || node.output_size() != 1 || node.input(0).empty()) return std::nullopt;
    const NodeProto* producer = graph.producer(node.input(0));
    const auto readers = graph.consumers(node.output(0));
    const bool after_reshape =
        is_reshape(producer) && graph.consumers(node.input(0)).size() == 1 && !graph.is_graph_output(node.input(0));
    const bool before_reshape = readers.size() == 1 && is_reshape(readers[0]) && readers[0]->input(0) == node.output(0);
    if (!after_reshape && !before_reshape) return std::nullopt;
    const auto in = graph.shape(node.input(0));
    const auto perm = attribute_ints(node, "perm");
    if (!in || !perm || perm->size() != in->size()) return std::nullopt;
    const auto rank = static_cast<int64_t>(in->size());
    std::vector<bool> seen(rank, false);
    int64_t last_moved = -1;  // the previous non-1 input dim taken, to check the order
    std::vector<int64_t> out;
    int minus_ones = 0;
    for (int64_t i = 0; i < rank; ++i) {
      const int64_t p = (*perm)[i];
      if (p < 0 || p >= rank || seen[p]) return std::nullopt;
      seen[p] = true;
      const int64_t d = (*in)[p];
      if (d == 0) return std::nullopt;  // a 0 in a Reshape target copies a dim
      if (d != 1) {
        if (p < last_moved) return std::nullopt;  // reorders elements
        last_moved = p;
      }
      if (d >= 0) {
        out.push_back(d);
      } else if (p == i) {
        out.push_back(0);
      } else {
        out.push_back(-1);
        ++minus_ones;
      }
    }
    if (minus_ones > 1) return std::nullopt;
    return out;
  }
};

PIU_REGISTER_PASS(FuseTransposeIntoReshape);

}  // namespace
}  // namespace piu::passes

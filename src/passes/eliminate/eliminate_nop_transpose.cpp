// eliminate_nop_transpose: removes a Transpose whose perm is the identity permutation (or, with no
// perm, which reverses a tensor of rank 0 or 1); it returns its input unchanged.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopTranspose final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_transpose"; }
  std::string description() const override { return "remove Transpose nodes with the identity permutation"; }
  std::vector<std::string> op_types() const override { return {"Transpose"}; }
  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() != 1 || node.output_size() != 1 || node.input(0).empty()) return false;
    const std::optional<std::vector<int64_t>> perm = attribute_ints(node, "perm");
    if (perm && !perm->empty()) {
      for (size_t i = 0; i < perm->size(); ++i)
        if ((*perm)[i] != static_cast<int64_t>(i)) return false;
      return true;
    }
    // No perm (or an empty one): the dims are reversed, which is the identity only for rank <= 1.
    const std::optional<Shape> shape = graph.shape(node.input(0));
    return shape && shape->size() <= 1;
  }
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopTranspose);

}  // namespace
}  // namespace piu::passes

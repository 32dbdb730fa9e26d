// eliminate_nop_flatten: removes a Flatten whose input is already the 2-D shape it would produce
// (rank 2 with axis 1, or axis 0/2 over a leading/trailing dim of 1); it returns its input unchanged.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopFlatten final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_flatten"; }
  std::string description() const override { return "remove Flatten nodes that do not change the shape"; }
  std::vector<std::string> op_types() const override { return {"Flatten"}; }
  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() != 1 || node.output_size() != 1 || node.input(0).empty()) return false;
    const std::optional<Shape> shape = graph.shape(node.input(0));
    if (!shape || shape->size() != 2) return false;
    int64_t axis = attribute_int(node, "axis", 1);
    if (axis < 0) axis += 2;
    // Flatten gives (prod(dims[:axis]), prod(dims[axis:])).
    if (axis == 1) return true;
    if (axis == 0) return (*shape)[0] == 1;
    if (axis == 2) return (*shape)[1] == 1;
    return false;
  }
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopFlatten);

}  // namespace
}  // namespace piu::passes

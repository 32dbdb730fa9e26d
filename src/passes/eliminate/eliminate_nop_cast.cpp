// eliminate_nop_cast: removes a Cast to the element type its input already has; such a Cast copies
// its input unchanged. It does not fire when the input's type is unknown.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopCast final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_cast"; }
  std::string description() const override { return "remove Cast nodes to the type the input already has"; }
  std::vector<std::string> op_types() const override { return {"Cast"}; }
  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() != 1 || node.output_size() != 1 || node.input(0).empty()) return false;
    const AttributeProto* to = find_attribute(node, "to");
    if (!to) return false;
    const std::optional<int32_t> type = graph.elem_type(node.input(0));
    return type && *type != TensorProto::UNDEFINED && *type == to->i();
  }
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopCast);

}  // namespace
}  // namespace piu::passes

// eliminate_nop_pad: removes a Pad whose pads are all zero; whatever the mode and constant value,
// it returns its input unchanged. Pads must be known: an attribute before opset 11, a constant
// input from opset 11 on (the optional axes input of opset 18 only says which axes they cover).
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopPad final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_pad"; }
  std::string description() const override { return "remove Pad nodes whose pads are all zero"; }
  std::vector<std::string> op_types() const override { return {"Pad"}; }
  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() < 1 || node.output_size() != 1 || node.input(0).empty()) return false;
    std::optional<std::vector<int64_t>> pads;
    if (graph.opset() < 11) {
      pads = attribute_ints(node, graph.opset() < 2 ? "paddings" : "pads");
    } else {
      if (node.input_size() < 2 || node.input(1).empty()) return false;  // required from opset 11 on
      pads = constant_ints(graph, node.input(1));
    }
    // No pads at all (a scalar input) is left alone, as in onnxoptimizer.
    if (!pads || pads->empty()) return false;
    for (int64_t p : *pads)
      if (p != 0) return false;
    return true;
  }
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopPad);

}  // namespace
}  // namespace piu::passes

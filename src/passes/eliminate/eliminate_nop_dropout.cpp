// eliminate_nop_dropout: removes a Dropout that is the identity at inference and whose mask output
// is unused. Opset >= 12: training_mode absent or a constant false, or a constant ratio of 0;
// opsets 7-11: always (no training mode); opset < 7: is_test=1 or ratio 0.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// The single value of a constant scalar (or one-element) tensor, as a double.
std::optional<double> constant_scalar(const Graph& graph, const std::string& value) {
  const std::optional<Tensor> t = graph.constant_tensor(value);
  if (!t || t->numel() != 1) return std::nullopt;
  return element_as_double(*t, 0);
}

class EliminateNopDropout final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_dropout"; }
  std::string description() const override { return "remove Dropout nodes that are the identity at inference"; }
  std::vector<std::string> op_types() const override { return {"Dropout"}; }
  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() < 1 || node.input(0).empty() || node.output_size() < 1) return false;
    for (int i = 1; i < node.output_size(); ++i)
      if (!node.output(i).empty() && graph.use_count(node.output(i)) > 0) return false;  // the mask is read
    return is_identity(graph, node);
  }
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }

 private:
  static bool is_identity(const Graph& graph, const NodeProto& node) {
    const int64_t opset = graph.opset();
    if (opset < 7) return attribute_int(node, "is_test", 0) != 0 || attribute_float(node, "ratio", 0.5f) == 0.0f;
    if (opset < 12) return true;
    // Opset 12+: Dropout(data, ratio = 0.5, training_mode = false).
    if (node.input_size() >= 2 && !node.input(1).empty()) {
      const std::optional<double> ratio = constant_scalar(graph, node.input(1));
      if (ratio && *ratio == 0.0) return true;  // scales by 1 / (1 - 0) and drops nothing
    }
    if (node.input_size() < 3 || node.input(2).empty()) return true;
    const std::optional<double> training = constant_scalar(graph, node.input(2));
    return training && *training == 0.0;
  }
};

PIU_REGISTER_PASS(EliminateNopDropout);

}  // namespace
}  // namespace piu::passes

// eliminate_identity: removes Identity nodes; readers of the output read the input.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateIdentity final : public Pass {
 public:
  std::string name() const override { return "eliminate_identity"; }
  std::string description() const override { return "remove Identity nodes"; }
  std::vector<std::string> op_types() const override { return {"Identity"}; }
  bool match(const Graph&, const NodeProto& node) const override {
    return node.input_size() == 1 && node.output_size() == 1;
  }
  // bypass() refuses when the output is a graph output it cannot keep (e.g. Identity from a graph
  // input straight to a graph output), so graph inputs and outputs keep their names.
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateIdentity);

}  // namespace
}  // namespace piu::passes

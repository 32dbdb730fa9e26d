// eliminate_nop_concat: removes a Concat of a single input (the identity), e.g. the first layer of
// each torchvision DenseNet block. Not in the seed's list; the simplifier runs it.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopConcat final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_concat"; }
  std::string description() const override { return "remove Concat nodes with a single input"; }
  std::vector<std::string> op_types() const override { return {"Concat"}; }
  bool match(const Graph&, const NodeProto& node) const override {
    return node.input_size() == 1 && !node.input(0).empty() && node.output_size() == 1;
  }
  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopConcat);

}  // namespace
}  // namespace piu::passes

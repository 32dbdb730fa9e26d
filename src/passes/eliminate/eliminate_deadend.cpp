// eliminate_deadend: removes nodes none of whose outputs is read or is a graph output; such nodes
// cannot affect any graph output, so dropping them is safe.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateDeadEnd final : public Pass {
 public:
  std::string name() const override { return "eliminate_deadend"; }
  std::string description() const override { return "remove nodes whose outputs are never used"; }

  // Walks the nodes backwards, so a chain of dead nodes goes in one run: once a node's readers are
  // gone, the node itself is dead when the walk reaches it.
  int run(Graph& graph) const override {
    int removed = 0;
    const std::vector<NodeProto*> nodes = graph.nodes();
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
      NodeProto* node = *it;
      bool used = false;
      for (const auto& output : node->output()) used = used || (!output.empty() && graph.use_count(output) > 0);
      if (used) continue;
      graph.remove_node(node);
      ++removed;
    }
    return removed;
  }
};

PIU_REGISTER_PASS(EliminateDeadEnd);

}  // namespace
}  // namespace piu::passes

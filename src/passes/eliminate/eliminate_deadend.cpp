// eliminate_deadend: removes nodes none of whose outputs is read or is a graph output; such nodes
// cannot affect any graph output, so dropping them is safe.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateDeadEnd final : public Pass {
 public:
  std::string name() const override { return "eliminate_deadend"; }
  std::string description() const override { return "remove nodes whose outputs are never used"; }

  // Graph::remove_dead_nodes walks the nodes backwards, so a chain of dead nodes goes in one run.
  int run(Graph& graph) const override { return static_cast<int>(graph.remove_dead_nodes()); }
};

PIU_REGISTER_PASS(EliminateDeadEnd);

}  // namespace
}  // namespace piu::passes

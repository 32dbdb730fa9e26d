// eliminate_unused_initializer: removes initializers that no node reads (subgraph references
// included) and that are not graph outputs; nothing can observe them, so the model is unchanged.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateUnusedInitializer final : public Pass {
 public:
  std::string name() const override { return "eliminate_unused_initializer"; }
  std::string description() const override { return "remove initializers that nothing reads"; }

  // An unused initializer that is also listed as a graph input (IR < 4 style) loses that input
  // entry too, as in onnxoptimizer.
  int run(Graph& graph) const override {
    std::vector<std::string> unused;
    for (const auto& t : graph.proto().initializer())
      if (graph.use_count(t.name()) == 0) unused.push_back(t.name());
    for (const std::string& name : unused) graph.remove_initializer(name);
    return static_cast<int>(unused.size());
  }
};

PIU_REGISTER_PASS(EliminateUnusedInitializer);

}  // namespace
}  // namespace piu::passes

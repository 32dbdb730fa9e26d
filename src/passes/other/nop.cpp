// nop: does nothing. It exists because the seed's pass list names it (onnxoptimizer's "nop");
// running it only validates the graph, as every pass run does, and changes nothing.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class Nop final : public Pass {
 public:
  std::string name() const override { return "nop"; }
  std::string description() const override { return "do nothing (kept for the seed's pass list)"; }
  int run(Graph&) const override { return 0; }
};

PIU_REGISTER_PASS(Nop);

}  // namespace
}  // namespace piu::passes

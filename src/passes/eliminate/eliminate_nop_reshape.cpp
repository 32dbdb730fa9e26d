// eliminate_nop_reshape: removes a Reshape whose output has its input's shape, e.g. Reshape(x
// [n, 196, 64], [0, 196, 64]) or a view back to the shape a tensor already has. A Reshape keeps the
// elements in order, so same shape means same tensor. The target must be a constant of the input's
// rank; each entry must provably copy its dim: 0 (without allowzero), a number equal to a static
// dim, or the output's dim i known equal to the input's (same static size, or the same dim_param
// from shape inference, which names equal sizes alike). A -1 entry is then the one remaining dim.
// Not in the seed's list; the simplifier runs it.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopReshape final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_reshape"; }
  std::string description() const override { return "remove Reshape nodes whose output has their input's shape"; }
  std::vector<std::string> op_types() const override { return {"Reshape"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() != 2 || node.output_size() != 1 || node.input(0).empty()) return false;
    const auto target = constant_ints(graph, node.input(1));
    const auto in = graph.shape(node.input(0));
    if (!target || !in || target->size() != in->size()) return false;
    const bool allowzero = attribute_int(node, "allowzero", 0) != 0;
    const auto out = graph.shape(node.output(0));
    const auto in_params = graph.dim_params(node.input(0));
    const auto out_params = graph.dim_params(node.output(0));
    int unresolved = 0;  // entries not shown to copy their dim: at most one, and only a -1
    for (size_t i = 0; i < target->size(); ++i) {
      const int64_t t = (*target)[i];
      const int64_t dim = (*in)[i];
      if (t == 0 && !allowzero) continue;
      if (t > 0 && t == dim) continue;
      if (t < -1 || (t >= 0 && dim >= 0)) return false;  // a different number
      // t is -1, or a number where the input's dim is dynamic: compare the output's dim i.
      const bool same_static = out && out->size() == in->size() && dim >= 0 && (*out)[i] == dim;
      const bool same_param = in_params && out_params && out_params->size() == in_params->size() &&
                              !(*in_params)[i].empty() && (*in_params)[i] == (*out_params)[i];
      if (same_static || same_param) continue;
      if (t != -1) return false;
      ++unresolved;
    }
    // With every other dim copied, a single -1 is the remaining dim (same element count).
    return unresolved <= 1;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopReshape);

}  // namespace
}  // namespace piu::passes

// eliminate_nop_slice: removes a Slice that keeps every element in order, e.g. the untouched axes
// of `x[:, :n, :, :]`, which exporters write as one Slice per axis (start 0, end INT64_MAX, step 1).
// An axis is kept whole when its step is 1, its start is 0 (or at most -dim, which clamps to 0) and
// its end is INT64_MAX or at least the dim. Bounds must be constants; a dim must be static (from
// shape inference) unless the bounds are 0 and INT64_MAX, so a dynamic dim never decides anything.
// Opset 10 and later (bounds as inputs). Not in the seed's list; the simplifier runs it.
#include <cstdint>
#include <limits>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopSlice final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_slice"; }
  std::string description() const override { return "remove Slice nodes that keep every element of their input"; }
  std::vector<std::string> op_types() const override { return {"Slice"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    if (graph.opset() < 10 || node.input_size() < 3 || node.output_size() != 1 || node.input(0).empty()) return false;
    const auto starts = constant_ints(graph, node.input(1));
    const auto ends = constant_ints(graph, node.input(2));
    if (!starts || !ends || starts->size() != ends->size()) return false;
    const size_t n = starts->size();
    std::vector<int64_t> axes(n), steps(n, 1);
    for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
    if (node.input_size() > 3 && !node.input(3).empty()) {
      auto a = constant_ints(graph, node.input(3));
      if (!a || a->size() != n) return false;
      axes = *a;
    }
    if (node.input_size() > 4 && !node.input(4).empty()) {
      auto s = constant_ints(graph, node.input(4));
      if (!s || s->size() != n) return false;
      steps = *s;
    }
    const auto shape = graph.shape(node.input(0));
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < n; ++i) {
      if (steps[i] != 1) return false;
      const int64_t start = (*starts)[i], end = (*ends)[i];
      if (start == 0 && end == kMax) continue;  // whole axis whatever its size
      if (!shape) return false;
      const auto rank = static_cast<int64_t>(shape->size());
      const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (axis < 0 || axis >= rank) return false;
      const int64_t dim = (*shape)[axis];
      if (dim < 0) return false;  // dynamic: bounds other than 0..INT64_MAX may cut it
      if (!(start == 0 || start <= -dim) || end < dim) return false;
    }
    return true;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override { return graph.bypass(&node); }
};

PIU_REGISTER_PASS(EliminateNopSlice);

}  // namespace
}  // namespace piu::passes

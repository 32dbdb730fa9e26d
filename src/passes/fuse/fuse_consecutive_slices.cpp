// fuse_consecutive_slices: Slice(Slice(x, s1, e1, a1, p1), s2, e2, a2, p2) becomes one
// Slice(x, s1+s2, e1+e2, a1+a2, p1+p2) (lists concatenated) when the two slice distinct axes: each
// axis is then cut once, by the same bounds, and slicing one axis never moves the elements of
// another, so the order of the cuts does not matter. Exporters write `x[:, a:b, c:d]` as one Slice
// per axis. Bounds must be constants; negative axes need the known rank of x to tell them apart.
// The first Slice's output must be read by the second only. Opset 10 and later.
#include <algorithm>
#include <optional>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

struct SliceBounds {
  std::vector<int64_t> starts, ends, axes, steps;
};

// The constant bounds of a Slice (axes made non-negative with `rank` when known), or nullopt.
std::optional<SliceBounds> bounds_of(const Graph& graph, const NodeProto& node, std::optional<int64_t> rank) {
  if (node.input_size() < 3 || node.input_size() > 5 || node.output_size() != 1 || node.input(0).empty())
    return std::nullopt;
  SliceBounds b;
  auto starts = constant_ints(graph, node.input(1));
  auto ends = constant_ints(graph, node.input(2));
  if (!starts || !ends || starts->size() != ends->size() || starts->empty()) return std::nullopt;
  b.starts = *starts;
  b.ends = *ends;
  const size_t n = b.starts.size();
  for (size_t i = 0; i < n; ++i) b.axes.push_back(static_cast<int64_t>(i));
  b.steps.assign(n, 1);
  if (node.input_size() > 3 && !node.input(3).empty()) {
    auto a = constant_ints(graph, node.input(3));
    if (!a || a->size() != n) return std::nullopt;
    b.axes = *a;
  }
  if (node.input_size() > 4 && !node.input(4).empty()) {
    auto s = constant_ints(graph, node.input(4));
    if (!s || s->size() != n) return std::nullopt;
    b.steps = *s;
  }
  for (auto& axis : b.axes) {
    if (axis >= 0) continue;
    if (!rank) return std::nullopt;
    axis += *rank;
    if (axis < 0) return std::nullopt;
  }
  return b;
}

class FuseConsecutiveSlices final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_slices"; }
  std::string description() const override { return "fuse two consecutive Slice nodes on distinct axes into one"; }
  std::vector<std::string> op_types() const override { return {"Slice"}; }

  bool match(const Graph& graph, const NodeProto& node) const override { return fused(graph, node).has_value(); }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto b = fused(graph, node);
    if (!b) return false;
    NodeProto* first = graph.producer(node.input(0));
    const std::string source = first->input(0);
    const auto n = static_cast<int64_t>(b->starts.size());
    auto add = [&](const std::vector<int64_t>& values, const char* what) {
      return graph.add_initializer(tensor_to_proto(Tensor::from_vector<int64_t>(values, {n}), ""),
                                   node.output(0) + "_" + what);
    };
    const std::string starts = add(b->starts, "starts"), ends = add(b->ends, "ends");
    const std::string axes = add(b->axes, "axes"), steps = add(b->steps, "steps");
    const std::vector<std::string> old(node.input().begin() + 1, node.input().end());
    while (node.input_size() < 5) graph.add_input(&node, "");
    graph.set_input(&node, 0, source);
    graph.set_input(&node, 1, starts);
    graph.set_input(&node, 2, ends);
    graph.set_input(&node, 3, axes);
    graph.set_input(&node, 4, steps);
    std::vector<std::string> unused(old);
    unused.insert(unused.end(), first->input().begin() + 1, first->input().end());
    graph.remove_node(first);
    graph.remove_unused_initializers(unused);
    return true;
  }

 private:
  // The merged bounds, or nullopt when `node` is not the second of two fusable Slices.
  static std::optional<SliceBounds> fused(const Graph& graph, const NodeProto& node) {
    if (graph.opset() < 10 || node.input_size() < 3 || node.input(0).empty()) return std::nullopt;
    const NodeProto* first = graph.producer(node.input(0));
    if (!first || first->op_type() != "Slice" || !is_onnx_domain(*first)) return std::nullopt;
    const auto readers = graph.consumers(node.input(0));
    if (graph.is_graph_output(node.input(0)) || readers.size() != 1 || readers[0] != &node) return std::nullopt;
    std::optional<int64_t> rank;
    if (auto s = graph.shape(first->input(0))) rank = static_cast<int64_t>(s->size());
    auto b1 = bounds_of(graph, *first, rank);
    auto b2 = bounds_of(graph, node, rank);
    if (!b1 || !b2) return std::nullopt;
    for (int64_t axis : b2->axes)
      if (std::find(b1->axes.begin(), b1->axes.end(), axis) != b1->axes.end()) return std::nullopt;
    for (auto list : {&SliceBounds::starts, &SliceBounds::ends, &SliceBounds::axes, &SliceBounds::steps})
      ((*b1).*list).insert(((*b1).*list).end(), ((*b2).*list).begin(), ((*b2).*list).end());
    return b1;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveSlices);

}  // namespace
}  // namespace piu::passes

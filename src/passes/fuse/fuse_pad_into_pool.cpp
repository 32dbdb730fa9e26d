// fuse_pad_into_pool: folds a zero-padding Pad into the `pads` of the AveragePool it feeds.
//
//   AveragePool(Pad(X, pads))  ->  AveragePool(X) with the Pad's spatial pads added, count_include_pad=1
//
// An AveragePool that counts its padding averages over zeros exactly as it averages over a Pad's
// zeros, so a constant-mode Pad with value 0 of the spatial axes only, by non-negative amounts,
// becomes pool padding. Holds when the pool's own padding (if any) is counted already
// (count_include_pad=1), auto_pad is NOTSET, ceil_mode is 0 (ceil mode treats a window over
// padding differently from one over data), and every merged pad stays smaller than the kernel (the
// runtimes' limit). MaxPool is left alone: it pads with -inf, not 0. torchvision's Inception-v3
// exports each `avg_pool2d(padding=1, count_include_pad=True)` as this Pad + AveragePool pair.
// The Pad's output must be read by the pool alone and not be a graph output; the Pad is left dead.
#include "passes/fuse/zero_pad.hpp"
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class FusePadIntoPool final : public Pass {
 public:
  std::string name() const override { return "fuse_pad_into_pool"; }
  std::string description() const override {
    return "fold a zero Pad of the spatial axes into the following AveragePool (counting padding)";
  }
  std::vector<std::string> op_types() const override { return {"AveragePool"}; }

  bool match(const Graph& graph, const NodeProto& pool) const override {
    if (pool.input_size() < 1 || pool.input(0).empty()) return false;
    if (attribute_string(pool, "auto_pad", "NOTSET") != "NOTSET" || attribute_int(pool, "ceil_mode", 0) != 0)
      return false;
    const NodeProto* pad = graph.producer(pool.input(0));
    if (!pad || pad->op_type() != "Pad" || !is_onnx_domain(*pad) || pad->input_size() < 1) return false;
    if (graph.is_graph_output(pool.input(0))) return false;
    const auto readers = graph.consumers(pool.input(0));
    return readers.size() == 1 && readers[0] == &pool;
  }

  bool rewrite(Graph& graph, NodeProto& pool) const override {
    NodeProto* pad = graph.producer(pool.input(0));
    const auto kernel = attribute_ints(pool, "kernel_shape");
    if (!kernel) return false;
    const size_t spatial = kernel->size(), rank = spatial + 2;
    const auto pads = zero_pad_amounts(graph, *pad, "");
    if (!pads || pads->size() != 2 * rank) return false;
    for (int64_t v : *pads)
      if (v < 0) return false;
    if ((*pads)[0] != 0 || (*pads)[1] != 0 || (*pads)[rank] != 0 || (*pads)[rank + 1] != 0) return false;
    std::vector<int64_t> pool_pads = attribute_ints(pool, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
    if (pool_pads.size() != 2 * spatial) return false;
    bool pool_pads_any = false;
    for (int64_t v : pool_pads) pool_pads_any = pool_pads_any || v != 0;
    if (pool_pads_any && attribute_int(pool, "count_include_pad", 0) != 1) return false;
    for (size_t j = 0; j < spatial; ++j) {
      pool_pads[j] += (*pads)[2 + j];
      pool_pads[spatial + j] += (*pads)[rank + 2 + j];
      if (pool_pads[j] >= (*kernel)[j] || pool_pads[spatial + j] >= (*kernel)[j]) return false;
    }
    set_attribute(pool, "pads", pool_pads);
    set_attribute(pool, "count_include_pad", int64_t{1});
    graph.set_input(&pool, 0, pad->input(0));  // the Pad is now dead; the driver deletes it
    return true;
  }
};

PIU_REGISTER_PASS(FusePadIntoPool);

}  // namespace
}  // namespace piu::passes

// fuse_pad_into_conv: folds a zero-padding Pad into the `pads` attribute of the Conv it feeds.
//
//   Conv(Pad(X, pads), W)  ->  Conv(X, W) with the Pad's spatial pads added to the Conv's pads
//
// Safe because Conv pads its input with zeros, so a constant-mode Pad with value 0 that pads only
// spatial axes (not batch or channels), by non-negative amounts, is the same as Conv padding. ONNX
// lays both out as [x1_begin, x2_begin, ..., x1_end, x2_end]; the Pad's lists also cover axes 0 and
// 1. It only fires when the pads (and the value and axes, when given) are known: attributes below
// opset 11 (`paddings` below opset 2), constant inputs from opset 11 on, where a non-constant input
// refuses the rewrite; the opset 18 `axes` input is expanded to all axes, which needs the rank. The
// Conv's auto_pad must be NOTSET or absent, and the Pad's output must be read by the Conv alone (as
// its data input) and not be a graph output.
// The Pad is left dead for the driver to delete.
#include <algorithm>

#include "passes/fuse/zero_pad.hpp"
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class FusePadIntoConv final : public Pass {
 public:
  std::string name() const override { return "fuse_pad_into_conv"; }
  std::string description() const override { return "fold a zero Pad of the spatial axes into the following Conv"; }
  std::vector<std::string> op_types() const override { return {"Conv"}; }

  bool match(const Graph& graph, const NodeProto& conv) const override {
    if (conv.input_size() < 2 || conv.input(0).empty()) return false;
    if (attribute_string(conv, "auto_pad", "NOTSET") != "NOTSET") return false;
    const NodeProto* pad = graph.producer(conv.input(0));
    if (!pad || pad->op_type() != "Pad" || !is_onnx_domain(*pad) || pad->input_size() < 1) return false;
    if (attribute_string(*pad, "mode", "constant") != "constant") return false;
    const std::string& p = conv.input(0);
    if (graph.is_graph_output(p)) return false;
    for (int i = 1; i < conv.input_size(); ++i)
      if (conv.input(i) == p) return false;
    const auto readers = graph.consumers(p);
    return readers.size() == 1 && readers[0] == &conv;
  }

  bool rewrite(Graph& graph, NodeProto& conv) const override {
    NodeProto* pad = graph.producer(conv.input(0));
    const auto pads = zero_pad_amounts(graph, *pad, conv.input(1));  // W has the input's rank
    if (!pads || pads->size() % 2 != 0 || pads->size() < 6) return false;
    const size_t rank = pads->size() / 2;
    if (const auto w_shape = graph.shape(conv.input(1)); w_shape && w_shape->size() != rank) return false;
    if (std::any_of(pads->begin(), pads->end(), [](int64_t v) { return v < 0; })) return false;
    if ((*pads)[0] != 0 || (*pads)[1] != 0 || (*pads)[rank] != 0 || (*pads)[rank + 1] != 0) return false;
    const size_t spatial = rank - 2;
    std::vector<int64_t> conv_pads = attribute_ints(conv, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
    if (conv_pads.size() != 2 * spatial) return false;
    for (size_t j = 0; j < spatial; ++j) {
      conv_pads[j] += (*pads)[2 + j];
      conv_pads[spatial + j] += (*pads)[rank + 2 + j];
    }

    set_attribute(conv, "pads", conv_pads);
    graph.set_input(&conv, 0, pad->input(0));  // the Pad is now dead; the driver deletes it
    return true;
  }
};

PIU_REGISTER_PASS(FusePadIntoConv);

}  // namespace
}  // namespace piu::passes

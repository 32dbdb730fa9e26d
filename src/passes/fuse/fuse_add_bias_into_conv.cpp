// fuse_add_bias_into_conv: turns Add(Conv(X, W), B) into Conv(X, W, B') when B is a constant
// that varies only along the channel axis of the Conv's output. ConvTranspose the same way (its
// bias input is per output channel too; M is then W's dim 1 times group).
//
// Safe because Conv's bias input adds B'[m] to every element of output channel m, which is exactly
// what the Add computes when B, broadcast against the Conv's output [N, M, d1, ...], has all its
// dims 1 except possibly the one that lands on axis 1 (which must be M): shapes such as [M, 1, 1],
// [1, M, 1, 1] or a one-element B. Broadcasting aligns trailing dims, so a [M] bias against a 4-D
// output varies along the last axis, not the channels, and is refused. B' is a new [M] initializer
// (B itself when it already is a [M] initializer of this graph). Opset < 7 Adds use the legacy
// `broadcast`/`axis` attributes, which are followed. It only fires when the Conv has no bias yet,
// W's shape is known, and the Conv's output is read by the Add alone and is not a graph output.
// The Conv then produces the Add's output name, so graph outputs keep their names.
#include <cstring>

#include "passes/fuse/conv_weight.hpp"
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class FuseAddBiasIntoConv final : public Pass {
 public:
  std::string name() const override { return "fuse_add_bias_into_conv"; }
  std::string description() const override {
    return "turn an Add of a per-channel constant after a Conv into its bias";
  }
  std::vector<std::string> op_types() const override { return {"Conv", "ConvTranspose"}; }

  bool match(const Graph& graph, const NodeProto& conv) const override {
    const bool no_bias = conv.input_size() == 2 || (conv.input_size() == 3 && conv.input(2).empty());
    if (!no_bias || conv.output_size() != 1 || conv.output(0).empty()) return false;
    const std::string& y = conv.output(0);
    if (graph.is_graph_output(y)) return false;
    const auto readers = graph.consumers(y);
    if (readers.size() != 1) return false;
    const NodeProto& add = *readers[0];
    return add.op_type() == "Add" && is_onnx_domain(add) && add.input_size() == 2 && add.output_size() == 1 &&
           (add.input(0) == y) != (add.input(1) == y);
  }

  bool rewrite(Graph& graph, NodeProto& conv) const override {
    const std::string y = conv.output(0);
    NodeProto* add = graph.consumers(y)[0];
    const int conv_slot = add->input(0) == y ? 0 : 1;
    const std::string bias_name = add->input(1 - conv_slot);

    const auto w_shape = graph.shape(conv.input(1));
    const int64_t channels = w_shape ? conv_output_channels(conv, *w_shape) : 0;
    if (channels <= 0) return false;
    const int64_t rank = static_cast<int64_t>(w_shape->size());  // the Conv output's rank
    const auto bias = graph.constant_tensor(bias_name);
    if (!bias) return false;
    if (const auto w_type = graph.elem_type(conv.input(1)); !w_type || *w_type != dtype_to_onnx(bias->dtype()))
      return false;

    // Where the bias's dims land on the Conv output's axes.
    const int64_t bias_rank = static_cast<int64_t>(bias->rank());
    int64_t offset = rank - bias_rank;
    if (graph.opset() < 7) {
      // Legacy broadcasting: B (the second operand) is aligned at `axis`, or at the end.
      if (conv_slot != 0) return false;
      if (attribute_int(*add, "broadcast", 0) != 0 && find_attribute(*add, "axis")) {
        offset = attribute_int(*add, "axis", 0);
        if (offset < 0) offset += rank;
      }
    }
    if (offset < 0 || offset + bias_rank > rank) return false;
    bool per_channel = false;
    for (int64_t j = 0; j < bias_rank; ++j) {
      const int64_t d = bias->dim(j);
      if (d == 1) continue;
      if (offset + j != 1 || d != channels) return false;
      per_channel = true;
    }

    // The [M] bias: B itself when it already is one of this graph's initializers, else a new one.
    std::string new_bias = bias_name;
    if (!(bias_rank == 1 && per_channel && graph.is_initializer(bias_name))) {
      Tensor t = Tensor::zeros(bias->dtype(), {channels});
      const size_t size = dtype_size(bias->dtype());
      const auto* src = static_cast<const unsigned char*>(bias->data());
      auto* dst = static_cast<unsigned char*>(t.data());
      for (int64_t c = 0; c < channels; ++c) std::memcpy(dst + c * size, src + (per_channel ? c * size : 0), size);
      new_bias = graph.add_initializer(tensor_to_proto(t, ""), bias_name + "_conv_bias");
    }

    const std::string out = add->output(0);
    graph.remove_node(add);
    if (conv.input_size() == 3)
      graph.set_input(&conv, 2, new_bias);
    else
      graph.add_input(&conv, new_bias);
    graph.set_output(&conv, 0, out);
    graph.remove_unused_initializers({bias_name});
    return true;
  }
};

PIU_REGISTER_PASS(FuseAddBiasIntoConv);

}  // namespace
}  // namespace piu::passes

// fuse_mul_into_conv: folds a per-output-channel (or scalar) constant scale into the Conv (or
// ConvTranspose) that feeds it, e.g. the layer scales of MetaFormer blocks:
//
//   Y = Conv(X, W, B) * s  ->  Y = Conv(X, W', B')   with W'[m] = W[m] * s[m], B' = B * s
//
// Safe because Conv is linear in W and B per output channel (see conv_weight.hpp for how
// ConvTranspose's W maps to output channels). s broadcasts against the output [N, M, spatial...]:
// it must be constant, of W's float type, of rank at most the output's, and every dim of it 1 but
// the one aligned with M, which is M or 1 (one element: a scalar scale). The Conv's output must be
// read by the Mul alone and be no graph output; W and B must be constants. New initializers hold
// W' and B' (computed in double); the originals are never edited, since other nodes may share them.
#include <cmath>

#include "passes/fuse/conv_weight.hpp"
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class FuseMulIntoConv final : public Pass {
 public:
  std::string name() const override { return "fuse_mul_into_conv"; }
  std::string description() const override {
    return "fold a per-channel constant Mul after a Conv into the Conv's weights and bias";
  }
  std::vector<std::string> op_types() const override { return {"Mul"}; }

  bool match(const Graph& graph, const NodeProto& mul) const override { return conv_side(graph, mul) >= 0; }

  bool rewrite(Graph& graph, NodeProto& mul) const override {
    const int side = conv_side(graph, mul);
    if (side < 0) return false;
    NodeProto* conv = graph.producer(mul.input(side));
    const std::string scale_name = mul.input(1 - side);
    const auto w = graph.constant_tensor(conv->input(1));
    const auto s = graph.constant_tensor(scale_name);
    if (!w || !s || (w->dtype() != DType::kFloat32 && w->dtype() != DType::kFloat16 && w->dtype() != DType::kFloat64) ||
        s->dtype() != w->dtype())
      return false;
    const int64_t channels = conv_output_channels(*conv, w->shape());
    const auto out_rank = static_cast<int64_t>(w->shape().size());  // the Conv's output has W's rank
    const auto s_rank = static_cast<int64_t>(s->rank());
    if (channels <= 0 || s_rank > out_rank) return false;
    // s's dims, right-aligned against [N, M, spatial...]: 1 everywhere but at M (M or 1).
    const int64_t channel_dim = s_rank - (out_rank - 1);  // index in s of the dim aligned with M
    for (int64_t i = 0; i < s_rank; ++i) {
      const int64_t d = s->shape()[i];
      if (d != 1 && !(i == channel_dim && d == channels)) return false;
    }
    const bool per_channel = s->numel() == channels && channels != 1;
    auto factor = [&](int64_t c) { return element_as_double(*s, per_channel ? c : 0); };
    for (int64_t i = 0; i < s->numel(); ++i)  // inf * 0 would differ: NaN in W' where Y had inf or 0
      if (!std::isfinite(element_as_double(*s, i))) return false;
    const bool has_bias = conv->input_size() >= 3 && !conv->input(2).empty();
    std::optional<Tensor> b;
    if (has_bias) {
      b = graph.constant_tensor(conv->input(2));
      if (!b || b->rank() != 1 || b->numel() != channels || b->dtype() != w->dtype()) return false;
    }
    Tensor new_w = Tensor::zeros(w->dtype(), w->shape());
    for (int64_t i = 0; i < w->numel(); ++i)
      store_float(new_w, i, element_as_double(*w, i) * factor(conv_output_channel_of(*conv, w->shape(), i)));
    std::optional<Tensor> new_b;
    if (has_bias) {
      new_b = Tensor::zeros(w->dtype(), {channels});
      for (int64_t c = 0; c < channels; ++c) store_float(*new_b, c, element_as_double(*b, c) * factor(c));
    }
    // Edits.
    const std::vector<std::string> old_values = {conv->input(1), has_bias ? conv->input(2) : std::string(), scale_name};
    graph.set_input(conv, 1, graph.add_initializer(tensor_to_proto(new_w, ""), conv->input(1) + "_scaled"));
    if (new_b) graph.set_input(conv, 2, graph.add_initializer(tensor_to_proto(*new_b, ""), conv->input(2) + "_scaled"));
    const std::string out = mul.output(0);
    graph.remove_node(&mul);
    graph.set_output(conv, 0, out);
    graph.remove_unused_initializers(old_values);
    return true;
  }

 private:
  // The input of `mul` that a fusable Conv produces (0 or 1), or -1.
  static int conv_side(const Graph& graph, const NodeProto& mul) {
    if (mul.input_size() != 2 || mul.output_size() != 1 || mul.output(0).empty()) return -1;
    for (int side = 0; side < 2; ++side) {
      const NodeProto* conv = graph.producer(mul.input(side));
      if (!conv || !is_conv_with_bias_input(*conv) || conv->output_size() != 1 || conv->input_size() < 2 ||
          conv->input(1).empty() || !graph.constant(conv->input(1)) || !graph.constant(mul.input(1 - side)))
        continue;
      const std::string& y = conv->output(0);
      if (graph.is_graph_output(y) || mul.input(1 - side) == y) continue;
      const auto readers = graph.consumers(y);
      if (readers.size() == 1 && readers[0] == &mul) return side;
    }
    return -1;
  }
};

PIU_REGISTER_PASS(FuseMulIntoConv);

}  // namespace
}  // namespace piu::passes

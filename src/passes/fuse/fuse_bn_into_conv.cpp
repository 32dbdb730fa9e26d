// fuse_bn_into_conv: folds an inference-mode BatchNormalization into the Conv that feeds it.
//
//   Y = BN(Conv(X, W, B))  ->  Y = Conv(X, W', B')
//   s = scale / sqrt(var + epsilon);  W'[m] = W[m] * s[m];  B' = (B - mean) * s + bias
//
// Safe because inference-mode BN is a per-output-channel affine map, and Conv is linear in W and B
// per output channel (dim 0 of W, for any group count). ConvTranspose likewise: its W is
// [C, M/group, k...], and element (c, j, ...) feeds output channel (c / (C/group)) * M/group + j.
// It only fires when:
//  - the BN is in inference form: only output 0 is used; training_mode is 0 (opset >= 14);
//    is_test is set (opset < 7, where is_test = 0 means training); spatial = 1 (opset < 9);
//  - W, the optional B and the four BN parameters are constants of matching sizes, and W is
//    float32, float16 or float64 (the types Conv takes);
//  - the Conv's output is read by the BN alone and is not a graph output.
// The folded values are computed in double and stored as new initializers in W's dtype: the
// original tensors are never edited, since other nodes may share them. The Conv then produces the
// BN's output name, so graph outputs keep their names. Initializers of this graph that only the
// fused nodes read (and that are not graph inputs) are removed.
#include <cmath>
#include <cstring>

#include "passes/fuse/conv_weight.hpp"
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

bool is_conv_weight_type(DType t) { return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kFloat64; }

class FuseBnIntoConv final : public Pass {
 public:
  std::string name() const override { return "fuse_bn_into_conv"; }
  std::string description() const override {
    return "fold an inference BatchNormalization into the preceding Conv's weights and bias";
  }
  std::vector<std::string> op_types() const override { return {"BatchNormalization"}; }

  bool match(const Graph& graph, const NodeProto& bn) const override {
    if (bn.input_size() < 5 || bn.output_size() < 1 || bn.output(0).empty()) return false;
    for (int i = 0; i < 5; ++i)
      if (bn.input(i).empty()) return false;
    const NodeProto* conv = graph.producer(bn.input(0));
    if (!conv || !is_conv_with_bias_input(*conv) || conv->output_size() != 1) return false;
    // Inference form only.
    const int64_t opset = graph.opset();
    if (opset >= 14 && attribute_int(bn, "training_mode", 0) != 0) return false;
    if (opset < 7 && attribute_int(bn, "is_test", 0) == 0) return false;
    if (opset < 9 && attribute_int(bn, "spatial", 1) != 1) return false;
    for (int i = 1; i < bn.output_size(); ++i)
      if (!bn.output(i).empty() && graph.use_count(bn.output(i)) > 0) return false;
    // The Conv's output feeds this BN alone.
    const std::string& y = conv->output(0);
    if (graph.is_graph_output(y)) return false;
    const auto readers = graph.consumers(y);
    return readers.size() == 1 && readers[0] == &bn;
  }

  bool rewrite(Graph& graph, NodeProto& bn) const override {
    NodeProto* conv = graph.producer(bn.input(0));
    if (conv->input_size() < 2 || conv->input(1).empty()) return false;
    for (int i = 1; i < 5; ++i)
      if (bn.input(i) == conv->output(0)) return false;

    // Everything is checked and computed before the first edit.
    const auto w = graph.constant_tensor(conv->input(1));
    if (!w || !is_conv_weight_type(w->dtype())) return false;
    const int64_t channels = conv_output_channels(*conv, w->shape());
    if (channels <= 0) return false;
    const bool has_bias = conv->input_size() >= 3 && !conv->input(2).empty();
    std::optional<Tensor> b;
    if (has_bias) {
      b = graph.constant_tensor(conv->input(2));
      if (!b || b->rank() != 1 || b->numel() != channels || !is_floating(b->dtype())) return false;
    }
    std::vector<Tensor> params;  // scale, bias, mean, var
    for (int i = 1; i < 5; ++i) {
      auto t = graph.constant_tensor(bn.input(i));
      if (!t || t->rank() != 1 || t->numel() != channels || !is_floating(t->dtype())) return false;
      params.push_back(std::move(*t));
    }
    const double epsilon = attribute_float(bn, "epsilon", 1e-5f);

    std::vector<double> factor(channels);
    Tensor new_b = Tensor::zeros(w->dtype(), {channels});
    for (int64_t c = 0; c < channels; ++c) {
      const double scale = element_as_double(params[0], c), shift = element_as_double(params[1], c);
      const double mean = element_as_double(params[2], c), var = element_as_double(params[3], c);
      factor[c] = scale / std::sqrt(var + epsilon);
      const double bias = has_bias ? element_as_double(*b, c) : 0.0;
      const double folded = (bias - mean) * factor[c] + shift;
      if (!std::isfinite(factor[c]) || !std::isfinite(folded)) return false;
      store_float(new_b, c, folded);
    }
    Tensor new_w = Tensor::zeros(w->dtype(), w->shape());
    for (int64_t i = 0; i < w->numel(); ++i)
      store_float(new_w, i, element_as_double(*w, i) * factor[conv_output_channel_of(*conv, w->shape(), i)]);

    // Edits.
    std::vector<std::string> old_values = {conv->input(1), has_bias ? conv->input(2) : std::string()};
    for (int i = 1; i < 5; ++i) old_values.push_back(bn.input(i));
    const std::string w_name = graph.add_initializer(tensor_to_proto(new_w, ""), conv->input(1) + "_bn");
    const std::string b_name =
        graph.add_initializer(tensor_to_proto(new_b, ""), (has_bias ? conv->input(2) : conv->input(1)) + "_bn_bias");
    graph.set_input(conv, 1, w_name);
    if (conv->input_size() >= 3)
      graph.set_input(conv, 2, b_name);
    else
      graph.add_input(conv, b_name);
    const std::string out = bn.output(0);
    graph.remove_node(&bn);
    graph.set_output(conv, 0, out);
    graph.remove_unused_initializers(old_values);
    return true;
  }
};

PIU_REGISTER_PASS(FuseBnIntoConv);

}  // namespace
}  // namespace piu::passes

// Output channels of Conv and ConvTranspose weights, for the passes that fold per-channel
// constants into them (fuse_add_bias_into_conv, fuse_bn_into_conv).
#pragma once

#include <cstdint>

#include "passes/graph.hpp"

namespace piu::passes {

// True for the ops whose bias input adds one value per output channel: Conv, ConvTranspose.
inline bool is_conv_with_bias_input(const NodeProto& node) {
  return is_onnx_domain(node) && (node.op_type() == "Conv" || node.op_type() == "ConvTranspose");
}

// Output channels M of a Conv (W is [M, C/group, k...]) or a ConvTranspose (W is
// [C, M/group, k...]); 0 when W's shape does not say (rank < 3, unknown dims).
inline int64_t conv_output_channels(const NodeProto& conv, const Shape& w_shape) {
  if (w_shape.size() < 3) return 0;
  if (conv.op_type() != "ConvTranspose") return w_shape[0] > 0 ? w_shape[0] : 0;
  const int64_t group = attribute_int(conv, "group", 1);
  if (group < 1 || w_shape[0] <= 0 || w_shape[1] <= 0 || w_shape[0] % group != 0) return 0;
  return w_shape[1] * group;
}

// The output channel that element `index` (row-major) of W contributes to.
inline int64_t conv_output_channel_of(const NodeProto& conv, const Shape& w_shape, int64_t index) {
  int64_t kernel = 1;
  for (size_t i = 2; i < w_shape.size(); ++i) kernel *= w_shape[i];
  if (conv.op_type() != "ConvTranspose") return index / (kernel * w_shape[1]);
  // ConvTranspose: input channel c of group c / (C/group) feeds that group's M/group outputs.
  const int64_t group = attribute_int(conv, "group", 1);
  const int64_t per_group_out = w_shape[1];
  const int64_t c = index / (kernel * per_group_out);
  const int64_t j = (index / kernel) % per_group_out;
  return (c / (w_shape[0] / group)) * per_group_out + j;
}

}  // namespace piu::passes

// Reading the amounts of a zero Pad, for the passes that fold one into the op it feeds
// (fuse_pad_into_conv, fuse_pad_into_pool).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "passes/graph.hpp"

namespace piu::passes {

// The amounts of a zero-value constant-mode Pad over all axes of its input ([x1_begin, ...,
// x1_end, ...]), or nullopt when they are unknown, the value is not 0, or the form is unsupported.
// Pads given as attributes below opset 11 (`paddings` below opset 2), as constant inputs from 11 on;
// the opset 18 `axes` input is expanded to all axes, which needs the rank: from the Pad's input, else
// from `same_rank_value` (a value known to have the input's rank; may be empty).
inline std::optional<std::vector<int64_t>> zero_pad_amounts(const Graph& graph, const NodeProto& pad,
                                                            const std::string& same_rank_value) {
  if (attribute_string(pad, "mode", "constant") != "constant") return std::nullopt;
  if (graph.opset() < 11) {
    if (attribute_float(pad, "value", 0.0f) != 0.0f) return std::nullopt;
    return attribute_ints(pad, graph.opset() < 2 ? "paddings" : "pads");
  }
  if (pad.input_size() < 2 || pad.input(1).empty()) return std::nullopt;
  auto pads = constant_ints(graph, pad.input(1));
  if (!pads) return std::nullopt;
  if (pad.input_size() >= 3 && !pad.input(2).empty()) {
    const auto value = graph.constant_tensor(pad.input(2));
    if (!value || value->numel() > 1) return std::nullopt;
    if (value->numel() == 1 && element_as_double(*value, 0) != 0.0) return std::nullopt;
  }
  if (pad.input_size() < 4 || pad.input(3).empty()) return pads;
  // Opset 18 `axes`: pads lists [begin..., end...] for these axes only.
  const auto axes = constant_ints(graph, pad.input(3));
  if (!axes || pads->size() != 2 * axes->size()) return std::nullopt;
  std::optional<Shape> shape = graph.shape(pad.input(0));
  if (!shape && !same_rank_value.empty()) shape = graph.shape(same_rank_value);
  if (!shape) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(shape->size());
  std::vector<int64_t> full(2 * rank, 0);
  std::vector<bool> seen(rank, false);
  const int64_t n = static_cast<int64_t>(axes->size());
  for (int64_t i = 0; i < n; ++i) {
    int64_t axis = (*axes)[i];
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank || seen[axis]) return std::nullopt;
    seen[axis] = true;
    full[axis] = (*pads)[i];
    full[rank + axis] = (*pads)[n + i];
  }
  return full;
}

}  // namespace piu::passes

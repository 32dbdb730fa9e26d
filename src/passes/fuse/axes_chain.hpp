// The frame of the passes that merge two consecutive Squeezes or Unsqueezes into one
// (fuse_consecutive_squeezes, fuse_consecutive_unsqueezes): finding the pair and rewriting it are
// the same for both; only how the two axis lists compose differs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "passes/pass.hpp"

namespace piu::passes {

class AxesChainPass : public Pass {
 public:
  std::vector<std::string> op_types() const override { return {op_type()}; }

  bool match(const Graph& graph, const NodeProto& node) const override { return composed(graph, node).has_value(); }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const auto axes = composed(graph, node);
    if (!axes) return false;
    merge_axes_chain(graph, node, *axes);
    return true;
  }

 protected:
  // "Squeeze" or "Unsqueeze".
  virtual std::string op_type() const = 0;
  // The axes one node of op_type() takes in place of the two of `chain`, sorted; nullopt when
  // they cannot be worked out (a negative axis and no known rank, axes out of range).
  virtual std::optional<std::vector<int64_t>> compose(const AxesChain& chain) const = 0;

 private:
  std::optional<std::vector<int64_t>> composed(const Graph& graph, const NodeProto& node) const {
    const auto chain = consecutive_axes_nodes(graph, node, op_type());
    if (!chain) return std::nullopt;
    return compose(*chain);
  }
};

}  // namespace piu::passes

// fuse_consecutive_squeezes: Squeeze(Squeeze(x, axes1), axes2) becomes Squeeze(x, axes), where
// axes is axes1 together with axes2 mapped back to x's dims (the j-th dim of the intermediate is
// the j-th dim of x not in axes1). Safe because squeezing is removing size-1 dims, and removing
// them in two steps or at once gives the same tensor. Both axis lists must be constant; a Squeeze
// without axes (squeeze every size-1 dim) is left alone since which dims go depends on the data's
// shape. Negative axes need the rank (from shape inference), otherwise the pass refuses. The
// first output must be read by the second Squeeze only. Opsets: axes are an attribute before 13
// and a constant input from 13; the fused axes then go to a new int64 initializer.
#include <algorithm>
#include <optional>

#include "passes/fuse/axes_chain.hpp"

namespace piu::passes {
namespace {

class FuseConsecutiveSqueezes final : public AxesChainPass {
 public:
  std::string name() const override { return "fuse_consecutive_squeezes"; }
  std::string description() const override { return "fuse two consecutive Squeeze nodes into one"; }

 private:
  std::string op_type() const override { return "Squeeze"; }

  // The axes of x that Squeeze(Squeeze(x, axes1), axes2) removes, sorted.
  std::optional<std::vector<int64_t>> compose(const AxesChain& chain) const override {
    const std::vector<int64_t>& axes1 = chain.first_axes;
    const std::vector<int64_t>& axes2 = chain.second_axes;
    const std::optional<int64_t> rank = chain.input_rank;
    const auto first_axes = normalized_axes(axes1, rank);
    if (!first_axes) return std::nullopt;
    std::optional<int64_t> mid_rank;
    if (rank) mid_rank = *rank - static_cast<int64_t>(first_axes->size());
    const auto second_axes = normalized_axes(axes2, mid_rank);
    if (!second_axes) return std::nullopt;
    // The j-th dim of the intermediate is the j-th dim of x not in axes1.
    std::vector<int64_t> out = *first_axes;
    for (int64_t j : *second_axes) {
      int64_t dim = j;
      for (int64_t a : *first_axes)
        if (a <= dim) ++dim;  // first_axes is sorted: each removed dim at or before shifts it on
      out.push_back(dim);
    }
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end()) return std::nullopt;
    if (rank && !out.empty() && out.back() >= *rank) return std::nullopt;
    return out;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveSqueezes);

}  // namespace
}  // namespace piu::passes

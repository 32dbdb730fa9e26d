// fuse_consecutive_unsqueezes: Unsqueeze(Unsqueeze(x, axes1), axes2) becomes Unsqueeze(x, axes),
// where axes is axes2 together with axes1 carried into the output's dims (the j-th dim of the
// intermediate is the j-th dim of the output not in axes2). Safe because both insert size-1 dims:
// inserting them in two steps or at once gives the same tensor. Exporters write x[:, None, None]
// and chains of .unsqueeze() one axis at a time (transformers' attention masks: four in a row).
// Both axis lists must be constant; negative axes need the rank (from shape inference), otherwise
// the pass refuses. The first output must be read by the second Unsqueeze only. Opsets: axes are
// an attribute before 13 and a constant input from 13. Not in the seed's list; the simplifier
// runs it.
#include <algorithm>
#include <optional>

#include "passes/fuse/axes_chain.hpp"

namespace piu::passes {
namespace {

class FuseConsecutiveUnsqueezes final : public AxesChainPass {
 public:
  std::string name() const override { return "fuse_consecutive_unsqueezes"; }
  std::string description() const override { return "fuse two consecutive Unsqueeze nodes into one"; }

 private:
  std::string op_type() const override { return "Unsqueeze"; }

  // The output's dims that Unsqueeze(Unsqueeze(x, axes1), axes2) inserts, sorted.
  std::optional<std::vector<int64_t>> compose(const AxesChain& chain) const override {
    const std::vector<int64_t>& axes1 = chain.first_axes;
    const std::vector<int64_t>& axes2 = chain.second_axes;
    const std::optional<int64_t> rank = chain.input_rank;
    std::optional<int64_t> mid_rank, out_rank;
    if (rank) {
      mid_rank = *rank + static_cast<int64_t>(axes1.size());
      out_rank = *mid_rank + static_cast<int64_t>(axes2.size());
    }
    const auto first_axes = normalized_axes(axes1, mid_rank);
    const auto second_axes = normalized_axes(axes2, out_rank);
    if (!first_axes || !second_axes) return std::nullopt;
    // The j-th dim of the intermediate is the j-th dim of the output not in axes2.
    std::vector<int64_t> out = *second_axes;
    for (int64_t j : *first_axes) {
      int64_t dim = -1;
      for (int64_t seen = -1; seen < j;)
        if (!std::binary_search(second_axes->begin(), second_axes->end(), ++dim)) ++seen;
      out.push_back(dim);
    }
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end()) return std::nullopt;
    if (out_rank && out.back() >= *out_rank) return std::nullopt;
    return out;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveUnsqueezes);

}  // namespace
}  // namespace piu::passes

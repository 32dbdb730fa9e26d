// Reading the call spec an AOTInductor package records: two pytree specs (torch.utils._pytree's
// treespec_dumps JSON), one for the inputs (args, kwargs) and one for the outputs. The model runs on
// the flattened leaves; the specs say how many there are and, for dict entries, their keys.
// Torch-free, so it is tested without LibTorch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace piu::torch_util {

// One name per leaf of the spec, in flattening order: the dict keys on the way to it joined with
// '.' ("mask", "out.logits"); leaves under no dict key are `prefix` when the spec has one leaf and
// `prefix`_N (N its position among all leaves) otherwise. Throws kBadInput naming `what` when `spec`
// is not a treespec_dumps string (protocol 1: [1, {"type", "context", "children_spec"}]).
std::vector<std::string> pytree_leaf_names(std::string_view spec, const std::string& prefix, const std::string& what);

}  // namespace piu::torch_util

// The element type of each forward() argument of an export. A saved TorchScript file declares its
// arguments only as "Tensor": the type comes from the user (--shape NAME:DIMS:int64), else from the
// graph where it records one, else from how the module reads the argument.
#pragma once

#include <string>
#include <vector>

#include "ir/ir.hpp"

namespace piu::exporter {

struct InputType {
  DType dtype = DType::kFloat32;
  std::string source;  // why: "given", "recorded", "indices of aten::embedding (model.py:12)", "default"
};

// One type per argument of `ir` (ir.inputs order); `stated[i]` is the user's dtype for argument i
// when given. Evidence from use, strongest first: indices (embedding, index_select, gather,
// one_hot: int64); a mask or condition (masked_fill, where, logical ops: bool); ops that take only
// floating-point tensors (conv, linear, matmul, norms, float activations: float32, also when
// reached through a cast, since a trace records x.float() on a float x too); a cast to a
// floating-point or bool type used in arithmetic, or an equality test against an integer, as its
// only telling use (an integer mask: int64). No evidence at all gives float32.
std::vector<InputType> input_types(const ir::IrGraph& ir, const std::vector<std::optional<DType>>& stated);

}  // namespace piu::exporter

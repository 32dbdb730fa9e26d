// Pieces of the simplifier shared between its files.
#pragma once

#include <onnx/shape_inference/implementation.h>

#include <set>
#include <string>
#include <vector>

#include "piu/simplify.hpp"

namespace piu::simplify_internal {

// Value name -> its contents as ONNX's data propagation knows them (shape-like int64 tensors).
using ShapeData = onnx::shape_inference::DataValueMap;

// Runs ONNX shape inference with data propagation on the model as it is (no overrides).
ShapeData infer_shapes_with_data(OnnxModel& model);

struct FoldOutcome {
  int64_t folded = 0;  // nodes replaced by constants
  std::vector<SkippedFold> skipped;
};

// Folds the main graph's constant nodes (see simplify()) into initializers.
FoldOutcome fold_constants(OnnxModel& model, const ShapeData& shape_data, uint64_t max_fold_bytes);

}  // namespace piu::simplify_internal

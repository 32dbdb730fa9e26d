// piu simplifier: shape inference, constant folding evaluated on ONNX Runtime, dead code removal
// and the optimizer's passes, repeated until nothing changes, without losing dynamic dims.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "piu/onnx.hpp"

namespace piu {

struct SimplifyOptions {
  // Fixes input shapes (e.g. "input:1x3x224x224") when the user wants a static model; dims left
  // at -1 stay dynamic. Inputs not named keep their shapes.
  std::vector<ShapeSpec> input_shapes;
  // A folded value larger than this stays computed at run time (e.g. a huge Tile/Expand of a
  // small constant), so folding never bloats the model.
  uint64_t max_fold_bytes = uint64_t{16} << 20;
  bool skip_optimize = false;  // do not run the optimizer's default passes in the loop
  // Rounds are cheap; a deep network whose Reshape targets become constant one block per round
  // (ShuffleNet's channel shuffles) needs a few dozen.
  int max_iterations = 64;
};

struct SkippedFold {
  std::string node;  // name or first output of the node that was not folded
  std::string op_type;
  std::string reason;  // "output is 64 MiB > --max-fold-bytes 16 MiB", "ONNX Runtime cannot evaluate it: ..."
};

struct SimplifyReport {
  std::map<std::string, int64_t> ops_before;  // op type -> count (subgraphs included)
  std::map<std::string, int64_t> ops_after;
  int64_t nodes_before = 0;
  int64_t nodes_after = 0;
  int64_t bytes_before = 0;  // bytes of initializers
  int64_t bytes_after = 0;
  int64_t folded_nodes = 0;  // nodes replaced by constants, over all iterations
  int iterations = 0;
  std::vector<SkippedFold> skipped;  // from the last iteration
};

// Simplifies `model` in place: repeats {shape inference -> constant folding -> dead code ->
// default optimizer passes} until a round changes nothing (at most max_iterations). A node is
// folded when all its inputs are constants, or when it reads only static facts of its inputs
// (Shape/Size of a value whose dims are known, a Gather/Slice of those dims): dims that are
// dynamic are never baked in.
SimplifyReport simplify(OnnxModel& model, const SimplifyOptions& options = {});

// Overrides graph input shapes (see SimplifyOptions::input_shapes) and runs ONNX shape inference,
// keeping symbolic dims symbolic. Throws kBadInput for unknown input names or rank mismatches.
void infer_shapes(OnnxModel& model, const std::vector<ShapeSpec>& input_shapes = {});

}  // namespace piu

// The simplify loop: shape inference -> constant folding -> dead code -> optimizer passes,
// repeated until a round changes nothing.
#include "piu/simplify.hpp"

#include "onnx/graph_utils.hpp"
#include "piu/passes.hpp"
#include "simplify/simplify_internal.hpp"

namespace piu {

namespace {

void count_ops(const onnx::GraphProto& g, std::map<std::string, int64_t>& ops, int64_t& nodes) {
  for (const auto& n : g.node()) {
    ops[n.op_type()] += 1;
    nodes += 1;
    graph_utils::for_each_subgraph(n, [&](const onnx::GraphProto& sub) { count_ops(sub, ops, nodes); });
  }
}

int64_t initializer_bytes(const onnx::GraphProto& g) {
  int64_t bytes = 0;
  for (const auto& t : g.initializer()) bytes += graph_utils::tensor_byte_size(t);
  return bytes;
}

}  // namespace

SimplifyReport simplify(OnnxModel& model, const SimplifyOptions& options) {
  SimplifyReport report;
  auto& graph = *model.proto().mutable_graph();
  count_ops(graph, report.ops_before, report.nodes_before);
  report.bytes_before = initializer_bytes(graph);
  infer_shapes(model, options.input_shapes);  // applies the overrides once

  OptimizeOptions cleanup;  // dead code only, when the optimizer's passes are skipped
  cleanup.passes = {"eliminate_deadend", "eliminate_unused_initializer"};
  cleanup.infer_shapes = false;  // each round starts with inference; folding keeps those shapes valid
  OptimizeOptions passes;        // the seed's list (dead code included) plus the simplifier's extras
  passes.infer_shapes = false;
  // Common subexpressions merge first: the passes after it (and the next round's folding) then
  // see one Shape/Slice/Concat chain where exporters wrote several. fold_shape_chains then folds
  // what ONNX's data propagation left (it gives up on some Slice forms) and merges equal shape
  // values; the Reshapes it gives constant targets let the next round's inference know their ranks.
  // Then the no-op and chain removals of the shape-manipulating ops exporters write one per axis
  // or one per view: identity Slices (the untouched axes of x[:, :n]) before merging the Slices
  // that remain, no-op Reshapes and Transposes that only move size-1 dims (Reshapes in disguise)
  // before merging Reshape chains, and Unsqueeze chains (x[:, None, None]) merged. Last, constant
  // scales after a Conv (MetaFormer's layer scale) go into its weights.
  for (const char* extra :
       {"eliminate_common_subexpression", "fold_shape_chains", "eliminate_nop_concat", "eliminate_nop_arithmetic",
        "fuse_pad_into_pool", "eliminate_nop_slice", "fuse_consecutive_slices", "eliminate_nop_reshape",
        "fuse_transpose_into_reshape", "fuse_consecutive_reshapes", "fuse_consecutive_unsqueezes",
        "fuse_mul_into_conv"})
    passes.passes.push_back(extra);
  for (int round = 0; round < std::max(1, options.max_iterations); ++round) {
    std::map<std::string, int64_t> ops_before_round;
    int64_t nodes_before_round = 0;
    count_ops(graph, ops_before_round, nodes_before_round);
    const int64_t bytes_before_round = initializer_bytes(graph);

    const auto shape_data = simplify_internal::infer_shapes_with_data(model);
    auto folded = simplify_internal::fold_constants(model, shape_data, options.max_fold_bytes);
    report.folded_nodes += folded.folded;
    report.skipped = std::move(folded.skipped);
    optimize(model, options.skip_optimize ? cleanup : passes);
    report.iterations = round + 1;

    std::map<std::string, int64_t> ops_after_round;
    int64_t nodes_after_round = 0;
    count_ops(graph, ops_after_round, nodes_after_round);
    if (folded.folded == 0 && ops_after_round == ops_before_round && initializer_bytes(graph) == bytes_before_round)
      break;
  }
  // Leave shapes in the model for its users (and for the runtime), inferred on the final graph.
  simplify_internal::infer_shapes_with_data(model);
  count_ops(graph, report.ops_after, report.nodes_after);
  report.bytes_after = initializer_bytes(graph);
  return report;
}

}  // namespace piu

// fuse_transpose_into_gemm: lets a Gemm read the input of a 2-D Transpose feeding its A or B,
// toggling transA or transB instead.
//
// Safe because Gemm's transA/transB transpose A/B before the product, so Gemm(Transpose(X)) with
// trans = t equals Gemm(X) with trans = !t. The Transpose must swap the two axes: perm [1, 0], or no
// perm (which reverses the axes; Gemm's A and B are 2-D, so that is [1, 0] too). It only fires when
// every reader of the Transpose's output is a Gemm reading it as A or B, and it is not a graph
// output, so the Transpose disappears once its readers are rewritten (onnxoptimizer also rewrites
// Gemms whose Transpose has other readers, which saves nothing).
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// True when `value` is the output of a [1, 0] Transpose that only Gemm A/B inputs read.
bool foldable_transpose(const Graph& graph, const std::string& value) {
  if (value.empty() || graph.is_graph_output(value)) return false;
  const NodeProto* t = graph.producer(value);
  if (!t || t->op_type() != "Transpose" || !is_onnx_domain(*t) || t->input_size() != 1 || t->output_size() != 1)
    return false;
  if (const auto perm = attribute_ints(*t, "perm"); perm && *perm != std::vector<int64_t>{1, 0}) return false;
  for (const NodeProto* reader : graph.consumers(value)) {
    if (reader->op_type() != "Gemm" || !is_onnx_domain(*reader) || has_subgraph(*reader)) return false;
    for (int i = 2; i < reader->input_size(); ++i)
      if (reader->input(i) == value) return false;
  }
  return true;
}

class FuseTransposeIntoGemm final : public Pass {
 public:
  std::string name() const override { return "fuse_transpose_into_gemm"; }
  std::string description() const override { return "fold a [1, 0] Transpose of a Gemm input into transA/transB"; }
  std::vector<std::string> op_types() const override { return {"Gemm"}; }

  bool match(const Graph& graph, const NodeProto& gemm) const override {
    if (gemm.input_size() < 2) return false;
    return foldable_transpose(graph, gemm.input(0)) || foldable_transpose(graph, gemm.input(1));
  }

  bool rewrite(Graph& graph, NodeProto& gemm) const override {
    bool fold[2];
    for (int i = 0; i < 2; ++i) fold[i] = foldable_transpose(graph, gemm.input(i));
    bool changed = false;
    for (int i = 0; i < 2; ++i) {
      if (!fold[i]) continue;
      const NodeProto* t = graph.producer(gemm.input(i));
      const char* attr = i == 0 ? "transA" : "transB";
      set_attribute(gemm, attr, attribute_int(gemm, attr, 0) != 0 ? int64_t{0} : int64_t{1});
      graph.set_input(&gemm, i, t->input(0));
      changed = true;
    }
    return changed;
  }
};

PIU_REGISTER_PASS(FuseTransposeIntoGemm);

}  // namespace
}  // namespace piu::passes

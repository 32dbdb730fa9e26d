// fuse_matmul_add_bias_into_gemm: turns Add(MatMul(A, B), C) (either operand order) into
// Gemm(A, B, C).
//
// Safe because Gemm computes A * B + C with C unidirectionally broadcast to [M, N], which is the
// Add's result when A and B are 2-D and C broadcasts to [M, N] without growing it. It only fires
// when:
//  - A and B have known rank 2 (MatMul of other ranks batches or promotes vectors; Gemm cannot);
//  - C's shape is known and each of its dims, aligned to the right of [M, N], is 1 or equal to a
//    known M or N (so the Add's output is exactly [M, N]);
//  - the element type is one Gemm takes at the model's opset (opset >= 7: older Gemms broadcast C
//    only through a `broadcast` attribute and are not targeted);
//  - the MatMul's output is read by the Add alone and is not a graph output.
// The Gemm takes the Add's place and output name, so graph outputs keep their names.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

bool gemm_takes(int32_t type, int64_t opset) {
  switch (type) {
    case TensorProto::FLOAT:
    case TensorProto::FLOAT16:
    case TensorProto::DOUBLE:
      return true;
    case TensorProto::INT32:
    case TensorProto::INT64:
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      return opset >= 11;
    case TensorProto::BFLOAT16:
      return opset >= 13;
    default:
      return false;
  }
}

class FuseMatmulAddBiasIntoGemm final : public Pass {
 public:
  std::string name() const override { return "fuse_matmul_add_bias_into_gemm"; }
  std::string description() const override { return "turn a 2-D MatMul followed by an Add of a bias into one Gemm"; }
  std::vector<std::string> op_types() const override { return {"MatMul"}; }

  bool match(const Graph& graph, const NodeProto& matmul) const override {
    if (graph.opset() < 7 || matmul.input_size() != 2 || matmul.output_size() != 1) return false;
    const std::string& y = matmul.output(0);
    if (y.empty() || graph.is_graph_output(y)) return false;
    const auto readers = graph.consumers(y);
    if (readers.size() != 1) return false;
    const NodeProto& add = *readers[0];
    return add.op_type() == "Add" && is_onnx_domain(add) && add.input_size() == 2 && add.output_size() == 1 &&
           (add.input(0) == y) != (add.input(1) == y);
  }

  bool rewrite(Graph& graph, NodeProto& matmul) const override {
    const std::string y = matmul.output(0);
    NodeProto* add = graph.consumers(y)[0];
    const std::string c = add->input(0) == y ? add->input(1) : add->input(0);

    const auto a_shape = graph.shape(matmul.input(0));
    const auto b_shape = graph.shape(matmul.input(1));
    const auto c_shape = graph.shape(c);
    if (!a_shape || !b_shape || !c_shape || a_shape->size() != 2 || b_shape->size() != 2 || c_shape->size() > 2)
      return false;
    const auto type = graph.elem_type(matmul.input(0));
    if (!type || !gemm_takes(*type, graph.opset())) return false;
    const Shape target = {(*a_shape)[0], (*b_shape)[1]};
    const size_t skip = 2 - c_shape->size();
    for (size_t j = 0; j < c_shape->size(); ++j) {
      const int64_t d = (*c_shape)[j];
      if (d != 1 && (d < 0 || d != target[skip + j])) return false;
    }

    NodeProto gemm;
    gemm.set_op_type("Gemm");
    gemm.set_name(matmul.name().empty() ? graph.unique_name("gemm") : matmul.name());
    gemm.add_input(matmul.input(0));
    gemm.add_input(matmul.input(1));
    gemm.add_input(c);
    gemm.add_output(add->output(0));
    graph.insert_node(std::move(gemm), add);  // after A, B and C are defined
    graph.remove_node(add);                   // frees the output name; the MatMul is now dead and the driver deletes it
    return true;
  }
};

PIU_REGISTER_PASS(FuseMatmulAddBiasIntoGemm);

}  // namespace
}  // namespace piu::passes

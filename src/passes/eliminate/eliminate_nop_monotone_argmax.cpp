// eliminate_nop_monotone_argmax: an ArgMax/ArgMin reading an elementwise strictly increasing op
// (Exp, Log, Sqrt; Softmax/LogSoftmax over the same axis) reads that op's input instead: the order
// of the compared elements, and so the index found, is the same. The op stays if others read it.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// Normalizes a possibly negative axis; nullopt when that needs the rank and it is unknown.
std::optional<int64_t> normalized_axis(int64_t axis, const std::optional<Shape>& shape) {
  if (axis >= 0) return axis;
  if (!shape) return std::nullopt;
  return axis + static_cast<int64_t>(shape->size());
}

class EliminateNopMonotoneArgmax final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_monotone_argmax"; }
  std::string description() const override {
    return "ArgMax/ArgMin read the input of a monotone op (Exp, Log, Sqrt, Softmax, LogSoftmax) directly";
  }
  std::vector<std::string> op_types() const override { return {"ArgMax", "ArgMin"}; }
  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() != 1 || node.input(0).empty()) return false;
    const NodeProto* op = graph.producer(node.input(0));
    if (!op || !is_onnx_domain(*op) || op->input_size() != 1 || op->input(0).empty() || op->output_size() != 1)
      return false;
    const std::string& type = op->op_type();
    // Strictly increasing elementwise functions (Log and Sqrt where defined, as in onnxoptimizer).
    if (type == "Exp" || type == "Log" || type == "Sqrt") return true;
    if (type != "Softmax" && type != "LogSoftmax") return false;
    // Softmax is increasing in each element only among the elements it normalizes together; the
    // elements one ArgMax compares differ only along its axis, so that must be the Softmax axis.
    // Before opset 13 Softmax normalizes over all dims from its axis on, which holds them too.
    const std::optional<Shape> shape = graph.shape(op->input(0));
    const std::optional<int64_t> arg_axis = normalized_axis(attribute_int(node, "axis", 0), shape);
    const std::optional<int64_t> softmax_axis =
        normalized_axis(attribute_int(*op, "axis", graph.opset() < 13 ? 1 : -1), shape);
    if (arg_axis && softmax_axis) return *arg_axis == *softmax_axis;
    // Both negative and the rank unknown: equal values still name the same axis.
    return attribute_int(node, "axis", 0) == attribute_int(*op, "axis", graph.opset() < 13 ? 1 : -1);
  }
  bool rewrite(Graph& graph, NodeProto& node) const override {
    const NodeProto* op = graph.producer(node.input(0));
    graph.set_input(&node, 0, op->input(0));
    return true;
  }
};

PIU_REGISTER_PASS(EliminateNopMonotoneArgmax);

}  // namespace
}  // namespace piu::passes

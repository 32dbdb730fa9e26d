// fuse_consecutive_log_softmax: Log(Softmax(x, axis)) becomes LogSoftmax(x, axis), producing the
// Log's output name. Safe because LogSoftmax is defined as log(softmax(x)) with the same axis
// semantics in every opset (both ops coerce to 2-D before opset 13 and default to axis 1 there, to
// -1 from 13), so the Softmax's axis attribute, or its absence, is copied as is; the fused op is
// also more accurate. The Softmax output must be read by the Log only (no other reader, not a
// graph output), since it disappears.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class FuseConsecutiveLogSoftmax final : public Pass {
 public:
  std::string name() const override { return "fuse_consecutive_log_softmax"; }
  std::string description() const override { return "fuse Log(Softmax(x)) into LogSoftmax(x)"; }
  std::vector<std::string> op_types() const override { return {"Log"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    if (node.input_size() != 1 || node.output_size() != 1 || node.input(0).empty()) return false;
    const NodeProto* softmax = graph.producer(node.input(0));
    if (!softmax || softmax->op_type() != "Softmax" || !is_onnx_domain(*softmax)) return false;
    if (softmax->input_size() != 1 || softmax->output_size() != 1) return false;
    const auto consumers = graph.consumers(node.input(0));
    return !graph.is_graph_output(node.input(0)) && consumers.size() == 1 && consumers[0] == &node;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    NodeProto* softmax = graph.producer(node.input(0));
    NodeProto fused;
    fused.set_op_type("LogSoftmax");
    fused.set_name(node.name().empty() ? softmax->name() : node.name());
    fused.set_doc_string(softmax->doc_string());
    fused.add_input(softmax->input(0));
    fused.add_output(node.output(0));
    if (const AttributeProto* axis = find_attribute(*softmax, "axis")) *fused.add_attribute() = *axis;
    // The new node takes the Softmax's place (its input is defined before it; the Log's readers
    // come after it). Removing the Log afterwards leaves the new node as the output's producer.
    graph.insert_node(std::move(fused), softmax);
    graph.remove_node(&node);
    graph.remove_node(softmax);
    return true;
  }
};

PIU_REGISTER_PASS(FuseConsecutiveLogSoftmax);

}  // namespace
}  // namespace piu::passes

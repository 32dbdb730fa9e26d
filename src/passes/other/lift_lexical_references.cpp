// lift_lexical_references: checks that every lexical reference of every subgraph (a value that a
// node inside an If/Loop/Scan body reads without defining it) resolves to a value of an enclosing
// scope, and changes nothing.
//
// Why it changes nothing: onnxoptimizer's pass of this name records the outer values a subgraph
// reads in a `__control_inputs` attribute on the If/Loop node, for Caffe2's scheduler. That
// attribute is not part of any ONNX op schema, so the ONNX checker and ONNX Runtime reject the
// result; piu keeps every model it writes valid. What stays of the pass is its analysis: resolve
// each reference through the enclosing scopes and fail, naming the node and the value, where one
// does not resolve. Graph's constructor already refuses undefined values (including a subgraph's
// outer references), so on a graph that got this far the check always passes and the pass
// returns 0; it is kept as an explicit check so the seed's pass list runs unchanged.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class LiftLexicalReferences final : public Pass {
 public:
  std::string name() const override { return "lift_lexical_references"; }
  std::string description() const override {
    return "check that every subgraph's outer references resolve (changes nothing: the ONNX-invalid "
           "__control_inputs attribute is not written)";
  }

  int run(Graph& graph) const override {
    for (NodeProto* node : graph.nodes()) {
      if (!has_subgraph(*node)) continue;
      for (const auto& a : node->attribute()) {
        std::vector<const GraphProto*> subgraphs;
        if (a.has_g()) subgraphs.push_back(&a.g());
        for (const auto& sg : a.graphs()) subgraphs.push_back(&sg);
        for (const GraphProto* sg : subgraphs)
          for (const std::string& ref : outer_references(*sg))
            if (!graph.defined_here_or_outside(ref))
              throw Error(ErrorCode::kBadInput, "lift_lexical_references: " + graph_utils::node_description(*node) + " attribute '" + a.name() +
                                                    "' reads '" + ref + "', which no enclosing scope defines");
      }
    }
    return 0;
  }
};

PIU_REGISTER_PASS(LiftLexicalReferences);

}  // namespace
}  // namespace piu::passes

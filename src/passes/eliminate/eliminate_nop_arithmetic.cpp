// eliminate_nop_arithmetic: removes arithmetic with a neutral constant, which leaves its other
// operand unchanged:
//
//   Add(X, 0), Add(0, X), Sub(X, 0), Mul(X, 1), Mul(1, X), Div(X, 1)  ->  X
//
// The constant must be all zeros (Add/Sub) or all ones (Mul/Div), of X's element type, and its
// broadcast must not change X's shape: its rank is at most X's (known) rank and each of its dims is
// 1 or equal to X's static dim there. (x + 0 turns -0.0 into +0.0; nothing downstream can tell but
// a division by it, which no exported model relies on.) Typical source: zero biases of untrained or
// pruned Linear layers exported as MatMul + Add. Not in the seed's list; the simplifier runs it.
#include "passes/pass.hpp"

namespace piu::passes {
namespace {

class EliminateNopArithmetic final : public Pass {
 public:
  std::string name() const override { return "eliminate_nop_arithmetic"; }
  std::string description() const override { return "remove Add/Sub of zeros and Mul/Div by ones"; }
  std::vector<std::string> op_types() const override { return {"Add", "Sub", "Mul", "Div"}; }

  bool match(const Graph& graph, const NodeProto& node) const override {
    return node.input_size() == 2 && node.output_size() == 1 && neutral_operand(graph, node) >= 0;
  }

  bool rewrite(Graph& graph, NodeProto& node) const override {
    const int neutral = neutral_operand(graph, node);
    if (neutral < 0) return false;
    return graph.bypass(&node, 1 - neutral, 0);
  }

 private:
  // Index of the operand that is the neutral constant (the other one passes through), or -1.
  static int neutral_operand(const Graph& graph, const NodeProto& node) {
    const std::string& op = node.op_type();
    const double identity = (op == "Add" || op == "Sub") ? 0.0 : 1.0;
    const bool commutative = op == "Add" || op == "Mul";
    for (int k = 1; k >= (commutative ? 0 : 1); --k) {
      const std::string& c = node.input(k);
      const std::string& x = node.input(1 - k);
      if (c.empty() || x.empty() || !graph.constant(c) || graph.constant(x)) continue;
      const auto tensor = graph.constant_tensor(c);
      if (!tensor || (!is_floating(tensor->dtype()) && tensor->dtype() != DType::kInt64 &&
                      tensor->dtype() != DType::kInt32))
        continue;
      const auto x_type = graph.elem_type(x);
      if (!x_type || *x_type != graph.constant(c)->data_type()) continue;
      bool all_neutral = true;
      for (int64_t i = 0; i < tensor->numel() && all_neutral; ++i)
        all_neutral = element_as_double(*tensor, i) == identity;
      if (!all_neutral || !broadcast_keeps_shape(graph.shape(x), tensor->shape())) continue;
      return k;
    }
    return -1;
  }

  static bool broadcast_keeps_shape(const std::optional<Shape>& x, const Shape& c) {
    if (!x || c.size() > x->size()) return false;
    const size_t offset = x->size() - c.size();
    for (size_t i = 0; i < c.size(); ++i)
      if (c[i] != 1 && c[i] != (*x)[offset + i]) return false;  // a dynamic dim (-1) never equals c[i] > 1
    return true;
  }
};

PIU_REGISTER_PASS(EliminateNopArithmetic);

}  // namespace
}  // namespace piu::passes

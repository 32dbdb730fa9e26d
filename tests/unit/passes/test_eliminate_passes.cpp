// The eliminate_* passes: each fires on a small hand-built graph (op counts, then the same outputs
// on ONNX Runtime) and leaves alone the graphs where it must not fire.
#include <gtest/gtest.h>

#include <set>

#include "passes/pass_test_util.hpp"

using piu::DType;
using piu::Shape;
using piu::Tensor;
using piu::passes::set_attribute;
using piu::test::count_op;
using piu::test::expect_same_outputs;
using piu::test::int64s;
using piu::test::ModelBuilder;
using piu::test::optimized;
using piu::test::random_tensor;
namespace onnx = piu::onnx;

namespace {

Tensor floats(const std::vector<float>& values, const Shape& shape) {
  return Tensor::from_vector<float>(values, shape);
}
Tensor scalar_bool(bool value) { return Tensor::from_vector<bool>({value}, {}); }
Tensor scalar_float(float value) { return Tensor::from_vector<float>({value}, {}); }

// A Constant node producing `name`.
void add_constant(ModelBuilder& b, const std::string& name, const Tensor& value) {
  auto& n = b.node("Constant", {}, {name});
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = piu::tensor_to_proto(value, name);
}

// A GRAPH attribute of `node` (then_branch, else_branch, body); returns the subgraph to fill.
onnx::GraphProto& add_subgraph(onnx::NodeProto& node, const std::string& attribute) {
  auto* a = node.add_attribute();
  a->set_name(attribute);
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name(attribute);
  return *a->mutable_g();
}

onnx::NodeProto& add_node(onnx::GraphProto& g, const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs) {
  auto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(g.name() + "_" + op + "_" + std::to_string(g.node_size()));
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

void add_output(onnx::GraphProto& g, const std::string& name, const Shape& shape, DType dtype = DType::kFloat32) {
  auto* o = g.add_output();
  o->set_name(name);
  auto* tt = o->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(piu::dtype_to_onnx(dtype));
  for (int64_t d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

// The same model with an Identity in front of every branch output no branch node produces (an
// outer value or an initializer returned directly) or that repeats an earlier output: ONNX allows
// those, ONNX Runtime rejects the first and miscomputes the second, so this is the reference the
// optimized model is compared with on ONNX Runtime.
piu::OnnxModel runnable_reference(const piu::OnnxModel& model) {
  onnx::ModelProto proto = model.proto();
  for (auto& n : *proto.mutable_graph()->mutable_node())
    for (auto& a : *n.mutable_attribute()) {
      if (!a.has_g()) continue;
      auto& g = *a.mutable_g();
      std::set<std::string> produced;
      for (const auto& bn : g.node())
        for (const auto& o : bn.output()) produced.insert(o);
      std::set<std::string> returned;
      for (int i = 0; i < g.output_size(); ++i) {
        auto* o = g.mutable_output(i);
        if (produced.count(o->name()) && returned.insert(o->name()).second) continue;
        const std::string copy = o->name() + "_ref" + std::to_string(i);
        add_node(g, "Identity", {o->name()}, {copy});
        o->set_name(copy);
      }
    }
  return piu::OnnxModel(proto);
}

int initializer_count(const piu::OnnxModel& m) { return m.proto().graph().initializer_size(); }

bool has_initializer(const piu::OnnxModel& m, const std::string& name) {
  for (const auto& t : m.proto().graph().initializer())
    if (t.name() == name) return true;
  return false;
}

// An initializer named `name`, or renamed from it by Graph::unique_name ("name_piuN").
bool has_initializer_from(const piu::OnnxModel& m, const std::string& name) {
  for (const auto& t : m.proto().graph().initializer())
    if (t.name() == name || t.name().rfind(name + "_piu", 0) == 0) return true;
  return false;
}

const onnx::NodeProto* find_node(const piu::OnnxModel& m, const std::string& op) {
  for (const auto& n : m.proto().graph().node())
    if (n.op_type() == op) return &n;
  return nullptr;
}

int applications(const piu::OnnxModel& model, const std::string& pass) {
  piu::OptimizeReport report;
  optimized(model, {pass}, &report);
  return static_cast<int>(report.passes.at(0).applications);
}

}  // namespace

// ---- eliminate_deadend ----------------------------------------------------------------------------

TEST(EliminatePasses, DeadEndRemovesUnusedChains) {
  ModelBuilder b;
  b.input("x", {2, 4}).output("y", DType::kFloat32, Shape{2, 2});
  b.node("Neg", {"x"}, {"dead1"});
  b.node("Exp", {"dead1"}, {"dead2"});  // a dead chain: Exp goes first, then Neg
  auto& split = b.node("Split", {"x"}, {"half", "unused_half"});
  set_attribute(split, "axis", int64_t{1});
  b.node("Relu", {"half"}, {"y"});
  const auto model = b.build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"eliminate_deadend"}, &report);
  EXPECT_EQ(count_op(after, "Neg"), 0);
  EXPECT_EQ(count_op(after, "Exp"), 0);
  EXPECT_EQ(count_op(after, "Split"), 1) << "one of its outputs is read";
  EXPECT_EQ(count_op(after, "Relu"), 1);
  EXPECT_EQ(report.passes[0].applications, 2);
  expect_same_outputs(model, after, {random_tensor({2, 4})});
}

TEST(EliminatePasses, DeadEndKeepsNodesFeedingOutputsAndSubgraphs) {
  ModelBuilder b;
  b.input("x", {3}).input("c", {}, DType::kBool).output("y", DType::kFloat32, Shape{3});
  b.node("Neg", {"x"}, {"only_read_inside"});
  auto& if_node = b.node("If", {"c"}, {"y"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  add_node(then_branch, "Relu", {"only_read_inside"}, {"t"});
  add_output(then_branch, "t", {3});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  add_node(else_branch, "Exp", {"x"}, {"e"});
  add_output(else_branch, "e", {3});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_deadend"), 0);
  const auto after = optimized(model, {"eliminate_deadend"});
  EXPECT_EQ(count_op(after, "Neg"), 1) << "read from inside the then branch";
}

// ---- eliminate_duplicate_initializer ----------------------------------------------------------------

TEST(EliminatePasses, DuplicateInitializersAreMerged) {
  ModelBuilder b;
  b.input("x", {4}).output("y", DType::kFloat32, Shape{4});
  const auto w = floats({1, 2, 3, 4}, {4});
  b.initializer("w1", w).initializer("w2", w).initializer("w3", floats({1, 2, 3, 5}, {4}));
  // The same values held in float_data rather than raw_data are still the same constant.
  auto* typed = b.proto().mutable_graph()->add_initializer();
  typed->set_name("w4");
  typed->set_data_type(onnx::TensorProto::FLOAT);
  typed->add_dims(4);
  for (float v : {1.f, 2.f, 3.f, 4.f}) typed->add_float_data(v);
  b.node("Add", {"x", "w1"}, {"a"});
  b.node("Mul", {"a", "w2"}, {"m"});
  b.node("Sub", {"m", "w3"}, {"s"});
  b.node("Div", {"s", "w4"}, {"y"});
  const auto model = b.build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"eliminate_duplicate_initializer"}, &report);
  EXPECT_EQ(report.passes[0].applications, 2);
  EXPECT_EQ(initializer_count(after), 2);
  EXPECT_TRUE(has_initializer(after, "w1"));
  EXPECT_TRUE(has_initializer(after, "w3"));
  EXPECT_EQ(find_node(after, "Mul")->input(1), "w1");
  EXPECT_EQ(find_node(after, "Div")->input(1), "w1");
  expect_same_outputs(model, after, {random_tensor({4})});
}

TEST(EliminatePasses, DuplicateInitializerReadInsideSubgraphIsRenamedThere) {
  ModelBuilder b;
  b.input("x", {2}).input("c", {}, DType::kBool).output("y", DType::kFloat32, Shape{2});
  b.initializer("w1", floats({0.5f, 2}, {2})).initializer("w2", floats({0.5f, 2}, {2}));
  b.node("Add", {"x", "w1"}, {"a"});
  auto& if_node = b.node("If", {"c"}, {"y"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  add_node(then_branch, "Mul", {"a", "w2"}, {"t"});
  add_output(then_branch, "t", {2});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  add_node(else_branch, "Sub", {"a", "w2"}, {"e"});
  add_output(else_branch, "e", {2});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_duplicate_initializer"});
  EXPECT_EQ(initializer_count(after), 1);
  EXPECT_EQ(find_node(after, "If")->attribute(0).g().node(0).input(1), "w1");
  const auto x = random_tensor({2});
  expect_same_outputs(model, after, {x, scalar_bool(true)});
  expect_same_outputs(model, after, {x, scalar_bool(false)});
}

TEST(EliminatePasses, DuplicateInitializerFedAsGraphInputOrDifferentTypeStays) {
  ModelBuilder b;
  b.input("x", {4}).input("w2", {4}).output("y", DType::kFloat32, Shape{4});
  const auto w = floats({1, 2, 3, 4}, {4});
  b.initializer("w1", w).initializer("w2", w);        // w2 is an input a user may feed
  b.initializer("w3", floats({1, 2, 3, 4}, {2, 2}));  // same bytes, other dims
  b.initializer("w4", Tensor::from_vector<int32_t>({0x3f800000, 0x40000000, 0x40400000, 0x40800000}, {4}));
  b.node("Add", {"x", "w1"}, {"a"});
  b.node("Mul", {"a", "w2"}, {"m"});
  b.node("Reshape", {"w3", "shape"}, {"w3_flat"});
  b.initializer("shape", int64s({4}));
  b.node("Sub", {"m", "w3_flat"}, {"s"});
  auto& cast = b.node("Cast", {"w4"}, {"w4_float"});
  set_attribute(cast, "to", int64_t{onnx::TensorProto::FLOAT});
  b.node("Add", {"s", "w4_float"}, {"y"});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_duplicate_initializer"), 0);
  const auto after = optimized(model, {"eliminate_duplicate_initializer"});
  EXPECT_EQ(initializer_count(after), 5);
  expect_same_outputs(model, after, {random_tensor({4})});
}

// ---- eliminate_if_with_const_cond --------------------------------------------------------------------

// An If on `cond` returning (then: Relu(x + w), mid * x; else: Neg(x), x), read as graph output y and
// by a Neg after it. The parent also defines "mid" after the If, so the branch's "mid" is renamed.
ModelBuilder if_model(bool constant_node, bool cond) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3}).output("z", DType::kFloat32, Shape{2, 3});
  if (constant_node)
    add_constant(b, "cond", scalar_bool(cond));
  else
    b.initializer("cond", scalar_bool(cond));
  auto& if_node = b.node("If", {"cond"}, {"y", "t"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  *then_branch.add_initializer() = piu::tensor_to_proto(random_tensor({2, 3}, 7), "w");
  add_node(then_branch, "Add", {"x", "w"}, {"mid"});
  add_node(then_branch, "Relu", {"mid"}, {"then_y"});
  add_node(then_branch, "Mul", {"mid", "x"}, {"then_t"});
  add_output(then_branch, "then_y", {2, 3});
  add_output(then_branch, "then_t", {2, 3});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  add_node(else_branch, "Neg", {"x"}, {"else_y"});
  add_output(else_branch, "else_y", {2, 3});
  add_output(else_branch, "x", {2, 3});
  b.node("Neg", {"t"}, {"mid"});
  b.node("Abs", {"mid"}, {"z"});
  return b;
}

TEST(EliminatePasses, IfWithConstTrueInlinesThenBranch) {
  const auto model = if_model(/*constant_node=*/true, /*cond=*/true).build();
  const auto after = optimized(model, {"eliminate_if_with_const_cond"});
  EXPECT_EQ(count_op(after, "If"), 0);
  EXPECT_EQ(count_op(after, "Constant"), 0) << "the condition is dead afterwards";
  EXPECT_EQ(count_op(after, "Add"), 1);
  EXPECT_EQ(count_op(after, "Neg"), 1);
  EXPECT_EQ(find_node(after, "Relu")->output(0), "y") << "the If's output name survives";
  EXPECT_EQ(find_node(after, "Mul")->output(0), "t");
  EXPECT_NE(find_node(after, "Add")->output(0), "mid") << "the branch's 'mid' got a fresh name";
  EXPECT_EQ(find_node(after, "Mul")->input(0), find_node(after, "Add")->output(0));
  EXPECT_TRUE(has_initializer_from(after, "w")) << "the branch initializer moved to the graph";
  expect_same_outputs(runnable_reference(model), after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, IfWithConstFalseForwardsOuterValue) {
  const auto model = if_model(/*constant_node=*/false, /*cond=*/false).build();
  const auto after = optimized(model, {"eliminate_if_with_const_cond", "eliminate_unused_initializer"});
  EXPECT_EQ(count_op(after, "If"), 0);
  EXPECT_EQ(count_op(after, "Neg"), 2);
  EXPECT_EQ(find_node(after, "Neg")->output(0), "y");
  EXPECT_EQ(initializer_count(after), 0) << "the condition is unused afterwards";
  // The else branch returns x itself as 't': the Neg after the If reads x.
  int reads_x = 0;
  for (const auto& n : after.proto().graph().node())
    if (n.op_type() == "Neg" && n.input(0) == "x") ++reads_x;
  EXPECT_EQ(reads_x, 2);
  expect_same_outputs(runnable_reference(model), after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, IfWithConstCondHandlesInitializerDuplicateAndPassThroughOutputs) {
  // else returns: x (to graph output y), its initializer w (read by an Add), Neg(x) twice (to a
  // reader and to graph output v2).
  ModelBuilder b;
  b.input("x", {2})
      .output("y", DType::kFloat32, Shape{2})
      .output("z", DType::kFloat32, Shape{2})
      .output("v2", DType::kFloat32, Shape{2});
  add_constant(b, "cond", scalar_bool(false));
  auto& if_node = b.node("If", {"cond"}, {"y", "u", "v", "v2"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  add_node(then_branch, "Relu", {"x"}, {"r"});
  for (int i = 0; i < 4; ++i) add_output(then_branch, "r", {2});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  *else_branch.add_initializer() = piu::tensor_to_proto(floats({3, 4}, {2}), "w_else");
  add_node(else_branch, "Neg", {"x"}, {"n"});
  add_output(else_branch, "x", {2});
  add_output(else_branch, "w_else", {2});
  add_output(else_branch, "n", {2});
  add_output(else_branch, "n", {2});
  b.node("Add", {"u", "x"}, {"uv"});
  b.node("Mul", {"uv", "v"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_if_with_const_cond"});
  EXPECT_EQ(count_op(after, "If"), 0);
  EXPECT_EQ(count_op(after, "Identity"), 2) << "x -> y and v -> v2 keep the graph output names";
  EXPECT_EQ(find_node(after, "Neg")->output(0), "v");
  EXPECT_EQ(find_node(after, "Add")->input(0).rfind("w_else", 0), 0u) << "reads the moved initializer";
  expect_same_outputs(runnable_reference(model), after, {random_tensor({2})});
}

TEST(EliminatePasses, IfWithConstCondKeepsNestedSubgraphsWorking) {
  // then: s = x + x; inner If(c) returns Relu(s) or Neg(s). The parent defines "s" after the If,
  // so the inlined "s" is renamed, and so must the inner branches' references to it be.
  ModelBuilder b;
  b.input("x", {3}).input("c", {}, DType::kBool).output("y", DType::kFloat32, Shape{3});
  b.output("z", DType::kFloat32, Shape{3});
  add_constant(b, "cond", scalar_bool(true));
  auto& if_node = b.node("If", {"cond"}, {"y"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  add_node(then_branch, "Add", {"x", "x"}, {"s"});
  auto& inner = add_node(then_branch, "If", {"c"}, {"inner_out"});
  auto& inner_then = add_subgraph(inner, "then_branch");
  add_node(inner_then, "Relu", {"s"}, {"r"});
  add_output(inner_then, "r", {3});
  auto& inner_else = add_subgraph(inner, "else_branch");
  add_node(inner_else, "Neg", {"s"}, {"n"});
  add_output(inner_else, "n", {3});
  add_output(then_branch, "inner_out", {3});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  add_node(else_branch, "Exp", {"x"}, {"e"});
  add_output(else_branch, "e", {3});
  b.node("Sigmoid", {"y"}, {"s"});
  b.node("Abs", {"s"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_if_with_const_cond"});
  EXPECT_EQ(count_op(after, "If"), 1) << "only the inner If, whose condition is an input, is left";
  const onnx::NodeProto* inner_after = find_node(after, "If");
  ASSERT_NE(inner_after, nullptr);
  EXPECT_EQ(inner_after->output(0), "y");
  const std::string s = find_node(after, "Add")->output(0);
  EXPECT_NE(s, "s");
  EXPECT_EQ(inner_after->attribute(0).g().node(0).input(0), s);
  EXPECT_EQ(inner_after->attribute(1).g().node(0).input(0), s);
  const auto x = random_tensor({3});
  expect_same_outputs(model, after, {x, scalar_bool(true)});
  expect_same_outputs(model, after, {x, scalar_bool(false)});
}

TEST(EliminatePasses, IfWithConstCondInsideSubgraphIsInlinedThere) {
  ModelBuilder b;
  b.input("x", {3}).input("c", {}, DType::kBool).output("y", DType::kFloat32, Shape{3});
  b.initializer("always", scalar_bool(true));  // an outer initializer, seen from the branch
  auto& outer = b.node("If", {"c"}, {"y"});
  auto& then_branch = add_subgraph(outer, "then_branch");
  auto& inner = add_node(then_branch, "If", {"always"}, {"inner_out"});
  auto& inner_then = add_subgraph(inner, "then_branch");
  add_node(inner_then, "Relu", {"x"}, {"r"});
  add_output(inner_then, "r", {3});
  auto& inner_else = add_subgraph(inner, "else_branch");
  add_node(inner_else, "Neg", {"x"}, {"n"});
  add_output(inner_else, "n", {3});
  add_output(then_branch, "inner_out", {3});
  auto& else_branch = add_subgraph(outer, "else_branch");
  add_node(else_branch, "Exp", {"x"}, {"e"});
  add_output(else_branch, "e", {3});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_if_with_const_cond"});
  EXPECT_EQ(count_op(after, "If"), 1);
  EXPECT_EQ(count_op(after, "Neg"), 0);
  EXPECT_EQ(find_node(after, "If")->attribute(0).g().node(0).op_type(), "Relu");
  const auto x = random_tensor({3});
  expect_same_outputs(model, after, {x, scalar_bool(true)});
  expect_same_outputs(model, after, {x, scalar_bool(false)});
}

TEST(EliminatePasses, IfWithNonConstantCondStays) {
  ModelBuilder b;
  b.input("x", {2}).input("c", {}, DType::kBool).output("y", DType::kFloat32, Shape{2});
  auto& if_node = b.node("If", {"c"}, {"y"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  add_node(then_branch, "Relu", {"x"}, {"r"});
  add_output(then_branch, "r", {2});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  add_node(else_branch, "Neg", {"x"}, {"n"});
  add_output(else_branch, "n", {2});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_if_with_const_cond"), 0);
  EXPECT_EQ(count_op(optimized(model, {"eliminate_if_with_const_cond"}), "If"), 1);
}

// ---- eliminate_nop_cast -------------------------------------------------------------------------------

TEST(EliminatePasses, NopCastIsRemoved) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3}).output("z", DType::kFloat16, Shape{2, 3});
  auto& same = b.node("Cast", {"x"}, {"a"});
  set_attribute(same, "to", int64_t{onnx::TensorProto::FLOAT});
  b.node("Relu", {"a"}, {"y"});
  auto& other = b.node("Cast", {"x"}, {"z"});  // a real conversion
  set_attribute(other, "to", int64_t{onnx::TensorProto::FLOAT16});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_cast"});
  EXPECT_EQ(count_op(after, "Cast"), 1);
  EXPECT_EQ(find_node(after, "Cast")->output(0), "z");
  EXPECT_EQ(find_node(after, "Relu")->input(0), "x");
  expect_same_outputs(model, after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, NopCastOfIntermediateWithInferredTypeIsRemoved) {
  ModelBuilder b;
  b.input("x", {4}).output("y", DType::kFloat32, Shape{4});
  auto& to_double = b.node("Cast", {"x"}, {"d"});
  set_attribute(to_double, "to", int64_t{onnx::TensorProto::DOUBLE});
  auto& again = b.node("Cast", {"d"}, {"d2"});  // double to double: type known from inference
  set_attribute(again, "to", int64_t{onnx::TensorProto::DOUBLE});
  auto& back = b.node("Cast", {"d2"}, {"y"});
  set_attribute(back, "to", int64_t{onnx::TensorProto::FLOAT});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_cast"});
  EXPECT_EQ(count_op(after, "Cast"), 2);
  expect_same_outputs(model, after, {random_tensor({4})});
}

TEST(EliminatePasses, CastOfUnknownTypeStays) {
  ModelBuilder b;
  b.input("x", {4}).output("y", DType::kFloat32, Shape{4});
  auto& custom = b.node("Mystery", {"x"}, {"m"});
  custom.set_domain("com.example");  // nothing infers its output type
  auto* o = b.proto().add_opset_import();
  o->set_domain("com.example");
  o->set_version(1);
  auto& cast = b.node("Cast", {"m"}, {"y"});
  set_attribute(cast, "to", int64_t{onnx::TensorProto::FLOAT});
  const auto model = b.build();
  EXPECT_EQ(count_op(optimized(model, {"eliminate_nop_cast"}), "Cast"), 1);
}

// ---- eliminate_nop_dropout ----------------------------------------------------------------------------

TEST(EliminatePasses, NopDropoutIsRemovedAtOpset17) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3});
  b.initializer("ratio", scalar_float(0.3f)).initializer("no_training", scalar_bool(false));
  b.node("Dropout", {"x"}, {"a"});                                  // no training_mode
  b.node("Dropout", {"a", "ratio", "no_training"}, {"b", "mask"});  // constant false, mask unused
  b.node("Dropout", {"b", "", ""}, {"c"});                          // empty optional inputs
  b.node("Relu", {"c"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_dropout"});
  EXPECT_EQ(count_op(after, "Dropout"), 0);
  EXPECT_EQ(find_node(after, "Relu")->input(0), "x");
  expect_same_outputs(model, after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, DropoutInTrainingModeOrWithUsedMaskStays) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("train", {}, DType::kBool);
  b.output("y1", DType::kFloat32, Shape{2, 3}).output("y2", DType::kFloat32, Shape{2, 3});
  b.output("y3", DType::kFloat32, Shape{2, 3}).output("mask", DType::kBool, Shape{2, 3});
  b.initializer("ratio", scalar_float(0.5f)).initializer("training", scalar_bool(true));
  b.node("Dropout", {"x", "ratio", "training"}, {"d1"});
  b.node("Relu", {"d1"}, {"y1"});
  b.node("Dropout", {"x", "ratio", "train"}, {"d2"});  // not a constant
  b.node("Relu", {"d2"}, {"y2"});
  b.node("Dropout", {"x"}, {"d3", "mask"});  // the mask is a graph output
  b.node("Relu", {"d3"}, {"y3"});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_nop_dropout"), 0);
  EXPECT_EQ(count_op(optimized(model, {"eliminate_nop_dropout"}), "Dropout"), 3);
}

TEST(EliminatePasses, DropoutWithConstantZeroRatioIsRemovedEvenInTrainingMode) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("train", {}, DType::kBool).output("y", DType::kFloat32, Shape{2, 3});
  b.initializer("zero", scalar_float(0.0f));
  b.node("Dropout", {"x", "zero", "train"}, {"d"});
  b.node("Relu", {"d"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_dropout"});
  EXPECT_EQ(count_op(after, "Dropout"), 0);
  const auto x = random_tensor({2, 3});
  expect_same_outputs(model, after, {x, scalar_bool(true)});
  expect_same_outputs(model, after, {x, scalar_bool(false)});
}

TEST(EliminatePasses, DropoutAtOpset10IsAlwaysInference) {
  ModelBuilder b(10, 5);
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3}).output("mask", DType::kBool, Shape{2, 3});
  auto& d1 = b.node("Dropout", {"x"}, {"a", "unused_mask"});
  set_attribute(d1, "ratio", 0.5f);
  auto& d2 = b.node("Dropout", {"a"}, {"b", "mask"});  // its mask is read: stays
  set_attribute(d2, "ratio", 0.2f);
  b.node("Relu", {"b"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_dropout"});
  EXPECT_EQ(count_op(after, "Dropout"), 1);
  EXPECT_EQ(find_node(after, "Dropout")->input(0), "x");
  expect_same_outputs(model, after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, DropoutAtOpset6NeedsIsTestOrZeroRatio) {
  ModelBuilder b(6, 3);
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3});
  auto& test_mode = b.node("Dropout", {"x"}, {"a"});
  set_attribute(test_mode, "is_test", int64_t{1});
  auto& zero = b.node("Dropout", {"a"}, {"b"});
  set_attribute(zero, "ratio", 0.0f);
  b.node("Dropout", {"b"}, {"c"});  // is_test = 0 and ratio 0.5: training
  b.node("Relu", {"c"}, {"y"});
  const auto after = optimized(b.build(), {"eliminate_nop_dropout"});
  EXPECT_EQ(count_op(after, "Dropout"), 1);
  EXPECT_EQ(find_node(after, "Dropout")->input(0), "x");
}

// ---- eliminate_nop_flatten ----------------------------------------------------------------------------

TEST(EliminatePasses, NopFlattenIsRemoved) {
  ModelBuilder b;
  b.input("x", {-1, 4}).input("r", {1, 5}).input("col", {5, 1});
  b.output("y", DType::kFloat32, Shape{-1, 4}).output("z", DType::kFloat32, Shape{1, 5});
  b.output("w", DType::kFloat32, Shape{5, 1});
  b.node("Flatten", {"x"}, {"a"});  // axis 1 (default) on a rank-2 input
  auto& negative = b.node("Flatten", {"a"}, {"b"});
  set_attribute(negative, "axis", int64_t{-1});
  b.node("Relu", {"b"}, {"y"});
  auto& zero = b.node("Flatten", {"r"}, {"c"});  // axis 0 with a leading 1
  set_attribute(zero, "axis", int64_t{0});
  b.node("Neg", {"c"}, {"z"});
  auto& two = b.node("Flatten", {"col"}, {"d"});  // axis 2 with a trailing 1
  set_attribute(two, "axis", int64_t{2});
  b.node("Exp", {"d"}, {"w"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_flatten"});
  EXPECT_EQ(count_op(after, "Flatten"), 0);
  expect_same_outputs(model, after, {random_tensor({3, 4}), random_tensor({1, 5}), random_tensor({5, 1})});
}

TEST(EliminatePasses, ShapeChangingFlattenStays) {
  ModelBuilder b;
  b.input("x", {3, 4}).input("r3", {2, 3, 4});
  b.output("y", DType::kFloat32, Shape{1, 12}).output("z", DType::kFloat32, Shape{2, 12});
  auto& zero = b.node("Flatten", {"x"}, {"a"});
  set_attribute(zero, "axis", int64_t{0});
  b.node("Relu", {"a"}, {"y"});
  b.node("Flatten", {"r3"}, {"b"});
  b.node("Relu", {"b"}, {"z"});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_nop_flatten"), 0);
  EXPECT_EQ(count_op(optimized(model, {"eliminate_nop_flatten"}), "Flatten"), 2);
}

// ---- eliminate_nop_monotone_argmax --------------------------------------------------------------------

TEST(EliminatePasses, ArgMaxOfMonotoneOpReadsItsInput) {
  ModelBuilder b;
  b.input("x", {3, 5});
  b.output("i1", DType::kInt64, Shape{3, 1})
      .output("i2", DType::kInt64, Shape{3})
      .output("e", DType::kFloat32, Shape{3, 5});
  b.node("Exp", {"x"}, {"e"});  // also a graph output: the Exp stays
  auto& a1 = b.node("ArgMax", {"e"}, {"i1"});
  set_attribute(a1, "axis", int64_t{1});
  b.node("Softmax", {"x"}, {"p"});  // axis -1 (default) is the ArgMax axis 1
  auto& a2 = b.node("ArgMax", {"p"}, {"i2"});
  set_attribute(a2, "axis", int64_t{1});
  set_attribute(a2, "keepdims", int64_t{0});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_monotone_argmax"});
  EXPECT_EQ(count_op(after, "Exp"), 1);
  EXPECT_EQ(count_op(after, "Softmax"), 0) << "dead once the ArgMax reads x";
  for (const auto& n : after.proto().graph().node())
    if (n.op_type() == "ArgMax") {
      EXPECT_EQ(n.input(0), "x");
    }
  expect_same_outputs(model, after, {random_tensor({3, 5})});
}

TEST(EliminatePasses, ArgMinOfLogAndOldOpsetSoftmax) {
  ModelBuilder b(11, 6);
  b.input("x", {2, 3, 4});
  b.output("i1", DType::kInt64, Shape{1, 3, 4}).output("i2", DType::kInt64, Shape{2, 1, 4});
  b.node("Log", {"x"}, {"l"});
  b.node("ArgMin", {"l"}, {"i1"});     // axis 0
  b.node("LogSoftmax", {"x"}, {"p"});  // opset 11: axis 1 by default, over dims 1..2
  auto& a2 = b.node("ArgMax", {"p"}, {"i2"});
  set_attribute(a2, "axis", int64_t{-2});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_monotone_argmax"});
  EXPECT_EQ(count_op(after, "Log"), 0);
  EXPECT_EQ(count_op(after, "LogSoftmax"), 0);
  expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 3, /*positive=*/true)});
}

TEST(EliminatePasses, ArgMaxOverOtherAxisOrNonMonotoneOpStays) {
  ModelBuilder b;
  b.input("x", {3, 5});
  b.output("i1", DType::kInt64, Shape{1, 5}).output("i2", DType::kInt64, Shape{3, 1});
  b.output("i3", DType::kInt64, Shape{1, 5});
  auto& softmax = b.node("Softmax", {"x"}, {"p"});
  set_attribute(softmax, "axis", int64_t{1});
  b.node("ArgMax", {"p"}, {"i1"});  // axis 0: across the rows Softmax normalizes separately
  b.node("Relu", {"x"}, {"r"});     // not strictly increasing
  auto& a2 = b.node("ArgMax", {"r"}, {"i2"});
  set_attribute(a2, "axis", int64_t{1});
  b.node("Neg", {"x"}, {"n"});  // decreasing
  b.node("ArgMin", {"n"}, {"i3"});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_nop_monotone_argmax"), 0);
}

TEST(EliminatePasses, ArgMaxOverOtherAxisThanOldOpsetSoftmaxStays) {
  ModelBuilder b(11, 6);
  b.input("x", {2, 3, 4}).output("i", DType::kInt64, Shape{1, 3, 4});
  b.node("Softmax", {"x"}, {"p"});  // axis 1: rows are dims 1..2, ArgMax over dim 0 crosses them
  b.node("ArgMax", {"p"}, {"i"});
  EXPECT_EQ(applications(b.build(), "eliminate_nop_monotone_argmax"), 0);
}

// ---- eliminate_nop_pad --------------------------------------------------------------------------------

TEST(EliminatePasses, NopPadIsRemoved) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3});
  b.initializer("zeros", int64s({0, 0, 0, 0}));
  add_constant(b, "zeros_const", int64s({0, 0, 0, 0}));
  b.node("Pad", {"x", "zeros"}, {"a"});
  auto& reflect = b.node("Pad", {"a", "zeros_const"}, {"b"});
  auto* mode = reflect.add_attribute();
  mode->set_name("mode");
  mode->set_type(onnx::AttributeProto::STRING);
  mode->set_s("reflect");
  b.node("Relu", {"b"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_pad"});
  EXPECT_EQ(count_op(after, "Pad"), 0);
  EXPECT_EQ(count_op(after, "Constant"), 0);
  expect_same_outputs(model, after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, PadWithNonzeroOrNonConstantPadsStays) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("pads", {4}, DType::kInt64);
  b.output("y", DType::kFloat32, Shape{2, 4}).output("z", DType::kFloat32, Shape{-1, -1});
  b.initializer("some", int64s({0, 0, 0, 1}));
  b.node("Pad", {"x", "some"}, {"a"});
  b.node("Relu", {"a"}, {"y"});
  b.node("Pad", {"x", "pads"}, {"b"});  // zero at run time perhaps, but not known
  b.node("Relu", {"b"}, {"z"});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_nop_pad"), 0);
  EXPECT_EQ(count_op(optimized(model, {"eliminate_nop_pad"}), "Pad"), 2);
}

TEST(EliminatePasses, NopPadWithAxesAtOpset18IsRemoved) {
  ModelBuilder b(18);
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3}).output("z", DType::kFloat32, Shape{2, 5});
  b.initializer("zeros", int64s({0, 0})).initializer("ones", int64s({1, 1})).initializer("axes", int64s({1}));
  b.node("Pad", {"x", "zeros", "", "axes"}, {"a"});
  b.node("Relu", {"a"}, {"y"});
  b.node("Pad", {"x", "ones", "", "axes"}, {"b"});
  b.node("Neg", {"b"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_pad"});
  EXPECT_EQ(count_op(after, "Pad"), 1);
  EXPECT_EQ(find_node(after, "Relu")->input(0), "x");
  expect_same_outputs(model, after, {random_tensor({2, 3})});
}

TEST(EliminatePasses, PadAtOpset10UsesThePadsAttribute) {
  ModelBuilder b(10, 5);
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3}).output("z", DType::kFloat32, Shape{4, 3});
  auto& nop = b.node("Pad", {"x"}, {"a"});
  set_attribute(nop, "pads", std::vector<int64_t>{0, 0, 0, 0});
  b.node("Relu", {"a"}, {"y"});
  auto& real = b.node("Pad", {"x"}, {"b"});
  set_attribute(real, "pads", std::vector<int64_t>{1, 0, 1, 0});
  b.node("Neg", {"b"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_pad"});
  EXPECT_EQ(count_op(after, "Pad"), 1);
  EXPECT_EQ(find_node(after, "Pad")->output(0), "b");
  expect_same_outputs(model, after, {random_tensor({2, 3})});
}

// ---- eliminate_nop_transpose --------------------------------------------------------------------------

TEST(EliminatePasses, NopTransposeIsRemoved) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).input("v", {5});
  b.output("y", DType::kFloat32, Shape{2, 3, 4}).output("z", DType::kFloat32, Shape{5});
  auto& identity = b.node("Transpose", {"x"}, {"a"});
  set_attribute(identity, "perm", std::vector<int64_t>{0, 1, 2});
  b.node("Relu", {"a"}, {"y"});
  b.node("Transpose", {"v"}, {"b"});  // no perm on rank 1: reversing one dim changes nothing
  b.node("Neg", {"b"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_nop_transpose"});
  EXPECT_EQ(count_op(after, "Transpose"), 0);
  expect_same_outputs(model, after, {random_tensor({2, 3, 4}), random_tensor({5})});
}

TEST(EliminatePasses, RealTransposeStays) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).input("m", {2, 3});
  b.output("y", DType::kFloat32, Shape{2, 4, 3}).output("z", DType::kFloat32, Shape{3, 2});
  auto& swap = b.node("Transpose", {"x"}, {"a"});
  set_attribute(swap, "perm", std::vector<int64_t>{0, 2, 1});
  b.node("Relu", {"a"}, {"y"});
  b.node("Transpose", {"m"}, {"b"});  // no perm on rank 2: a real transpose
  b.node("Neg", {"b"}, {"z"});
  const auto model = b.build();
  EXPECT_EQ(applications(model, "eliminate_nop_transpose"), 0);
}

TEST(EliminatePasses, NopTransposeBetweenGraphInputAndOutputStays) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3});
  auto& t = b.node("Transpose", {"x"}, {"y"});
  set_attribute(t, "perm", std::vector<int64_t>{0, 1});
  const auto after = optimized(b.build(), {"eliminate_nop_transpose"});
  EXPECT_EQ(count_op(after, "Transpose"), 1) << "removing it would rename a graph input or output";
}

// ---- eliminate_unused_initializer ---------------------------------------------------------------------

TEST(EliminatePasses, UnusedInitializersAreRemoved) {
  ModelBuilder b;
  b.input("x", {2}).input("c", {}, DType::kBool);
  b.output("y", DType::kFloat32, Shape{2}).output("w_out", DType::kFloat32, Shape{2});
  b.initializer("w_used", floats({1, 2}, {2}));
  b.initializer("w_unused", floats({3, 4}, {2}));
  b.initializer("w_out", floats({5, 6}, {2}));        // a graph output
  b.initializer("w_inside", floats({7, 8}, {2}));     // read only from inside the If
  b.initializer("w_dead_read", floats({9, 1}, {2}));  // its reader goes first (eliminate_deadend)
  b.node("Add", {"x", "w_used"}, {"a"});
  b.node("Mul", {"x", "w_dead_read"}, {"dead"});
  auto& if_node = b.node("If", {"c"}, {"y"});
  auto& then_branch = add_subgraph(if_node, "then_branch");
  add_node(then_branch, "Mul", {"a", "w_inside"}, {"t"});
  add_output(then_branch, "t", {2});
  auto& else_branch = add_subgraph(if_node, "else_branch");
  *else_branch.add_initializer() = piu::tensor_to_proto(floats({1, 1}, {2}), "w_branch_unused");
  add_node(else_branch, "Neg", {"a"}, {"e"});
  add_output(else_branch, "e", {2});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_deadend", "eliminate_unused_initializer"});
  EXPECT_EQ(initializer_count(after), 3);
  EXPECT_TRUE(has_initializer(after, "w_used"));
  EXPECT_TRUE(has_initializer(after, "w_out"));
  EXPECT_TRUE(has_initializer(after, "w_inside"));
  EXPECT_EQ(find_node(after, "If")->attribute(1).g().initializer_size(), 0) << "unused in the subgraph";
  const auto x = random_tensor({2});
  expect_same_outputs(model, after, {x, scalar_bool(true)});
  expect_same_outputs(model, after, {x, scalar_bool(false)});
}

TEST(EliminatePasses, UnusedInitializerListedAsInputLosesTheInputToo) {
  ModelBuilder b(8, 3);  // IR 3: every initializer is also a graph input
  b.input("x", {2}).input("w", {2}).input("w_unused", {2}).output("y", DType::kFloat32, Shape{2});
  b.initializer("w", floats({1, 2}, {2})).initializer("w_unused", floats({3, 4}, {2}));
  b.node("Add", {"x", "w"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"eliminate_unused_initializer"});
  EXPECT_EQ(initializer_count(after), 1);
  ASSERT_EQ(after.proto().graph().input_size(), 2);
  EXPECT_EQ(after.proto().graph().input(1).name(), "w");
  EXPECT_NO_THROW(piu::check_model(after, "optimized model"));
}

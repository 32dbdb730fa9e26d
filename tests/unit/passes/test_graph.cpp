// The pass framework: Graph's checks and edits, the driver, and eliminate_identity as the example.
#include <gtest/gtest.h>

#include "passes/pass_test_util.hpp"

using piu::test::count_op;
using piu::test::ModelBuilder;
using piu::test::set_attribute;

namespace {

void expect_bad_input(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kBadInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// x -> Identity -> a -> Relu -> b -> Identity -> y
ModelBuilder identity_chain() {
  ModelBuilder b;
  b.input("x", {-1, 4}).output("y", piu::DType::kFloat32, piu::Shape{-1, 4});
  b.node("Identity", {"x"}, {"a"});
  b.node("Relu", {"a"}, {"b"});
  b.node("Identity", {"b"}, {"y"});
  return b;
}

}  // namespace

TEST(PassFramework, EliminateIdentityKeepsGraphOutputNames) {
  const auto model = identity_chain().build();
  piu::OptimizeReport report;
  const auto after = piu::test::optimized(model, {"eliminate_identity"}, &report);
  EXPECT_EQ(count_op(after, "Identity"), 0);
  EXPECT_EQ(count_op(after, "Relu"), 1);
  EXPECT_EQ(after.proto().graph().output(0).name(), "y");
  EXPECT_EQ(after.proto().graph().node(0).output(0), "y") << "Relu now produces the graph output";
  EXPECT_EQ(report.passes[0].applications, 2);
  EXPECT_EQ(report.passes[0].nodes_removed, 2);
  piu::test::expect_same_outputs(model, after, {piu::test::random_tensor({3, 4})});
}

TEST(PassFramework, IdentityFromInputToOutputStays) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Identity", {"x"}, {"y"});
  const auto after = piu::test::optimized(b.build(), {"eliminate_identity"});
  EXPECT_EQ(count_op(after, "Identity"), 1) << "removing it would rename a graph input or output";
}

TEST(PassFramework, IdentityWhoseInputFeedsAnotherOutputStays) {
  ModelBuilder b;
  b.input("x", {2}).output("a").output("y");
  b.node("Relu", {"x"}, {"a"});
  b.node("Identity", {"a"}, {"y"});
  const auto after = piu::test::optimized(b.build(), {"eliminate_identity"});
  EXPECT_EQ(count_op(after, "Identity"), 1);
}

TEST(PassFramework, RecursesIntoSubgraphsAndSeesOuterReferences) {
  ModelBuilder b;
  b.input("x", {2}).input("c", {}, piu::DType::kBool).output("y", piu::DType::kFloat32, piu::Shape{2});
  b.node("Identity", {"x"}, {"outer"});  // read only from inside the branches
  auto& if_node = b.node("If", {"c"}, {"y"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = if_node.add_attribute();
    a->set_name(branch);
    a->set_type(piu::onnx::AttributeProto::GRAPH);
    auto* g = a->mutable_g();
    g->set_name(branch);
    auto* n1 = g->add_node();
    n1->set_op_type("Identity");
    n1->add_input("outer");
    n1->add_output(std::string(branch) + "_mid");
    auto* n2 = g->add_node();
    n2->set_op_type(std::string(branch) == "then_branch" ? "Relu" : "Neg");
    n2->add_input(std::string(branch) + "_mid");
    n2->add_output(std::string(branch) + "_out");
    auto* o = g->add_output();
    o->set_name(std::string(branch) + "_out");
    o->mutable_type()->mutable_tensor_type()->set_elem_type(piu::onnx::TensorProto::FLOAT);
    o->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  }
  const auto model = b.build();
  const auto after = piu::test::optimized(model, {"eliminate_identity"});
  EXPECT_EQ(count_op(after, "Identity"), 0) << "the outer Identity and both inner ones go";
  const auto& then_branch = after.proto().graph().node(0).attribute(0).g();
  EXPECT_EQ(then_branch.node(0).input(0), "x") << "the subgraph's outer reference was renamed";
  auto cond_true = piu::Tensor::from_vector<bool>({true}, {});
  auto cond_false = piu::Tensor::from_vector<bool>({false}, {});
  const auto x = piu::test::random_tensor({2});
  piu::test::expect_same_outputs(model, after, {x, cond_true});
  piu::test::expect_same_outputs(model, after, {x, cond_false});
}

TEST(PassFramework, RejectsCyclesUndefinedValuesAndDuplicates) {
  {
    ModelBuilder b;
    b.input("x", {2}).output("y");
    b.node("Add", {"x", "b"}, {"a"}, "first");
    b.node("Relu", {"a"}, {"b"}, "second");
    b.node("Identity", {"a"}, {"y"});
    auto m = b.build();
    expect_bad_input([&] { piu::optimize(m); }, "cycle");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y");
    b.node("Add", {"x", "nowhere"}, {"y"}, "adder");
    auto m = b.build();
    expect_bad_input([&] { piu::optimize(m); }, "node 'adder' (Add) consumes undefined value 'nowhere'");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y");
    b.node("Relu", {"x"}, {"y"}, "one");
    b.node("Neg", {"x"}, {"y"}, "two");
    auto m = b.build();
    expect_bad_input([&] { piu::optimize(m); }, "duplicate output name");
  }
}

TEST(PassFramework, OutOfOrderNodesAreSorted) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Relu", {"a"}, {"y"});
  b.node("Neg", {"x"}, {"a"});
  auto model = b.build();
  auto after = piu::test::optimized(model, {"nop"});
  EXPECT_EQ(after.proto().graph().node(0).op_type(), "Neg");
}

TEST(PassFramework, UnknownPassAndNewerOpset) {
  auto m = identity_chain().build();
  expect_bad_input([&] { piu::test::optimized(m, {"eliminate_identity", "no_such_pass"}); }, "known passes:");
  ModelBuilder future(99);
  future.input("x", {2}).output("y");
  future.node("Relu", {"x"}, {"y"});
  auto f = future.build();
  expect_bad_input([&] { piu::optimize(f); }, "opset 99");
}

TEST(PassFramework, DefaultListIsTheSeedsAndEveryPassIsRegistered) {
  const auto defaults = piu::default_passes();
  ASSERT_EQ(defaults.size(), 24u);
  EXPECT_EQ(defaults.front(), "eliminate_deadend");
  EXPECT_EQ(defaults.back(), "nop");
  const auto registered = piu::registered_passes();
  for (const auto& name : defaults) {
    auto it = std::find_if(registered.begin(), registered.end(), [&](const auto& p) { return p.name == name; });
    ASSERT_NE(it, registered.end()) << name << " is not registered";
    EXPECT_FALSE(it->description.empty());
  }
}

TEST(PassFramework, FixedPointRepeatsUntilNothingChanges) {
  auto model = identity_chain().build();
  piu::OptimizeOptions options;
  options.fixed_point = true;
  auto report = piu::optimize(model, options);
  EXPECT_GE(report.iterations, 2) << "a second round confirms nothing changes";
  EXPECT_LE(report.iterations, options.max_iterations);
  EXPECT_EQ(report.nodes_after, 1);
}

TEST(PassFramework, EliminateNopConcatRemovesSingleInputConcat) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", piu::DType::kFloat32, piu::Shape{2, 3});
  b.node("Relu", {"x"}, {"r"});
  set_attribute(b.node("Concat", {"r"}, {"c"}), "axis", int64_t{1});
  b.node("Neg", {"c"}, {"y"});
  ModelBuilder two;
  two.input("x", {2, 3}).output("y", piu::DType::kFloat32, piu::Shape{2, 6});
  set_attribute(two.node("Concat", {"x", "x"}, {"y"}), "axis", int64_t{1});
  const auto model = b.build();
  const auto after = piu::test::optimized(model, {"eliminate_nop_concat"});
  EXPECT_EQ(count_op(after, "Concat"), 0);
  piu::test::expect_same_outputs(model, after, {piu::test::random_tensor({2, 3})});
  EXPECT_EQ(count_op(piu::test::optimized(two.build(), {"eliminate_nop_concat"}), "Concat"), 1);
}

// The consecutive-op fusions (concats, log_softmax, reduce_unsqueeze, squeezes, transposes) and
// extract_constant_to_initializer, lift_lexical_references and nop: positive cases checked on
// ONNX Runtime, negative cases where the pass must leave the graph alone.
#include <gtest/gtest.h>

#include "passes/pass_test_util.hpp"

using piu::DType;
using piu::Shape;
using piu::Tensor;
using piu::passes::set_attribute;
using piu::test::count_op;
using piu::test::expect_same_outputs;
using piu::test::int64s;
using piu::test::ints_attribute;
using piu::test::ModelBuilder;
using piu::test::optimized;
using piu::test::random_tensor;

namespace {

const piu::onnx::NodeProto* find_node(const piu::OnnxModel& m, const std::string& op) {
  for (const auto& n : m.proto().graph().node())
    if (n.op_type() == op) return &n;
  return nullptr;
}

// The values of an int64 initializer of the main graph.
std::vector<int64_t> initializer_ints(const piu::OnnxModel& m, const std::string& name) {
  for (const auto& t : m.proto().graph().initializer())
    if (t.name() == name) {
      const Tensor v = piu::tensor_from_proto(t);
      return std::vector<int64_t>(v.data_as<int64_t>(), v.data_as<int64_t>() + v.numel());
    }
  ADD_FAILURE() << "no initializer " << name;
  return {};
}

bool has_initializer(const piu::onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer())
    if (t.name() == name) return true;
  return false;
}

int64_t applications(const piu::OptimizeReport& report) { return report.passes.at(0).applications; }

// --- fuse_consecutive_concats ---------------------------------------------------------------

ModelBuilder concat_model(int64_t inner_axis, int64_t outer_axis) {
  ModelBuilder b;
  b.input("w", {2, 3}).input("x", {2, 3}).input("y", {2, 3}).input("z", {2, 3});
  const Shape out = outer_axis == 0 || outer_axis == -2 ? Shape{8, 3} : Shape{2, 12};
  b.output("out", DType::kFloat32, out);
  set_attribute(b.node("Concat", {"x", "y"}, {"inner"}), "axis", inner_axis);
  set_attribute(b.node("Concat", {"w", "inner", "z"}, {"out"}), "axis", outer_axis);
  return b;
}

std::vector<Tensor> four_inputs() {
  return {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2), random_tensor({2, 3}, 3), random_tensor({2, 3}, 4)};
}

}  // namespace

TEST(ConsecutivePasses, ConcatsSpliceInPlace) {
  const auto model = concat_model(1, 1).build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"fuse_consecutive_concats"}, &report);
  EXPECT_EQ(count_op(model, "Concat"), 2);
  EXPECT_EQ(count_op(after, "Concat"), 1);
  EXPECT_EQ(applications(report), 1);
  const auto* concat = find_node(after, "Concat");
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(std::vector<std::string>(concat->input().begin(), concat->input().end()),
            (std::vector<std::string>{"w", "x", "y", "z"}));
  EXPECT_EQ(concat->output(0), "out");
  expect_same_outputs(model, after, four_inputs());
}

TEST(ConsecutivePasses, ConcatsNegativeAxisIsNormalizedWithKnownRank) {
  const auto model = concat_model(-1, 1).build();
  const auto after = optimized(model, {"fuse_consecutive_concats"});
  EXPECT_EQ(count_op(after, "Concat"), 1);
  expect_same_outputs(model, after, four_inputs());
}

TEST(ConsecutivePasses, ConcatsChainFlattensAndRepeatedInputIsSplicedTwice) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("y", {2, 3}).output("out", DType::kFloat32, Shape{16, 3});
  set_attribute(b.node("Concat", {"x", "y"}, {"c1"}), "axis", int64_t{0});
  set_attribute(b.node("Concat", {"c1", "x"}, {"c2"}), "axis", int64_t{0});
  set_attribute(b.node("Concat", {"c2", "y", "x", "y"}, {"c3"}), "axis", int64_t{0});
  set_attribute(b.node("Concat", {"c3", "c3"}, {"out"}), "axis", int64_t{0});
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_consecutive_concats"});
  EXPECT_EQ(count_op(after, "Concat"), 1);
  EXPECT_EQ(find_node(after, "Concat")->input_size(), 12);
  expect_same_outputs(model, after, {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2)});
}

TEST(ConsecutivePasses, ConcatsWithDifferentAxesStay) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("y", {2, 3}).input("z", {4, 3}).output("out", DType::kFloat32, Shape{4, 6});
  set_attribute(b.node("Concat", {"x", "y"}, {"inner"}), "axis", int64_t{0});
  set_attribute(b.node("Concat", {"inner", "z"}, {"out"}), "axis", int64_t{1});
  const auto after = optimized(b.build(), {"fuse_consecutive_concats"});
  EXPECT_EQ(count_op(after, "Concat"), 2);
}

TEST(ConsecutivePasses, ConcatsWithNegativeAxisAndUnknownRankStay) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("y", {2, 3}).input("z", {2, 3}).output("out");
  set_attribute(b.node("Concat", {"x", "y"}, {"inner"}), "axis", int64_t{-1});
  set_attribute(b.node("Concat", {"inner", "z"}, {"out"}), "axis", int64_t{1});
  auto& proto = b.proto();
  for (auto& in : *proto.mutable_graph()->mutable_input()) in.mutable_type()->mutable_tensor_type()->clear_shape();
  const auto after = optimized(b.build(), {"fuse_consecutive_concats"});
  EXPECT_EQ(count_op(after, "Concat"), 2) << "-1 and 1 may be the same axis, but the rank is unknown";
}

TEST(ConsecutivePasses, ConcatReadTwiceStays) {
  ModelBuilder b;
  b.input("x", {2, 3}).input("y", {2, 3}).input("z", {2, 3});
  b.output("out", DType::kFloat32, Shape{2, 9}).output("r", DType::kFloat32, Shape{2, 6});
  set_attribute(b.node("Concat", {"x", "y"}, {"inner"}), "axis", int64_t{1});
  set_attribute(b.node("Concat", {"inner", "z"}, {"out"}), "axis", int64_t{1});
  b.node("Relu", {"inner"}, {"r"});
  const auto after = optimized(b.build(), {"fuse_consecutive_concats"});
  EXPECT_EQ(count_op(after, "Concat"), 2);

  ModelBuilder c;
  c.input("x", {2, 3}).input("y", {2, 3}).input("z", {2, 3});
  c.output("out", DType::kFloat32, Shape{2, 9}).output("inner", DType::kFloat32, Shape{2, 6});
  set_attribute(c.node("Concat", {"x", "y"}, {"inner"}), "axis", int64_t{1});
  set_attribute(c.node("Concat", {"inner", "z"}, {"out"}), "axis", int64_t{1});
  EXPECT_EQ(count_op(optimized(c.build(), {"fuse_consecutive_concats"}), "Concat"), 2) << "inner is a graph output";
}

TEST(ConsecutivePasses, ConcatReadByTwoConcatsSplicesIntoBoth) {
  // DPN's dense paths: one Concat read by two Concats on its axis (one spelled -1): both take its
  // inputs and it goes. One reader on another axis keeps it whole.
  ModelBuilder b;
  b.input("x", {2, 3}).input("y", {2, 3}).input("z", {2, 3});
  b.output("out", DType::kFloat32, Shape{2, 9}).output("out2", DType::kFloat32, Shape{2, 12});
  set_attribute(b.node("Concat", {"x", "y"}, {"inner"}), "axis", int64_t{1});
  set_attribute(b.node("Concat", {"inner", "z"}, {"out"}), "axis", int64_t{1});
  set_attribute(b.node("Concat", {"z", "inner", "x"}, {"out2"}), "axis", int64_t{-1});
  const auto model = b.build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"fuse_consecutive_concats"}, &report);
  EXPECT_EQ(count_op(after, "Concat"), 2);
  EXPECT_EQ(applications(report), 2);
  expect_same_outputs(model, after, {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2), random_tensor({2, 3}, 3)});

  ModelBuilder c;
  c.input("x", {2, 3}).input("y", {2, 3}).input("z", {2, 3}).input("w", {4, 3});
  c.output("out", DType::kFloat32, Shape{2, 9}).output("out2", DType::kFloat32, Shape{4, 6});
  set_attribute(c.node("Concat", {"x", "y"}, {"inner"}), "axis", int64_t{1});
  set_attribute(c.node("Concat", {"inner", "z"}, {"out"}), "axis", int64_t{1});
  set_attribute(c.node("Concat", {"inner", "inner"}, {"out2"}), "axis", int64_t{0});
  EXPECT_EQ(count_op(optimized(c.build(), {"fuse_consecutive_concats"}), "Concat"), 3) << "a reader on axis 0";
}

// --- fuse_consecutive_log_softmax -----------------------------------------------------------

TEST(ConsecutivePasses, LogSoftmaxFusesKeepingAxisAndOutputName) {
  for (int64_t opset : {11, 13}) {
    ModelBuilder b(opset);
    b.input("x", {2, 3, 4}).output("y", DType::kFloat32, Shape{2, 3, 4});
    auto& softmax = b.node("Softmax", {"x"}, {"s"});
    if (opset == 13) set_attribute(softmax, "axis", int64_t{1});  // opset 11: the default (1, 2-D coercion)
    b.node("Log", {"s"}, {"y"});
    const auto model = b.build();
    const auto after = optimized(model, {"fuse_consecutive_log_softmax"});
    EXPECT_EQ(count_op(after, "Softmax"), 0) << "opset " << opset;
    EXPECT_EQ(count_op(after, "Log"), 0);
    ASSERT_EQ(count_op(after, "LogSoftmax"), 1);
    const auto* fused = find_node(after, "LogSoftmax");
    EXPECT_EQ(fused->output(0), "y");
    EXPECT_EQ(piu::passes::find_attribute(*fused, "axis") != nullptr, opset == 13);
    expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 7)});
  }
}

TEST(ConsecutivePasses, LogSoftmaxWithSoftmaxReadTwiceStays) {
  ModelBuilder b(13);
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 3}).output("s", DType::kFloat32, Shape{2, 3});
  b.node("Softmax", {"x"}, {"s"});
  b.node("Log", {"s"}, {"y"});
  const auto after = optimized(b.build(), {"fuse_consecutive_log_softmax"});
  EXPECT_EQ(count_op(after, "Softmax"), 1);
  EXPECT_EQ(count_op(after, "LogSoftmax"), 0);
}

// --- fuse_consecutive_reduce_unsqueeze ------------------------------------------------------

namespace {

// x[2,3,4] -> op(keepdims) over `reduce_axes` -> Unsqueeze(`unsqueeze_axes`) -> y, with axes as
// attributes or as initializer inputs depending on the opset.
ModelBuilder reduce_unsqueeze(int64_t opset, const std::string& op, const std::vector<int64_t>& reduce_axes,
                              const std::vector<int64_t>& unsqueeze_axes, int64_t keepdims, const Shape& out) {
  ModelBuilder b(opset);
  b.input("x", {2, 3, 4}).output("y", DType::kFloat32, out);
  const bool reduce_input = opset >= (op == "ReduceSum" ? 13 : 18);
  std::vector<std::string> reduce_in = {"x"};
  if (reduce_input) {
    b.initializer("raxes", int64s(reduce_axes));
    reduce_in.push_back("raxes");
  }
  auto& reduce = b.node(op, reduce_in, {"r"});
  if (!reduce_input) set_attribute(reduce, "axes", reduce_axes);
  set_attribute(reduce, "keepdims", keepdims);
  if (opset >= 13) {
    b.initializer("uaxes", int64s(unsqueeze_axes));
    b.node("Unsqueeze", {"r", "uaxes"}, {"y"});
  } else {
    set_attribute(b.node("Unsqueeze", {"r"}, {"y"}), "axes", unsqueeze_axes);
  }
  return b;
}

}  // namespace

TEST(ConsecutivePasses, ReduceUnsqueezeFusesInEveryOpsetForm) {
  struct Case {
    int64_t opset;
    std::string op;
  };
  for (const Case& c : {Case{11, "ReduceSum"}, Case{13, "ReduceSum"}, Case{17, "ReduceMean"}, Case{18, "ReduceMean"},
                        Case{13, "ReduceMax"}}) {
    SCOPED_TRACE(c.op + " opset " + std::to_string(c.opset));
    const auto model = reduce_unsqueeze(c.opset, c.op, {1}, {1}, 0, {2, 1, 4}).build();
    piu::OptimizeReport report;
    const auto after = optimized(model, {"fuse_consecutive_reduce_unsqueeze"}, &report);
    EXPECT_EQ(applications(report), 1);
    EXPECT_EQ(count_op(after, "Unsqueeze"), 0);
    ASSERT_EQ(count_op(after, c.op), 1);
    const auto* reduce = find_node(after, c.op);
    EXPECT_EQ(reduce->output(0), "y");
    EXPECT_EQ(piu::passes::attribute_int(*reduce, "keepdims", -1), 1);
    expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 3)});
  }
}

TEST(ConsecutivePasses, ReduceUnsqueezeComparesAxesAsNormalizedSets) {
  // [-1, 0] and [0, 2] are the same dims of a rank-3 tensor.
  for (int64_t opset : {11, 13}) {
    SCOPED_TRACE(opset);
    const auto model = reduce_unsqueeze(opset, "ReduceSum", {-1, 0}, {0, 2}, 0, {1, 3, 1}).build();
    const auto after = optimized(model, {"fuse_consecutive_reduce_unsqueeze"});
    EXPECT_EQ(count_op(after, "Unsqueeze"), 0);
    expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 4)});
  }
}

TEST(ConsecutivePasses, ReduceUnsqueezeStaysWhenItMust) {
  auto unsqueezes_after = [](ModelBuilder b) {
    return count_op(optimized(b.build(), {"fuse_consecutive_reduce_unsqueeze"}), "Unsqueeze");
  };
  // keepdims=1: the Unsqueeze adds a dim of its own.
  EXPECT_EQ(unsqueezes_after(reduce_unsqueeze(13, "ReduceSum", {1}, {1}, 1, {2, 1, 1, 4})), 1);
  EXPECT_EQ(unsqueezes_after(reduce_unsqueeze(11, "ReduceSum", {1}, {1}, 1, {2, 1, 1, 4})), 1);
  // Different axes.
  EXPECT_EQ(unsqueezes_after(reduce_unsqueeze(13, "ReduceSum", {1}, {0}, 0, {1, 2, 4})), 1);
  EXPECT_EQ(unsqueezes_after(reduce_unsqueeze(18, "ReduceMean", {2}, {1}, 0, {2, 1, 3})), 1);
  EXPECT_EQ(unsqueezes_after(reduce_unsqueeze(17, "ReduceMean", {1, 2}, {1}, 0, {2, 1})), 1);
  {
    // The reduced value is read twice.
    auto b = reduce_unsqueeze(13, "ReduceSum", {1}, {1}, 0, {2, 1, 4});
    b.output("r", DType::kFloat32, Shape{2, 4});
    EXPECT_EQ(unsqueezes_after(b), 1);
  }
  {
    // keepdims absent means 1.
    auto b = reduce_unsqueeze(11, "ReduceSum", {1}, {1}, 0, {2, 1, 1, 4});
    auto* reduce = b.proto().mutable_graph()->mutable_node(0);
    piu::passes::remove_attribute(*reduce, "keepdims");
    EXPECT_EQ(unsqueezes_after(b), 1);
  }
  {
    // Reduce over all axes (no axes input) and noop_with_empty_axes: nothing to compare against.
    ModelBuilder b(13);
    b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{1});
    b.initializer("uaxes", int64s({0}));
    set_attribute(b.node("ReduceSum", {"x"}, {"r"}), "keepdims", int64_t{0});
    b.node("Unsqueeze", {"r", "uaxes"}, {"y"});
    EXPECT_EQ(unsqueezes_after(b), 1);
    ModelBuilder c(13);
    c.input("x", {2, 3}).output("y", DType::kFloat32, Shape{2, 1, 3});
    c.initializer("raxes", int64s({1})).initializer("uaxes", int64s({1}));
    auto& reduce = c.node("ReduceSum", {"x", "raxes"}, {"r"});
    set_attribute(reduce, "keepdims", int64_t{0});
    set_attribute(reduce, "noop_with_empty_axes", int64_t{1});
    c.node("Unsqueeze", {"r", "uaxes"}, {"y"});
    EXPECT_EQ(unsqueezes_after(c), 1);
  }
}

// --- fuse_consecutive_squeezes --------------------------------------------------------------

namespace {

// x[1,3,1,4,1] -> Squeeze(axes1) -> s -> Squeeze(axes2) -> y.
ModelBuilder squeezes(int64_t opset, const std::vector<int64_t>& axes1, const std::vector<int64_t>& axes2,
                      const Shape& out) {
  ModelBuilder b(opset);
  b.input("x", {1, 3, 1, 4, 1}).output("y", DType::kFloat32, out);
  if (opset >= 13) {
    b.initializer("a1", int64s(axes1)).initializer("a2", int64s(axes2));
    b.node("Squeeze", {"x", "a1"}, {"s"});
    b.node("Squeeze", {"s", "a2"}, {"y"});
  } else {
    set_attribute(b.node("Squeeze", {"x"}, {"s"}), "axes", axes1);
    set_attribute(b.node("Squeeze", {"s"}, {"y"}), "axes", axes2);
  }
  return b;
}

}  // namespace

TEST(ConsecutivePasses, SqueezesFuseWithAttributeAxes) {
  // [1,3,1,4,1] -(0)-> [3,1,4,1] -(1,3)-> [3,4]: x's dims 0, 2 and 4.
  const auto model = squeezes(11, {0}, {1, 3}, {3, 4}).build();
  const auto after = optimized(model, {"fuse_consecutive_squeezes"});
  ASSERT_EQ(count_op(after, "Squeeze"), 1);
  const auto* squeeze = find_node(after, "Squeeze");
  EXPECT_EQ(squeeze->input(0), "x");
  EXPECT_EQ(ints_attribute(*squeeze, "axes"), (std::vector<int64_t>{0, 2, 4}));
  expect_same_outputs(model, after, {random_tensor({1, 3, 1, 4, 1}, 5)});
}

TEST(ConsecutivePasses, SqueezesFuseWithInputAxesIntoANewInitializer) {
  // [1,3,1,4,1] -(4,2)-> [1,3,4] -(0)-> [3,4].
  const auto model = squeezes(13, {4, 2}, {0}, {3, 4}).build();
  const auto after = optimized(model, {"fuse_consecutive_squeezes"});
  ASSERT_EQ(count_op(after, "Squeeze"), 1);
  const auto* squeeze = find_node(after, "Squeeze");
  ASSERT_EQ(squeeze->input_size(), 2);
  EXPECT_EQ(initializer_ints(after, squeeze->input(1)), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_FALSE(has_initializer(after.proto().graph(), "a1")) << "unused axes initializers are dropped";
  EXPECT_FALSE(has_initializer(after.proto().graph(), "a2"));
  expect_same_outputs(model, after, {random_tensor({1, 3, 1, 4, 1}, 6)});
}

TEST(ConsecutivePasses, SqueezesWithNegativeAxesNeedTheRank) {
  for (int64_t opset : {11, 13}) {
    SCOPED_TRACE(opset);
    // [1,3,1,4,1] -(-1)-> [1,3,1,4] -(-2,0)-> [3,4]: x's dims 4, 2, 0.
    const auto model = squeezes(opset, {-1}, {-2, 0}, {3, 4}).build();
    const auto after = optimized(model, {"fuse_consecutive_squeezes"});
    EXPECT_EQ(count_op(after, "Squeeze"), 1);
    expect_same_outputs(model, after, {random_tensor({1, 3, 1, 4, 1}, 7)});

    // Without shapes the negative axes cannot be placed.
    auto b = squeezes(opset, {-1}, {-2, 0}, {3, 4});
    b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
    b.proto().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_consecutive_squeezes"}), "Squeeze"), 2);
  }
}

TEST(ConsecutivePasses, SqueezeReadTwiceOrWithoutAxesStays) {
  {
    auto b = squeezes(13, {0}, {1}, {3, 4, 1});
    b.output("s", DType::kFloat32, Shape{3, 1, 4, 1});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_consecutive_squeezes"}), "Squeeze"), 2);
  }
  {
    ModelBuilder b(13);
    b.input("x", {1, 3, 1}).output("y", DType::kFloat32, Shape{3});
    b.initializer("a1", int64s({0}));
    b.node("Squeeze", {"x", "a1"}, {"s"});
    b.node("Squeeze", {"s"}, {"y"});  // every size-1 dim
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_consecutive_squeezes"}), "Squeeze"), 2);
  }
}

// --- fuse_consecutive_transposes ------------------------------------------------------------

namespace {

// x[2,3,4] -> Relu -> a -> Transpose(p1) -> t -> Transpose(p2) -> y, perms omitted when empty.
ModelBuilder transposes(const std::vector<int64_t>& p1, const std::vector<int64_t>& p2, const Shape& out,
                        bool relu = true) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y", DType::kFloat32, out);
  if (relu) b.node("Relu", {"x"}, {"a"});
  auto& t1 = b.node("Transpose", {relu ? "a" : "x"}, {"t"});
  if (!p1.empty()) set_attribute(t1, "perm", p1);
  auto& t2 = b.node("Transpose", {"t"}, {"y"});
  if (!p2.empty()) set_attribute(t2, "perm", p2);
  return b;
}

}  // namespace

TEST(ConsecutivePasses, TransposesComposeIntoOne) {
  // [2,3,4] -(1,2,0)-> [3,4,2] -(0,2,1)-> [3,2,4]; composed perm [1,0,2].
  const auto model = transposes({1, 2, 0}, {0, 2, 1}, {3, 2, 4}).build();
  const auto after = optimized(model, {"fuse_consecutive_transposes"});
  ASSERT_EQ(count_op(after, "Transpose"), 1);
  const auto* t = find_node(after, "Transpose");
  EXPECT_EQ(t->input(0), "a");
  EXPECT_EQ(t->output(0), "y");
  EXPECT_EQ(ints_attribute(*t, "perm"), (std::vector<int64_t>{1, 0, 2}));
  expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 8)});
}

TEST(ConsecutivePasses, TransposesThatCancelAreRemoved) {
  // Inverse perms; and two reversals (no perm attribute).
  for (auto [p1, p2] : {std::pair<std::vector<int64_t>, std::vector<int64_t>>{{1, 2, 0}, {2, 0, 1}},
                        std::pair<std::vector<int64_t>, std::vector<int64_t>>{{}, {}}}) {
    const auto model = transposes(p1, p2, {2, 3, 4}).build();
    const auto after = optimized(model, {"fuse_consecutive_transposes"});
    EXPECT_EQ(count_op(after, "Transpose"), 0);
    EXPECT_EQ(after.proto().graph().node(0).output(0), "y") << "the Relu now produces the graph output";
    expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 9)});
  }
  // The output is not a graph output: readers read the Transposes' input.
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y", DType::kFloat32, Shape{2, 3, 4});
  set_attribute(b.node("Transpose", {"x"}, {"t"}), "perm", std::vector<int64_t>{2, 0, 1});
  set_attribute(b.node("Transpose", {"t"}, {"u"}), "perm", std::vector<int64_t>{1, 2, 0});
  b.node("Neg", {"u"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_consecutive_transposes"});
  EXPECT_EQ(count_op(after, "Transpose"), 0);
  EXPECT_EQ(find_node(after, "Neg")->input(0), "x");
  expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 10)});
}

TEST(ConsecutivePasses, CancellingTransposesFromInputToOutputLeaveOneIdentity) {
  const auto model = transposes({1, 2, 0}, {2, 0, 1}, {2, 3, 4}, /*relu=*/false).build();
  const auto after = optimized(model, {"fuse_consecutive_transposes"});
  ASSERT_EQ(count_op(after, "Transpose"), 1) << "removing both would rename graph input x or output y";
  EXPECT_EQ(ints_attribute(*find_node(after, "Transpose"), "perm"), (std::vector<int64_t>{0, 1, 2}));
  expect_same_outputs(model, after, {random_tensor({2, 3, 4}, 11)});
}

TEST(ConsecutivePasses, TransposeReadTwiceStays) {
  auto b = transposes({1, 2, 0}, {0, 2, 1}, {3, 2, 4});
  b.output("t", DType::kFloat32, Shape{3, 4, 2});
  EXPECT_EQ(count_op(optimized(b.build(), {"fuse_consecutive_transposes"}), "Transpose"), 2);
}

// --- extract_constant_to_initializer --------------------------------------------------------

TEST(ConsecutivePasses, ConstantsBecomeInitializersOfTheSameName) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", DType::kFloat32, Shape{3, 2});
  auto& c = b.node("Constant", {}, {"c"});
  auto* value = c.add_attribute();
  value->set_name("value");
  value->set_type(piu::onnx::AttributeProto::TENSOR);
  *value->mutable_t() = piu::tensor_to_proto(random_tensor({2, 3}, 12), "");
  auto& shape = b.node("Constant", {}, {"shape"});
  set_attribute(shape, "value_ints", std::vector<int64_t>{3, 2});
  auto& scale = b.node("Constant", {}, {"scale"});
  set_attribute(scale, "value_float", 0.5f);
  b.node("Add", {"x", "c"}, {"sum"});
  b.node("Mul", {"sum", "scale"}, {"scaled"});
  b.node("Reshape", {"scaled", "shape"}, {"y"});
  const auto model = b.build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"extract_constant_to_initializer"}, &report);
  EXPECT_EQ(count_op(after, "Constant"), 0);
  EXPECT_EQ(applications(report), 3);
  for (const char* name : {"c", "shape", "scale"}) EXPECT_TRUE(has_initializer(after.proto().graph(), name)) << name;
  EXPECT_EQ(initializer_ints(after, "shape"), (std::vector<int64_t>{3, 2}));
  expect_same_outputs(model, after, {random_tensor({2, 3}, 13)});
}

TEST(ConsecutivePasses, ConstantThatIsAGraphOutputStays) {
  ModelBuilder b;
  b.input("x", {2}).output("y", DType::kFloat32, Shape{2}).output("c", DType::kInt64, Shape{2});
  set_attribute(b.node("Constant", {}, {"c"}), "value_ints", std::vector<int64_t>{1, 2});
  b.node("Relu", {"x"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"extract_constant_to_initializer"});
  EXPECT_EQ(count_op(after, "Constant"), 1);
  EXPECT_EQ(after.proto().graph().initializer_size(), 0);
  expect_same_outputs(model, after, {random_tensor({2}, 14)});
}

TEST(ConsecutivePasses, ConstantsInSubgraphsBecomeSubgraphInitializers) {
  ModelBuilder b;
  b.input("x", {2}).input("cond", {}, DType::kBool).output("y", DType::kFloat32, Shape{2});
  auto& if_node = b.node("If", {"cond"}, {"y"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = if_node.add_attribute();
    a->set_name(branch);
    a->set_type(piu::onnx::AttributeProto::GRAPH);
    auto* g = a->mutable_g();
    g->set_name(branch);
    const std::string k = std::string(branch) + "_k";
    auto* c = g->add_node();
    c->set_op_type("Constant");
    c->add_output(k);
    auto* v = c->add_attribute();
    v->set_name("value_floats");
    v->set_type(piu::onnx::AttributeProto::FLOATS);
    v->add_floats(std::string(branch) == "then_branch" ? 2.0f : -3.0f);
    v->add_floats(0.25f);
    auto* mul = g->add_node();
    mul->set_op_type("Mul");
    mul->add_input("x");
    mul->add_input(k);
    mul->add_output(std::string(branch) + "_out");
    auto* o = g->add_output();
    o->set_name(std::string(branch) + "_out");
    o->mutable_type()->mutable_tensor_type()->set_elem_type(piu::onnx::TensorProto::FLOAT);
    o->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  }
  const auto model = b.build();
  const auto after = optimized(model, {"extract_constant_to_initializer"});
  EXPECT_EQ(count_op(after, "Constant"), 0);
  const auto& if_after = after.proto().graph().node(0);
  EXPECT_TRUE(has_initializer(if_after.attribute(0).g(), "then_branch_k"));
  EXPECT_TRUE(has_initializer(if_after.attribute(1).g(), "else_branch_k"));
  const auto x = random_tensor({2}, 15);
  expect_same_outputs(model, after, {x, Tensor::from_vector<bool>({true}, {})});
  expect_same_outputs(model, after, {x, Tensor::from_vector<bool>({false}, {})});
}

TEST(ConsecutivePasses, ConstantsStayWhenInitializersAreInputs) {
  // The IR version 3 layout: every initializer is also a graph input.
  ModelBuilder b(8, 3);
  b.input("x", {2}).input("w", {2}).output("y", DType::kFloat32, Shape{2});
  b.initializer("w", random_tensor({2}, 16));
  set_attribute(b.node("Constant", {}, {"c"}), "value_float", 2.0f);
  b.node("Add", {"x", "w"}, {"s"});
  b.node("Mul", {"s", "c"}, {"y"});
  const auto after = optimized(b.build(), {"extract_constant_to_initializer"});
  EXPECT_EQ(count_op(after, "Constant"), 1);
}

// --- lift_lexical_references and nop --------------------------------------------------------

TEST(ConsecutivePasses, LiftLexicalReferencesChecksAndKeepsTheModelValid) {
  ModelBuilder b;
  b.input("x", {2}).input("cond", {}, DType::kBool).output("y", DType::kFloat32, Shape{2});
  b.node("Relu", {"x"}, {"outer"});
  auto& if_node = b.node("If", {"cond"}, {"y"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = if_node.add_attribute();
    a->set_name(branch);
    a->set_type(piu::onnx::AttributeProto::GRAPH);
    auto* g = a->mutable_g();
    g->set_name(branch);
    auto* n = g->add_node();
    n->set_op_type(std::string(branch) == "then_branch" ? "Neg" : "Abs");
    n->add_input("outer");
    n->add_output(std::string(branch) + "_out");
    auto* o = g->add_output();
    o->set_name(std::string(branch) + "_out");
    o->mutable_type()->mutable_tensor_type()->set_elem_type(piu::onnx::TensorProto::FLOAT);
    o->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  }
  const auto model = b.build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"lift_lexical_references"}, &report);
  EXPECT_EQ(applications(report), 0);
  EXPECT_EQ(report.nodes_before, report.nodes_after);
  for (const auto& n : after.proto().graph().node())
    EXPECT_EQ(piu::passes::find_attribute(n, "__control_inputs"), nullptr);
  const auto x = random_tensor({2}, 17);
  expect_same_outputs(model, after, {x, Tensor::from_vector<bool>({true}, {})});
  expect_same_outputs(model, after, {x, Tensor::from_vector<bool>({false}, {})});
}

TEST(ConsecutivePasses, NopChangesNothing) {
  ModelBuilder b;
  b.input("x", {2}).output("y", DType::kFloat32, Shape{2});
  b.node("Identity", {"x"}, {"a"});
  b.node("Relu", {"a"}, {"y"});
  const auto model = b.build();
  piu::OptimizeReport report;
  const auto after = optimized(model, {"nop"}, &report);
  EXPECT_EQ(applications(report), 0);
  EXPECT_EQ(piu::test::node_count(after), 2);
  expect_same_outputs(model, after, {random_tensor({2}, 18)});
}

// eliminate_common_subexpression: tiny graphs with repeated sub-graphs, op counts before/after,
// outputs compared on ONNX Runtime at several batch sizes (the batch dim stays dynamic).
#include "pass_test_util.hpp"
#include "piu/simplify.hpp"

namespace piu::test {
namespace {

const std::vector<std::string> kCse = {"eliminate_common_subexpression"};

// x [batch, 4, 6] is reshaped to [batch, -1] twice, each time through its own
// Shape -> Gather -> Unsqueeze -> Concat chain (as exporters write it), then y1 = Relu, y2 = Sigmoid.
// `second_index` names the Gather index of the second chain (an equal copy, or the same name).
ModelBuilder repeated_shape_chains(const std::string& second_index) {
  ModelBuilder b(17);
  b.input("x", {-1, 4, 6});
  b.output("y1");
  b.output("y2");
  b.initializer("zero", Tensor::from_vector<int64_t>({0}, {}));
  b.initializer("zero_copy", Tensor::from_vector<int64_t>({0}, {}));
  b.initializer("axes", int64s({0}));
  b.initializer("rest", int64s({-1}));
  for (const std::string k : {"1", "2"}) {
    b.node("Shape", {"x"}, {"s" + k});
    b.node("Gather", {"s" + k, k == "1" ? "zero" : second_index}, {"g" + k});
    b.node("Unsqueeze", {"g" + k, "axes"}, {"u" + k});
    set_attribute(b.node("Concat", {"u" + k, "rest"}, {"c" + k}), "axis", int64_t{0});
    b.node("Reshape", {"x", "c" + k}, {"r" + k});
  }
  b.node("Relu", {"r1"}, {"y1"});
  b.node("Sigmoid", {"r2"}, {"y2"});
  return b;
}

void expect_same_at_batches(const OnnxModel& before, const OnnxModel& after) {
  for (int64_t batch : {1, 3, 8}) expect_same_outputs(before, after, {random_tensor({batch, 4, 6}, batch)});
}

TEST(CommonSubexpression, RepeatedShapeChainsMergeIntoOne) {
  const auto before = repeated_shape_chains("zero").build();
  ASSERT_EQ(node_count(before), 12);
  OptimizeReport report;
  const auto after = optimized(before, kCse, &report);
  EXPECT_EQ(report.passes[0].applications, 5);
  EXPECT_EQ(node_count(after), 7);  // one chain and one Reshape, then Relu and Sigmoid
  for (const char* op : {"Shape", "Gather", "Unsqueeze", "Concat", "Reshape"}) EXPECT_EQ(count_op(after, op), 1) << op;
  expect_same_at_batches(before, after);
  // The batch dim is still dynamic.
  EXPECT_TRUE(after.proto().graph().input(0).type().tensor_type().shape().dim(0).has_dim_param());
}

TEST(CommonSubexpression, EqualConstantsUnderOtherNamesMergeOnceDeduplicated) {
  // Gather reads an equal initializer under another name: not the same input until
  // eliminate_duplicate_initializer has merged the two.
  const auto before = repeated_shape_chains("zero_copy").build();
  EXPECT_EQ(node_count(optimized(before, kCse)), 11);  // only the Shapes merge
  const auto after = optimized(before, {"eliminate_duplicate_initializer", "eliminate_common_subexpression"});
  EXPECT_EQ(node_count(after), 7);
  expect_same_at_batches(before, after);
}

// x [batch, 4] -> two Relu nodes; `outputs` says which of them are graph outputs.
OnnxModel twin_relus(bool first_is_output, bool second_is_output) {
  ModelBuilder b(17);
  b.input("x", {-1, 4});
  const std::string a = first_is_output ? "out_a" : "a";
  const std::string c = second_is_output ? "out_b" : "b";
  b.node("Relu", {"x"}, {a});
  b.node("Relu", {"x"}, {c});
  b.node("Add", {a, c}, {"sum"});
  b.output("sum");
  if (first_is_output) b.output(a);
  if (second_is_output) b.output(c);
  return b.build();
}

std::vector<std::string> output_names(const OnnxModel& m) {
  std::vector<std::string> names;
  for (const auto& o : m.proto().graph().output()) names.push_back(o.name());
  return names;
}

TEST(CommonSubexpression, GraphOutputsKeepTheirNames) {
  for (const auto& [first, second] : std::vector<std::pair<bool, bool>>{{false, true}, {true, false}}) {
    const auto before = twin_relus(first, second);
    const auto after = optimized(before, kCse);
    EXPECT_EQ(count_op(after, "Relu"), 1) << first << second;
    EXPECT_EQ(output_names(after), output_names(before));
    const std::string kept = first ? "out_a" : "out_b";
    bool produced = false;
    for (const auto& n : after.proto().graph().node())
      if (n.op_type() == "Relu") produced = n.output(0) == kept;
    EXPECT_TRUE(produced) << "the remaining Relu produces the graph output " << kept;
    for (int64_t batch : {1, 5}) expect_same_outputs(before, after, {random_tensor({batch, 4}, 7)});
  }
  // Both are graph outputs: merging would drop one of the names; both stay.
  const auto both = twin_relus(true, true);
  EXPECT_EQ(count_op(optimized(both, kCse), "Relu"), 2);
}

TEST(CommonSubexpression, DifferentAttributesOrNondeterministicOpsStay) {
  ModelBuilder b(17);
  b.input("x", {-1, 4, 6});
  b.output("y");
  b.output("s");
  b.output("r");
  set_attribute(b.node("Transpose", {"x"}, {"t1"}), "perm", std::vector<int64_t>{0, 2, 1});
  set_attribute(b.node("Transpose", {"x"}, {"t2"}), "perm", std::vector<int64_t>{1, 0, 2});
  b.node("ReduceSum", {"t1"}, {"m1"});
  b.node("ReduceSum", {"t2"}, {"m2"});
  b.node("Add", {"m1", "m2"}, {"y"});
  // Shape with start/end: the attributes tell them apart; the two start=1 ones are the same.
  b.node("Shape", {"x"}, {"s0"});
  set_attribute(b.node("Shape", {"x"}, {"s1"}), "start", int64_t{1});
  set_attribute(b.node("Shape", {"x"}, {"s1b"}), "start", int64_t{1});
  set_attribute(b.node("Concat", {"s0", "s1", "s1b"}, {"s"}), "axis", int64_t{0});
  // Two random draws are two different values.
  b.node("RandomUniformLike", {"x"}, {"n1"});
  b.node("RandomUniformLike", {"x"}, {"n2"});
  b.node("Sub", {"n1", "n2"}, {"r"});
  const auto before = b.build();
  const auto after = optimized(before, kCse);
  EXPECT_EQ(count_op(after, "Transpose"), 2);
  EXPECT_EQ(count_op(after, "Shape"), 2);
  EXPECT_EQ(count_op(after, "RandomUniformLike"), 2);
  EXPECT_EQ(node_count(after), node_count(before) - 1);
}

TEST(CommonSubexpression, IdenticalConstantNodesMerge) {
  ModelBuilder b(17);
  b.input("x", {-1, 3});
  b.output("y");
  for (const char* name : {"c1", "c2"}) {
    auto& c = b.node("Constant", {}, {name});
    auto* a = c.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = tensor_to_proto(Tensor::from_vector<float>({1, 2, 3}, {3}), "");
  }
  b.node("Mul", {"x", "c1"}, {"m"});
  b.node("Add", {"m", "c2"}, {"y"});
  const auto before = b.build();
  const auto after = optimized(before, kCse);
  EXPECT_EQ(count_op(after, "Constant"), 1);
  for (int64_t batch : {1, 4}) expect_same_outputs(before, after, {random_tensor({batch, 3}, 2)});
}

TEST(CommonSubexpression, SimplifyMergesRepeatedChainsAndKeepsTheBatchDynamic) {
  OnnxModel model = repeated_shape_chains("zero_copy").build();
  const OnnxModel original(model.proto());
  const SimplifyReport report = simplify(model);
  EXPECT_EQ(report.nodes_before, 12);
  EXPECT_LE(report.nodes_after, 4);  // the target becomes the constant [0, -1]: Reshape, Relu, Sigmoid
  EXPECT_EQ(count_op(model, "Reshape"), 1);
  EXPECT_TRUE(model.proto().graph().input(0).type().tensor_type().shape().dim(0).has_dim_param());
  expect_same_at_batches(original, model);
}

}  // namespace
}  // namespace piu::test

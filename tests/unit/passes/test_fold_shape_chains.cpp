// fold_shape_chains: shape sub-graphs as exporters write them, op counts before/after, outputs
// compared on ONNX Runtime at several batch sizes (the batch dim must stay dynamic).
#include "pass_test_util.hpp"
#include "piu/simplify.hpp"

namespace piu::test {
namespace {

const std::vector<std::string> kFold = {"fold_shape_chains"};

ModelBuilder with_shape_constants(ModelBuilder b) {
  b.initializer("i0", Tensor::from_vector<int64_t>({0}, {}));
  b.initializer("i1", Tensor::from_vector<int64_t>({1}, {}));
  b.initializer("axes", int64s({0}));
  b.initializer("minus_one", int64s({-1}));
  b.initializer("start", int64s({0}));
  b.initializer("end", int64s({1}));
  return b;
}

TEST(FoldShapeChains, StaticDimsFoldAndTheReshapeTargetBecomesConstant) {
  // x [batch, 3, 4, 4] -> Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), Unsqueeze(Gather(Shape(x), 1)), [-1]))
  ModelBuilder b = with_shape_constants(ModelBuilder(17));
  b.input("x", {-1, 3, 4, 4});
  b.output("y");
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "i0"}, {"g0"});
  b.node("Gather", {"s", "i1"}, {"g1"});
  b.node("Unsqueeze", {"g0", "axes"}, {"u0"});
  b.node("Unsqueeze", {"g1", "axes"}, {"u1"});
  set_attribute(b.node("Concat", {"u0", "u1", "minus_one"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"x", "target"}, {"y"});
  const auto before = b.build();
  const auto after = optimized(before, kFold);
  ASSERT_EQ(node_count(after), 1);
  const auto& reshape = after.proto().graph().node(0);
  const auto target =
      std::find_if(after.proto().graph().initializer().begin(), after.proto().graph().initializer().end(),
                   [&](const auto& t) { return t.name() == reshape.input(1); });
  ASSERT_NE(target, after.proto().graph().initializer().end());
  const Tensor t = tensor_from_proto(*target);
  EXPECT_EQ(std::vector<int64_t>(t.data_as<int64_t>(), t.data_as<int64_t>() + t.numel()),
            (std::vector<int64_t>{0, 3, -1}));
  EXPECT_TRUE(after.proto().graph().input(0).type().tensor_type().shape().dim(0).has_dim_param());
  for (int64_t batch : {1, 3, 8}) expect_same_outputs(before, after, {random_tensor({batch, 3, 4, 4}, batch)});
}

TEST(FoldShapeChains, Int32RoundTripOfADynamicDimReadsTheInt64Value) {
  // The batch dim taken twice: Slice(Shape(x)) in int64, and through Cast(int32) -> Slice -> Cast(int64)
  // (paddle2onnx's form). Both feed ConstantOfShape([batch, 2]); the second chain goes.
  ModelBuilder b = with_shape_constants(ModelBuilder(17));
  b.input("x", {-1, 3});
  b.output("a");
  b.output("b");
  b.initializer("two", int64s({2}));
  b.node("Shape", {"x"}, {"s"});
  b.node("Slice", {"s", "start", "end"}, {"n"});
  set_attribute(b.node("Concat", {"n", "two"}, {"dims"}), "axis", int64_t{0});
  b.node("ConstantOfShape", {"dims"}, {"a"});
  b.node("Shape", {"x"}, {"s2"});
  set_attribute(b.node("Cast", {"s2"}, {"s32"}), "to", int64_t{onnx::TensorProto::INT32});
  b.initializer("start32", Tensor::from_vector<int32_t>({0}, {1}));
  b.initializer("end32", Tensor::from_vector<int32_t>({1}, {1}));
  b.node("Slice", {"s32", "start32", "end32"}, {"n32"});
  set_attribute(b.node("Cast", {"n32"}, {"n64"}), "to", int64_t{onnx::TensorProto::INT64});
  set_attribute(b.node("Concat", {"n64", "two"}, {"dims2"}), "axis", int64_t{0});
  b.node("ConstantOfShape", {"dims2"}, {"b"});
  const auto before = b.build();
  const auto after = optimized(before, kFold);
  EXPECT_EQ(node_count(after), 5);  // Shape, Slice, Concat and two ConstantOfShape
  EXPECT_EQ(count_op(after, "Cast"), 0);
  for (int64_t batch : {1, 4}) expect_same_outputs(before, after, {random_tensor({batch, 3}, 9)});
}

TEST(FoldShapeChains, DynamicDimsAndGraphOutputsStay) {
  // n = Gather(Shape(x), 0) is the dynamic batch: not a constant. d = Gather(Shape(x), 1) is a
  // static 3, but a graph output: its node stays so the output keeps its name.
  ModelBuilder b = with_shape_constants(ModelBuilder(17));
  b.input("x", {-1, 3});
  b.output("n", DType::kInt64);
  b.output("d", DType::kInt64);
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "i0"}, {"n"});
  b.node("Gather", {"s", "i1"}, {"d"});
  const auto before = b.build();
  const auto after = optimized(before, kFold);
  EXPECT_EQ(node_count(after), 3);
  EXPECT_EQ(after.proto().graph().output(0).name(), "n");
  EXPECT_EQ(after.proto().graph().output(1).name(), "d");
  for (int64_t batch : {1, 6}) {
    const auto out = run_model(after, {random_tensor({batch, 3}, 1)});
    EXPECT_EQ(out[0].data_as<int64_t>()[0], batch);
    EXPECT_EQ(out[1].data_as<int64_t>()[0], 3);
  }
}

TEST(FoldShapeChains, ReshapeTargetCopiesOnlyTheInputsOwnDims) {
  // x [n, 4] reshaped to the shape of y [a, b]: neither of y's dims is known to be one of x's, so
  // no constant target can say it. With y [n, b] it can: [0, -1].
  ModelBuilder b = with_shape_constants(ModelBuilder(17));
  b.input("x", {-1, 4});
  b.input("y", {-1, -1});
  b.output("z");
  b.node("Shape", {"y"}, {"s"});
  b.node("Reshape", {"x", "s"}, {"z"});
  auto* y_dims = b.proto().mutable_graph()->mutable_input(1)->mutable_type()->mutable_tensor_type()->mutable_shape();
  y_dims->mutable_dim(0)->set_dim_param("a");
  y_dims->mutable_dim(1)->set_dim_param("b");
  EXPECT_EQ(node_count(optimized(b.build(), kFold)), 2);
  y_dims->mutable_dim(0)->set_dim_param("N0");  // x's batch symbol
  const auto before = b.build();
  const auto after = optimized(before, kFold);
  EXPECT_EQ(node_count(after), 1);
  for (int64_t batch : {1, 3})
    expect_same_outputs(before, after, {random_tensor({batch, 4}, 1), random_tensor({batch, 4}, 2)});
}

TEST(FoldShapeChains, Int32CastOfAValueInt32CannotHoldStays) {
  // 2^40 through Cast(int32) and back is not 2^40: neither folded nor merged with the original.
  ModelBuilder b(17);
  b.input("x", {-1}, DType::kInt64);
  b.output("y", DType::kInt64);
  b.initializer("big", Tensor::from_vector<int64_t>({int64_t{1} << 40}, {1}));
  set_attribute(b.node("Cast", {"big"}, {"b32"}), "to", int64_t{onnx::TensorProto::INT32});
  set_attribute(b.node("Cast", {"b32"}, {"b64"}), "to", int64_t{onnx::TensorProto::INT64});
  b.node("Add", {"x", "b64"}, {"y"});
  const auto before = b.build();
  const auto after = optimized(before, kFold);
  EXPECT_EQ(count_op(after, "Cast"), 2);
  Tensor x = Tensor::from_vector<int64_t>({1, 2}, {2});
  EXPECT_EQ(run_model(after, {x})[0].data_as<int64_t>()[0], run_model(before, {x})[0].data_as<int64_t>()[0]);
}

TEST(FoldShapeChains, OneNameOnSeveralDimsSaysNothing) {
  // x [n, 3, ?, ?] (one "?" for both unknown dims, as some exporters write) reshaped to
  // [n, 3, W, H]: the target's "?" dims are not x's own dims at those positions. Taking them for
  // equal would make the target [0, 3, 0, 0], a copy of x's shape, wrong whenever H != W.
  ModelBuilder b = with_shape_constants(ModelBuilder(17));
  b.input("x", {-1, 3, -1, -1});
  b.output("y");
  auto* dims = b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dims->mutable_dim(2)->set_dim_param("?");
  dims->mutable_dim(3)->set_dim_param("?");
  b.initializer("two", int64s({2}));
  b.initializer("three", int64s({3}));
  b.node("Shape", {"x"}, {"s"});
  b.node("Slice", {"s", "start", "two"}, {"n3"});
  b.node("Gather", {"s", "three"}, {"w"});
  b.node("Gather", {"s", "two"}, {"h"});
  set_attribute(b.node("Concat", {"n3", "w", "h"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"x", "target"}, {"y"});
  const auto before = b.build();
  const auto after = optimized(before, kFold);
  EXPECT_EQ(count_op(after, "Shape"), 1);
  OnnxModel simplified(before.proto());
  simplify(simplified);
  for (const OnnxModel* m : {&after, static_cast<const OnnxModel*>(&simplified)})
    for (int64_t batch : {1, 2}) expect_same_outputs(before, *m, {random_tensor({batch, 3, 4, 6}, 3)});
}

}  // namespace
}  // namespace piu::test

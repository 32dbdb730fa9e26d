// Fuse passes: fuse_bn_into_conv, fuse_add_bias_into_conv, fuse_matmul_add_bias_into_gemm,
// fuse_pad_into_conv and fuse_transpose_into_gemm. Each positive case checks the op counts and
// that ONNX Runtime gives the same outputs before and after; negative cases check nothing changed.
#include <gtest/gtest.h>

#include <cmath>

#include "passes/pass_test_util.hpp"

using piu::DType;
using piu::Shape;
using piu::Tensor;
using piu::test::count_op;
using piu::test::expect_same_outputs;
using piu::test::int64s;
using piu::test::ints_attribute;
using piu::test::ModelBuilder;
using piu::test::node_count;
using piu::test::optimized;
using piu::test::random_tensor;
using piu::test::set_attribute;

namespace {

void set_string(piu::onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(piu::onnx::AttributeProto::STRING);
  a->set_s(value);
}

const piu::onnx::NodeProto* find_node(const piu::OnnxModel& m, const std::string& op) {
  for (const auto& n : m.proto().graph().node())
    if (n.op_type() == op) return &n;
  return nullptr;
}

int64_t int_attribute(const piu::onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  return piu::passes::attribute_int(node, name, fallback);
}

bool has_initializer(const piu::OnnxModel& m, const std::string& name) {
  for (const auto& t : m.proto().graph().initializer())
    if (t.name() == name) return true;
  return false;
}

// ---- BatchNormalization ----------------------------------------------------------------------

struct ConvBnOptions {
  int64_t in_channels = 3;
  int64_t out_channels = 4;
  int64_t group = 1;
  bool conv_bias = false;
  int64_t opset = 17;
};

// x [2, Cin, 6, 6] -> Conv(3x3, pads 1, group) -> c -> BN -> y
ModelBuilder conv_bn(const ConvBnOptions& o) {
  ModelBuilder b(o.opset);
  const int64_t m = o.out_channels;
  b.input("x", {2, o.in_channels, 6, 6}).output("y", DType::kFloat32, Shape{2, m, 6, 6});
  b.initializer("w", random_tensor({m, o.in_channels / o.group, 3, 3}, 11));
  std::vector<std::string> conv_inputs = {"x", "w"};
  if (o.conv_bias) {
    b.initializer("b", random_tensor({m}, 12));
    conv_inputs.push_back("b");
  }
  b.initializer("scale", random_tensor({m}, 13));
  b.initializer("bias", random_tensor({m}, 14));
  b.initializer("mean", random_tensor({m}, 15));
  b.initializer("var", random_tensor({m}, 16, true));
  auto& conv = b.node("Conv", conv_inputs, {"c"});
  set_attribute(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  set_attribute(conv, "group", o.group);
  auto& bn = b.node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"y"});
  set_attribute(bn, "epsilon", 1e-3f);
  return b;
}

void expect_bn_folded(const piu::OnnxModel& model, const Tensor& x) {
  const auto after = optimized(model, {"fuse_bn_into_conv"});
  EXPECT_EQ(count_op(after, "BatchNormalization"), 0);
  EXPECT_EQ(count_op(after, "Conv"), 1);
  EXPECT_EQ(node_count(after), 1);
  const auto& conv = after.proto().graph().node(0);
  EXPECT_EQ(conv.input_size(), 3);
  EXPECT_EQ(conv.output(0), "y") << "the Conv produces the BN's output name";
  EXPECT_EQ(after.proto().graph().output(0).name(), "y");
  for (const char* old_value : {"w", "b", "scale", "bias", "mean", "var"})
    EXPECT_FALSE(has_initializer(after, old_value)) << old_value << " is unused after folding";
  expect_same_outputs(model, after, {x}, 1e-4);
}

}  // namespace

TEST(FusePasses, BnIntoConvWithoutBias) { expect_bn_folded(conv_bn({}).build(), random_tensor({2, 3, 6, 6}, 1)); }

TEST(FusePasses, BnIntoConvWithBias) {
  ConvBnOptions o;
  o.conv_bias = true;
  expect_bn_folded(conv_bn(o).build(), random_tensor({2, 3, 6, 6}, 2));
}

TEST(FusePasses, BnIntoGroupedAndDepthwiseConv) {
  ConvBnOptions grouped;
  grouped.in_channels = 4;
  grouped.out_channels = 6;
  grouped.group = 2;
  grouped.conv_bias = true;
  expect_bn_folded(conv_bn(grouped).build(), random_tensor({2, 4, 6, 6}, 3));
  ConvBnOptions depthwise;
  depthwise.in_channels = 4;
  depthwise.out_channels = 4;
  depthwise.group = 4;
  expect_bn_folded(conv_bn(depthwise).build(), random_tensor({2, 4, 6, 6}, 4));
}

TEST(FusePasses, BnIntoConvOlderOpsets) {
  ConvBnOptions o;
  o.opset = 9;
  expect_bn_folded(conv_bn(o).build(), random_tensor({2, 3, 6, 6}, 5));
  o.opset = 7;
  expect_bn_folded(conv_bn(o).build(), random_tensor({2, 3, 6, 6}, 5));
  {
    // Opset 8 with spatial = 0: per-activation statistics, not a per-channel map.
    o.opset = 8;
    auto b = conv_bn(o);
    set_attribute(*b.proto().mutable_graph()->mutable_node(1), "spatial", int64_t{0});
    const auto after = optimized(b.build(), {"fuse_bn_into_conv"});
    EXPECT_EQ(count_op(after, "BatchNormalization"), 1);
  }
  {
    // Opset 6 without is_test: training mode.
    o.opset = 6;
    const auto after = optimized(conv_bn(o).build(), {"fuse_bn_into_conv"});
    EXPECT_EQ(count_op(after, "BatchNormalization"), 1);
  }
}

TEST(FusePasses, BnFoldingKeepsSharedWeights) {
  // w feeds two Convs; only one is followed by a BN. The other must still read the original w.
  auto b = conv_bn({});
  b.output("z", DType::kFloat32, Shape{2, 4, 4, 4});
  b.node("Conv", {"x", "w"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_bn_into_conv"});
  EXPECT_EQ(count_op(after, "BatchNormalization"), 0);
  EXPECT_TRUE(has_initializer(after, "w"));
  int readers_of_w = 0;
  for (const auto& n : after.proto().graph().node()) readers_of_w += n.input(1) == "w" ? 1 : 0;
  EXPECT_EQ(readers_of_w, 1);
  expect_same_outputs(model, after, {random_tensor({2, 3, 6, 6}, 6)}, 1e-4);
}

TEST(FusePasses, BnIntoFloat16Conv) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}, DType::kFloat16).output("y", DType::kFloat16, Shape{1, 3, 2, 2});
  Tensor w = Tensor::zeros(DType::kFloat16, {3, 2, 3, 3});
  for (int64_t i = 0; i < w.numel(); ++i) static_cast<uint16_t*>(w.data())[i] = piu::float_to_half(0.25f);
  b.initializer("w", w);
  Tensor p = Tensor::zeros(DType::kFloat16, {3});
  for (int64_t i = 0; i < 3; ++i) static_cast<uint16_t*>(p.data())[i] = piu::float_to_half(2.0f);
  for (const char* name : {"scale", "bias", "mean", "var"}) b.initializer(name, p);
  b.node("Conv", {"x", "w"}, {"c"});
  auto& bn = b.node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"y"});
  set_attribute(bn, "epsilon", 2.0f);  // s = 2 / sqrt(2 + 2) = 1
  const auto after = optimized(b.build(), {"fuse_bn_into_conv"});
  ASSERT_EQ(count_op(after, "BatchNormalization"), 0);
  const auto& conv = after.proto().graph().node(0);
  for (const auto& t : after.proto().graph().initializer()) {
    EXPECT_EQ(t.data_type(), piu::onnx::TensorProto::FLOAT16) << t.name();
    const Tensor v = piu::tensor_from_proto(t);
    const double expected = t.name() == conv.input(1) ? 0.25 : 0.0;  // W * 1; (0 - 2) * 1 + 2
    for (int64_t i = 0; i < v.numel(); ++i) EXPECT_EQ(piu::element_as_double(v, i), expected) << t.name();
  }
}

TEST(FusePasses, BnNotFoldedWhenTrainingOrNotConstant) {
  {
    // Training mode with the running statistics read.
    ModelBuilder b(15);
    b.input("x", {2, 3, 6, 6}).output("y", DType::kFloat32, Shape{2, 4, 6, 6});
    b.output("rm", DType::kFloat32, Shape{4}).output("rv", DType::kFloat32, Shape{4});
    b.initializer("w", random_tensor({4, 3, 3, 3}, 1));
    for (const char* name : {"scale", "bias", "mean", "var"}) b.initializer(name, random_tensor({4}, 2, true));
    auto& conv = b.node("Conv", {"x", "w"}, {"c"});
    set_attribute(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
    auto& bn = b.node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"y", "rm", "rv"});
    set_attribute(bn, "training_mode", int64_t{1});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_bn_into_conv"}), "BatchNormalization"), 1);
  }
  {
    // training_mode = 1 with only Y used.
    auto b = conv_bn({});
    set_attribute(*b.proto().mutable_graph()->mutable_node(1), "training_mode", int64_t{1});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_bn_into_conv"}), "BatchNormalization"), 1);
  }
  {
    // W is a graph input.
    ModelBuilder b;
    b.input("x", {2, 3, 6, 6}).input("w", {4, 3, 3, 3}).output("y", DType::kFloat32, Shape{2, 4, 4, 4});
    for (const char* name : {"scale", "bias", "mean", "var"}) b.initializer(name, random_tensor({4}, 2, true));
    b.node("Conv", {"x", "w"}, {"c"});
    b.node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"y"});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_bn_into_conv"}), "BatchNormalization"), 1);
  }
  {
    // The mean is a graph input.
    ModelBuilder b;
    b.input("x", {2, 3, 6, 6}).input("mean", {4}).output("y", DType::kFloat32, Shape{2, 4, 4, 4});
    b.initializer("w", random_tensor({4, 3, 3, 3}, 1));
    for (const char* name : {"scale", "bias", "var"}) b.initializer(name, random_tensor({4}, 2, true));
    b.node("Conv", {"x", "w"}, {"c"});
    b.node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"y"});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_bn_into_conv"}), "BatchNormalization"), 1);
  }
  {
    // The Conv's output is also read by a Relu.
    auto b = conv_bn({});
    b.output("r", DType::kFloat32, Shape{2, 4, 6, 6});
    b.node("Relu", {"c"}, {"r"});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_bn_into_conv"}), "BatchNormalization"), 1);
  }
  {
    // The Conv's output is a graph output.
    auto b = conv_bn({});
    b.output("c", DType::kFloat32, Shape{2, 4, 6, 6});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_bn_into_conv"}), "BatchNormalization"), 1);
  }
}

// ---- Add bias --------------------------------------------------------------------------------

namespace {

// x [1, 3, 5, 4] -> Conv(1x1, 4 channels) -> c [1, 4, 5, 4] -> Add(bias) -> y
ModelBuilder conv_add(const Tensor& bias, bool conv_first = true, bool conv_bias = false) {
  ModelBuilder b;
  b.input("x", {1, 3, 5, 4}).output("y", DType::kFloat32, Shape{1, 4, 5, 4});
  b.initializer("w", random_tensor({4, 3, 1, 1}, 21));
  b.initializer("b", bias);
  std::vector<std::string> conv_inputs = {"x", "w"};
  if (conv_bias) {
    b.initializer("cb", random_tensor({4}, 22));
    conv_inputs.push_back("cb");
  }
  b.node("Conv", conv_inputs, {"c"});
  b.node("Add", conv_first ? std::vector<std::string>{"c", "b"} : std::vector<std::string>{"b", "c"}, {"y"});
  return b;
}

void expect_bias_fused(const piu::OnnxModel& model) {
  const auto after = optimized(model, {"fuse_add_bias_into_conv"});
  EXPECT_EQ(count_op(after, "Add"), 0);
  ASSERT_EQ(node_count(after), 1);
  const auto& conv = after.proto().graph().node(0);
  ASSERT_EQ(conv.input_size(), 3);
  EXPECT_EQ(conv.output(0), "y");
  bool found = false;
  for (const auto& t : after.proto().graph().initializer())
    if (t.name() == conv.input(2)) {
      found = true;
      EXPECT_EQ(t.dims_size(), 1);
      EXPECT_EQ(t.dims(0), 4);
    }
  EXPECT_TRUE(found) << "the bias is an initializer";
  expect_same_outputs(model, after, {random_tensor({1, 3, 5, 4}, 23)});
}

}  // namespace

TEST(FusePasses, AddBiasIntoConvChannelShapes) {
  expect_bias_fused(conv_add(random_tensor({1, 4, 1, 1}, 1)).build());
  expect_bias_fused(conv_add(random_tensor({4, 1, 1}, 2), /*conv_first=*/false).build());
  expect_bias_fused(conv_add(random_tensor({1}, 3)).build());
  expect_bias_fused(conv_add(random_tensor({}, 4), /*conv_first=*/false).build());
  expect_bias_fused(conv_add(random_tensor({1, 1, 1, 1}, 5)).build());
}

TEST(FusePasses, AddBiasReusesAOneDimensionalBias) {
  // Conv1D: output [1, 4, 6]; a [4, 1] bias lands on the channels.
  ModelBuilder b;
  b.input("x", {1, 3, 6}).output("y", DType::kFloat32, Shape{1, 4, 6});
  b.initializer("w", random_tensor({4, 3, 1}, 1));
  b.initializer("b", random_tensor({4, 1}, 2));
  b.node("Conv", {"x", "w"}, {"c"});
  b.node("Add", {"c", "b"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_add_bias_into_conv"});
  EXPECT_EQ(count_op(after, "Add"), 0);
  EXPECT_FALSE(has_initializer(after, "b")) << "the [4, 1] bias was replaced by a [4] one";
  expect_same_outputs(model, after, {random_tensor({1, 3, 6}, 3)});
}

TEST(FusePasses, AddBiasNotFused) {
  // A [4] bias against [1, 4, 5, 4] broadcasts along the last axis (width 4), not the channels.
  EXPECT_EQ(count_op(optimized(conv_add(random_tensor({4}, 1)).build(), {"fuse_add_bias_into_conv"}), "Add"), 1);
  // Varies along the height.
  EXPECT_EQ(count_op(optimized(conv_add(random_tensor({1, 1, 5, 1}, 1)).build(), {"fuse_add_bias_into_conv"}), "Add"),
            1);
  // The Conv already has a bias.
  EXPECT_EQ(
      count_op(optimized(conv_add(random_tensor({1, 4, 1, 1}, 1), true, true).build(), {"fuse_add_bias_into_conv"}),
               "Add"),
      1);
  {
    // Non-constant bias.
    ModelBuilder b;
    b.input("x", {1, 3, 5, 4}).input("b", {1, 4, 1, 1}).output("y", DType::kFloat32, Shape{1, 4, 5, 4});
    b.initializer("w", random_tensor({4, 3, 1, 1}, 21));
    b.node("Conv", {"x", "w"}, {"c"});
    b.node("Add", {"c", "b"}, {"y"});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_add_bias_into_conv"}), "Add"), 1);
  }
  {
    // The Conv's output is read by another node too.
    auto b = conv_add(random_tensor({1, 4, 1, 1}, 1));
    b.output("r", DType::kFloat32, Shape{1, 4, 5, 4});
    b.node("Relu", {"c"}, {"r"});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_add_bias_into_conv"}), "Add"), 1);
  }
  {
    // A bias of higher rank grows the output.
    ModelBuilder b;
    b.input("x", {1, 3, 5, 4}).output("y", DType::kFloat32, Shape{2, 1, 4, 5, 4});
    b.initializer("w", random_tensor({4, 3, 1, 1}, 21));
    b.initializer("b", random_tensor({2, 1, 1, 1, 1}, 22));
    b.node("Conv", {"x", "w"}, {"c"});
    b.node("Add", {"c", "b"}, {"y"});
    EXPECT_EQ(count_op(optimized(b.build(), {"fuse_add_bias_into_conv"}), "Add"), 1);
  }
}

// ---- MatMul + Add -> Gemm ----------------------------------------------------------------------

namespace {

// a [rows, 3] x b [3, 5] + c -> y
ModelBuilder matmul_add(const Shape& a_shape, const Tensor& c, const Shape& y_shape, bool matmul_first = true) {
  ModelBuilder b;
  b.input("a", a_shape).output("y", DType::kFloat32, y_shape);
  b.initializer("b", random_tensor({3, 5}, 31));
  b.initializer("c", c);
  b.node("MatMul", {"a", "b"}, {"m"});
  b.node("Add", matmul_first ? std::vector<std::string>{"m", "c"} : std::vector<std::string>{"c", "m"}, {"y"});
  return b;
}

void expect_gemm(const piu::OnnxModel& model, const Tensor& a) {
  const auto after = optimized(model, {"fuse_matmul_add_bias_into_gemm"});
  EXPECT_EQ(count_op(after, "MatMul"), 0);
  EXPECT_EQ(count_op(after, "Add"), 0);
  ASSERT_EQ(count_op(after, "Gemm"), 1);
  const auto* gemm = find_node(after, "Gemm");
  EXPECT_EQ(gemm->output(0), "y");
  EXPECT_EQ(gemm->input(0), "a");
  EXPECT_EQ(gemm->input(1), "b");
  EXPECT_EQ(gemm->input(2), "c");
  expect_same_outputs(model, after, {a});
}

}  // namespace

TEST(FusePasses, MatMulAddIntoGemm) {
  expect_gemm(matmul_add({4, 3}, random_tensor({5}, 1), {4, 5}).build(), random_tensor({4, 3}, 2));
  expect_gemm(matmul_add({4, 3}, random_tensor({4, 5}, 1), {4, 5}, false).build(), random_tensor({4, 3}, 3));
  expect_gemm(matmul_add({4, 3}, random_tensor({4, 1}, 1), {4, 5}).build(), random_tensor({4, 3}, 4));
  expect_gemm(matmul_add({4, 3}, random_tensor({}, 1), {4, 5}, false).build(), random_tensor({4, 3}, 5));
  // Dynamic rows: a bias that does not depend on them.
  expect_gemm(matmul_add({-1, 3}, random_tensor({1, 5}, 1), {-1, 5}).build(), random_tensor({7, 3}, 6));
}

TEST(FusePasses, MatMulAddNotFused) {
  const std::vector<std::string> pass = {"fuse_matmul_add_bias_into_gemm"};
  // Rank-3 A: a batched MatMul.
  EXPECT_EQ(count_op(optimized(matmul_add({2, 4, 3}, random_tensor({5}, 1), {2, 4, 5}).build(), pass), "Gemm"), 0);
  // Rank-1 A.
  EXPECT_EQ(count_op(optimized(matmul_add({3}, random_tensor({5}, 1), {5}).build(), pass), "Gemm"), 0);
  {
    // A of unknown rank.
    auto b = matmul_add({4, 3}, random_tensor({5}, 1), {4, 5});
    b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Gemm"), 0);
  }
  // Dynamic rows and a bias with 4 of them: cannot tell that it broadcasts.
  EXPECT_EQ(count_op(optimized(matmul_add({-1, 3}, random_tensor({4, 5}, 1), {4, 5}).build(), pass), "Gemm"), 0);
  // A bias that grows the output.
  EXPECT_EQ(count_op(optimized(matmul_add({4, 3}, random_tensor({2, 4, 5}, 1), {2, 4, 5}).build(), pass), "Gemm"), 0);
  EXPECT_EQ(count_op(optimized(matmul_add({1, 3}, random_tensor({4, 5}, 1), {4, 5}).build(), pass), "Gemm"), 0);
  {
    // The MatMul's output is read by another node too.
    auto b = matmul_add({4, 3}, random_tensor({5}, 1), {4, 5});
    b.output("r", DType::kFloat32, Shape{4, 5});
    b.node("Relu", {"m"}, {"r"});
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Gemm"), 0);
  }
}

// ---- Pad into Conv ---------------------------------------------------------------------------

namespace {

// x [1, 2, 5, 6] -> Pad(pads) -> p -> Conv(3x3, pads 1) -> y
// pads_as: "input" (opset >= 11), "attribute" (opset < 11) or "graph_input".
ModelBuilder pad_conv(int64_t opset, const std::vector<int64_t>& pads, const Shape& y_shape,
                      const std::string& pads_as = "input") {
  ModelBuilder b(opset);
  b.input("x", {1, 2, 5, 6});
  if (pads_as == "graph_input") b.input("pads", {static_cast<int64_t>(pads.size())}, DType::kInt64);
  b.output("y", DType::kFloat32, y_shape);
  b.initializer("w", random_tensor({3, 2, 3, 3}, 41));
  if (pads_as == "input") b.initializer("pads", int64s(pads));
  auto& pad = b.node(
      "Pad", pads_as == "attribute" ? std::vector<std::string>{"x"} : std::vector<std::string>{"x", "pads"}, {"p"});
  if (pads_as == "attribute") set_attribute(pad, "pads", pads);
  auto& conv = b.node("Conv", {"p", "w"}, {"y"});
  set_attribute(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  return b;
}

void expect_pad_fused(const piu::OnnxModel& model, const std::vector<int64_t>& conv_pads) {
  const auto after = optimized(model, {"fuse_pad_into_conv"});
  EXPECT_EQ(count_op(after, "Pad"), 0);
  ASSERT_EQ(node_count(after), 1);
  const auto& conv = after.proto().graph().node(0);
  EXPECT_EQ(conv.input(0), "x");
  EXPECT_EQ(ints_attribute(conv, "pads"), conv_pads);
  expect_same_outputs(model, after, {random_tensor({1, 2, 5, 6}, 42)});
}

}  // namespace

TEST(FusePasses, PadIntoConv) {
  // Pads [0, 0, 1, 2, 0, 0, 3, 0]: H gets 1 before and 3 after, W 2 before. Conv pads add up.
  expect_pad_fused(pad_conv(17, {0, 0, 1, 2, 0, 0, 3, 0}, {1, 3, 9, 8}).build(), {2, 3, 4, 1});
  // A zero constant_value input.
  auto b = pad_conv(13, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8});
  b.initializer("zero", Tensor::from_vector<float>({0.0f}, {}));
  b.proto().mutable_graph()->mutable_node(0)->add_input("zero");
  expect_pad_fused(b.build(), {2, 2, 2, 2});
}

TEST(FusePasses, PadIntoConvOpset10Attributes) {
  auto b = pad_conv(10, {0, 0, 0, 1, 0, 0, 2, 1}, {1, 3, 7, 8}, "attribute");
  set_attribute(*b.proto().mutable_graph()->mutable_node(0), "value", 0.0f);
  expect_pad_fused(b.build(), {1, 2, 3, 2});
}

TEST(FusePasses, PadIntoConvOpset18Axes) {
  // axes [-1, 2]: pads [w_begin, h_begin, w_end, h_end].
  auto b = pad_conv(18, {2, 1, 0, 3}, {1, 3, 9, 8});
  b.initializer("axes", int64s({-1, 2}));
  b.proto().mutable_graph()->mutable_node(0)->add_input("");
  b.proto().mutable_graph()->mutable_node(0)->add_input("axes");
  expect_pad_fused(b.build(), {2, 3, 4, 1});
}

TEST(FusePasses, PadNotFusedIntoConv) {
  const std::vector<std::string> pass = {"fuse_pad_into_conv"};
  // Non-constant pads.
  EXPECT_EQ(
      count_op(optimized(pad_conv(17, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8}, "graph_input").build(), pass), "Pad"), 1);
  // Padding the channels.
  EXPECT_EQ(count_op(optimized(pad_conv(17, {0, 1, 0, 0, 0, 0, 0, 0}, {1, 3, 5, 6}).build(), pass), "Pad"), 1);
  // Negative pads (cropping).
  EXPECT_EQ(count_op(optimized(pad_conv(17, {0, 0, -1, 0, 0, 0, 0, 0}, {1, 3, 4, 6}).build(), pass), "Pad"), 1);
  {
    // Reflect mode.
    auto b = pad_conv(17, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8});
    set_string(*b.proto().mutable_graph()->mutable_node(0), "mode", "reflect");
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
  }
  {
    // A non-zero constant value (opset 17 input, opset 10 attribute).
    auto b = pad_conv(17, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8});
    b.initializer("one", Tensor::from_vector<float>({1.0f}, {}));
    b.proto().mutable_graph()->mutable_node(0)->add_input("one");
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
    auto old = pad_conv(10, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8}, "attribute");
    set_attribute(*old.proto().mutable_graph()->mutable_node(0), "value", 0.5f);
    EXPECT_EQ(count_op(optimized(old.build(), pass), "Pad"), 1);
  }
  {
    // The Conv pads automatically.
    auto b = pad_conv(17, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8});
    auto& conv = *b.proto().mutable_graph()->mutable_node(1);
    piu::passes::remove_attribute(conv, "pads");
    set_string(conv, "auto_pad", "SAME_UPPER");
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
  }
  {
    // The padded value is also a graph output.
    auto b = pad_conv(17, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 3, 7, 8});
    b.output("p", DType::kFloat32, Shape{1, 2, 7, 8});
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
  }
}

// ---- Transpose into Gemm ---------------------------------------------------------------------

TEST(FusePasses, TransposeIntoGemm) {
  // y = Gemm(Transpose(a), Transpose(b), c) with transB = 1 already: a [3, 4] -> A [4, 3];
  // b [3, 5] -> [5, 3], transposed again by transB -> [3, 5].
  ModelBuilder b;
  b.input("a", {3, 4}).input("b", {3, 5}).output("y", DType::kFloat32, Shape{4, 5});
  b.initializer("c", random_tensor({5}, 51));
  auto& ta = b.node("Transpose", {"a"}, {"at"});
  set_attribute(ta, "perm", std::vector<int64_t>{1, 0});
  b.node("Transpose", {"b"}, {"bt"});  // no perm: reverses the two axes
  auto& gemm = b.node("Gemm", {"at", "bt", "c"}, {"y"});
  set_attribute(gemm, "transB", int64_t{1});
  set_attribute(gemm, "alpha", 0.5f);
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_transpose_into_gemm"});
  EXPECT_EQ(count_op(after, "Transpose"), 0);
  ASSERT_EQ(node_count(after), 1);
  const auto& g = after.proto().graph().node(0);
  EXPECT_EQ(g.input(0), "a");
  EXPECT_EQ(g.input(1), "b");
  EXPECT_EQ(int_attribute(g, "transA", 0), 1);
  EXPECT_EQ(int_attribute(g, "transB", 1), 0);
  expect_same_outputs(model, after, {random_tensor({3, 4}, 52), random_tensor({3, 5}, 53)});
}

TEST(FusePasses, TransposeSharedByTwoGemms) {
  // One Transpose read as A by one Gemm and as B by another.
  ModelBuilder b;
  b.input("a", {3, 3}).input("b", {3, 3}).output("y", DType::kFloat32, Shape{3, 3});
  b.output("z", DType::kFloat32, Shape{3, 3});
  b.node("Transpose", {"a"}, {"at"});
  b.node("Gemm", {"at", "b"}, {"y"});
  b.node("Gemm", {"b", "at"}, {"z"});
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_transpose_into_gemm"});
  EXPECT_EQ(count_op(after, "Transpose"), 0);
  expect_same_outputs(model, after, {random_tensor({3, 3}, 54), random_tensor({3, 3}, 55)});
}

TEST(FusePasses, TransposeNotFusedIntoGemm) {
  const std::vector<std::string> pass = {"fuse_transpose_into_gemm"};
  // a -> Transpose(perm) -> at [4, 3] -> Gemm(at, b [3, 5]) -> y [4, 5]
  auto base = [](const std::vector<int64_t>& perm, const Shape& a_shape) {
    ModelBuilder b;
    b.input("a", a_shape).input("b", {3, 5}).output("y", DType::kFloat32, Shape{4, 5});
    auto& t = b.node("Transpose", {"a"}, {"at"});
    set_attribute(t, "perm", perm);
    b.node("Gemm", {"at", "b"}, {"y"});
    return b;
  };
  {
    // perm [0, 1] is no transpose.
    const auto after = optimized(base({0, 1}, {4, 3}).build(), pass);
    EXPECT_EQ(count_op(after, "Transpose"), 1);
    EXPECT_EQ(find_node(after, "Gemm")->input(0), "at");
  }
  {
    // The Transpose is read by a Relu too.
    auto b = base({1, 0}, {3, 4});
    b.output("r", DType::kFloat32, Shape{4, 3});
    b.node("Relu", {"at"}, {"r"});
    const auto after = optimized(b.build(), pass);
    EXPECT_EQ(count_op(after, "Transpose"), 1);
    EXPECT_EQ(int_attribute(*find_node(after, "Gemm"), "transA", 0), 0);
  }
  {
    // The Transpose feeds C.
    ModelBuilder b;
    b.input("a", {3, 3}).input("c", {3, 3}).output("y", DType::kFloat32, Shape{3, 3});
    b.node("Transpose", {"c"}, {"ct"});
    b.node("Gemm", {"a", "a", "ct"}, {"y"});
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Transpose"), 1);
  }
}

// ---- Together --------------------------------------------------------------------------------

TEST(FusePasses, PadConvAddBnChainBecomesOneConv) {
  // x -> Pad -> Conv -> Add(per-channel) -> BN -> y, in the default list's relative order.
  ModelBuilder b;
  b.input("x", {1, 3, 6, 6}).output("y", DType::kFloat32, Shape{1, 4, 8, 8});
  b.initializer("pads", int64s({0, 0, 1, 1, 0, 0, 1, 1}));
  b.initializer("w", random_tensor({4, 3, 1, 1}, 61));
  b.initializer("b", random_tensor({1, 4, 1, 1}, 62));
  b.initializer("scale", random_tensor({4}, 63));
  b.initializer("bias", random_tensor({4}, 64));
  b.initializer("mean", random_tensor({4}, 65));
  b.initializer("var", random_tensor({4}, 66, true));
  b.node("Pad", {"x", "pads"}, {"p"});
  b.node("Conv", {"p", "w"}, {"c"});
  b.node("Add", {"c", "b"}, {"a"});
  b.node("BatchNormalization", {"a", "scale", "bias", "mean", "var"}, {"y"});
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_pad_into_conv", "fuse_add_bias_into_conv", "fuse_bn_into_conv"});
  EXPECT_EQ(node_count(after), 1);
  EXPECT_EQ(count_op(after, "Conv"), 1);
  const auto& conv = after.proto().graph().node(0);
  EXPECT_EQ(conv.input(0), "x");
  EXPECT_EQ(conv.input_size(), 3);
  EXPECT_EQ(ints_attribute(conv, "pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  for (const char* old_value : {"w", "b", "scale", "bias", "mean", "var"})
    EXPECT_FALSE(has_initializer(after, old_value)) << old_value << " is unused after folding";
  expect_same_outputs(model, after, {random_tensor({1, 3, 6, 6}, 67)}, 1e-4);
}

TEST(FusePasses, BnIntoConvInsideASubgraphReadingOuterConstants) {
  // The then-branch holds Conv -> BN over the outer graph's initializers; they stay in the outer
  // graph (the else-branch still reads w) and the folded ones go into the branch.
  auto b = conv_bn({});
  auto* g = b.proto().mutable_graph();
  g->mutable_node()->Clear();
  g->mutable_output(0)->set_name("out");
  b.input("cond", {}, DType::kBool);
  auto& if_node = b.node("If", {"cond"}, {"out"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    const bool then = std::string(branch) == "then_branch";
    auto* a = if_node.add_attribute();
    a->set_name(branch);
    a->set_type(piu::onnx::AttributeProto::GRAPH);
    auto* sub = a->mutable_g();
    sub->set_name(branch);
    auto* conv = sub->add_node();
    conv->set_op_type("Conv");
    conv->add_input("x");
    conv->add_input("w");
    conv->add_output(std::string(branch) + "_c");
    set_attribute(*conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
    std::string result = conv->output(0);
    if (then) {
      auto* bn = sub->add_node();
      bn->set_op_type("BatchNormalization");
      for (const char* in : {"then_branch_c", "scale", "bias", "mean", "var"}) bn->add_input(in);
      bn->add_output("then_y");
      result = "then_y";
    }
    auto* o = sub->add_output();
    o->set_name(result);
    auto* tt = o->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(piu::onnx::TensorProto::FLOAT);
    for (int64_t d : {2, 4, 6, 6}) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  const auto model = b.build();
  const auto after = optimized(model, {"fuse_bn_into_conv"});
  EXPECT_EQ(count_op(after, "BatchNormalization"), 0);
  EXPECT_EQ(count_op(after, "Conv"), 2);
  EXPECT_TRUE(has_initializer(after, "w"));
  EXPECT_TRUE(has_initializer(after, "scale")) << "an outer initializer is not the subgraph's to remove";
  const auto& then_branch = after.proto().graph().node(0).attribute(0).g();
  EXPECT_EQ(then_branch.initializer_size(), 2);
  EXPECT_EQ(then_branch.node(0).output(0), "then_y");
  const auto x = random_tensor({2, 3, 6, 6}, 71);
  expect_same_outputs(model, after, {x, Tensor::from_vector<bool>({true}, {})}, 1e-4);
  expect_same_outputs(model, after, {x, Tensor::from_vector<bool>({false}, {})}, 1e-4);
}

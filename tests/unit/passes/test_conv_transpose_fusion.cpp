// fuse_add_bias_into_conv and fuse_bn_into_conv on ConvTranspose (paddle2onnx's PP-OCR detection
// head writes ConvTranspose -> Add(bias) -> BatchNormalization): op counts before/after, outputs
// compared on ONNX Runtime at two batch sizes (the batch stays dynamic).
#include "pass_test_util.hpp"

namespace piu::test {
namespace {

// x [batch, 4, 5, 5] -> ConvTranspose(W [4, M/group, 2, 2], stride 2, group) -> Add(b [1, M, 1, 1])
// -> BatchNormalization -> y
OnnxModel conv_transpose_add_bn(int64_t group, int64_t out_channels) {
  ModelBuilder b(17);
  b.input("x", {-1, 4, 5, 5});
  b.output("y");
  b.initializer("w", random_tensor({4, out_channels / group, 2, 2}, 21));
  b.initializer("b", random_tensor({1, out_channels, 1, 1}, 22));
  b.initializer("scale", random_tensor({out_channels}, 23));
  b.initializer("bias", random_tensor({out_channels}, 24));
  b.initializer("mean", random_tensor({out_channels}, 25));
  b.initializer("var", random_tensor({out_channels}, 26, true));
  auto& conv = b.node("ConvTranspose", {"x", "w"}, {"c"});
  set_attribute(conv, "strides", std::vector<int64_t>{2, 2});
  set_attribute(conv, "group", group);
  b.node("Add", {"c", "b"}, {"a"});
  b.node("BatchNormalization", {"a", "scale", "bias", "mean", "var"}, {"y"});
  return b.build();
}

TEST(ConvTransposeFusion, AddBiasAndBnFoldIntoConvTranspose) {
  for (const auto& [group, channels] : std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {2, 6}, {4, 4}}) {
    const auto before = conv_transpose_add_bn(group, channels);
    const auto after = optimized(before, {"fuse_add_bias_into_conv", "fuse_bn_into_conv"});
    ASSERT_EQ(node_count(after), 1) << "group " << group;
    const auto& conv = after.proto().graph().node(0);
    EXPECT_EQ(conv.op_type(), "ConvTranspose");
    EXPECT_EQ(conv.input_size(), 3);
    EXPECT_EQ(conv.output(0), "y");
    for (int64_t batch : {1, 3}) expect_same_outputs(before, after, {random_tensor({batch, 4, 5, 5}, 27)}, 1e-4);
  }
}

TEST(ConvTransposeFusion, BiasAlongTheWrongAxisStays) {
  ModelBuilder b(17);
  b.input("x", {-1, 4, 5, 5});
  b.output("y");
  b.initializer("w", random_tensor({4, 3, 2, 2}, 31));
  b.initializer("b", random_tensor({10}, 32));  // broadcasts along the last axis (10 wide)
  b.node("ConvTranspose", {"x", "w"}, {"c"});
  b.node("Add", {"c", "b"}, {"y"});
  auto& conv = b.proto().mutable_graph()->mutable_node()->at(0);
  set_attribute(conv, "strides", std::vector<int64_t>{2, 2});
  EXPECT_EQ(node_count(optimized(b.build(), {"fuse_add_bias_into_conv"})), 2);
}

}  // namespace
}  // namespace piu::test

// The passes the simplifier adds to the seed's list: fuse_pad_into_pool, eliminate_nop_arithmetic.
// Each rewrite is checked by running the model before and after on ONNX Runtime.
#include "pass_test_util.hpp"

namespace piu::test {
namespace {

using piu::passes::set_attribute;

// x [1, 2, 5, 6] -> Pad(pads) -> AveragePool(3x3, stride 1) -> y
ModelBuilder pad_pool(const std::vector<int64_t>& pads, const Shape& y_shape) {
  ModelBuilder b(17);
  b.input("x", {1, 2, 5, 6});
  b.output("y", DType::kFloat32, y_shape);
  b.initializer("pads", int64s(pads));
  b.node("Pad", {"x", "pads"}, {"p"});
  auto& pool = b.node("AveragePool", {"p"}, {"y"});
  set_attribute(pool, "kernel_shape", std::vector<int64_t>{3, 3});
  return b;
}

TEST(SimplifyPasses, PadIntoAveragePool) {
  // Inception-v3's avg_pool2d(3, stride 1, padding 1): Pad 1 on H and W, then a pool without pads.
  const auto before = pad_pool({0, 0, 1, 1, 0, 0, 1, 1}, {1, 2, 5, 6}).build();
  const auto after = optimized(before, {"fuse_pad_into_pool"});
  EXPECT_EQ(count_op(after, "Pad"), 0);
  ASSERT_EQ(node_count(after), 1);
  EXPECT_EQ(ints_attribute(after.proto().graph().node(0), "pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  expect_same_outputs(before, after, {random_tensor({1, 2, 5, 6}, 3)});
  // Uneven pads, added to a pool that already counts its own padding.
  auto b = pad_pool({0, 0, 0, 1, 0, 0, 1, 0}, {1, 2, 6, 7});
  auto& pool = *b.proto().mutable_graph()->mutable_node(1);
  set_attribute(pool, "pads", std::vector<int64_t>{1, 0, 0, 1});
  set_attribute(pool, "count_include_pad", int64_t{1});
  const auto before2 = b.build();
  const auto after2 = optimized(before2, {"fuse_pad_into_pool"});
  EXPECT_EQ(count_op(after2, "Pad"), 0);
  expect_same_outputs(before2, after2, {random_tensor({1, 2, 5, 6}, 4)});
}

TEST(SimplifyPasses, PadNotFusedIntoPool) {
  const std::vector<std::string> pass = {"fuse_pad_into_pool"};
  {  // The pool's own padding is not counted: merging would change the averages at the border.
    auto b = pad_pool({0, 0, 1, 1, 0, 0, 1, 1}, {1, 2, 7, 8});
    set_attribute(*b.proto().mutable_graph()->mutable_node(1), "pads", std::vector<int64_t>{1, 1, 1, 1});
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
  }
  {  // A merged pad as large as the kernel.
    EXPECT_EQ(count_op(optimized(pad_pool({0, 0, 3, 0, 0, 0, 0, 0}, {1, 2, 6, 4}).build(), pass), "Pad"), 1);
  }
  {  // ceil_mode.
    auto b = pad_pool({0, 0, 1, 1, 0, 0, 1, 1}, {1, 2, 5, 6});
    set_attribute(*b.proto().mutable_graph()->mutable_node(1), "ceil_mode", int64_t{1});
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
  }
  {  // Padding the channels.
    EXPECT_EQ(count_op(optimized(pad_pool({0, 1, 0, 0, 0, 0, 0, 0}, {1, 3, 3, 4}).build(), pass), "Pad"), 1);
  }
  {  // MaxPool pads with -inf, not 0.
    auto b = pad_pool({0, 0, 1, 1, 0, 0, 1, 1}, {1, 2, 5, 6});
    b.proto().mutable_graph()->mutable_node(1)->set_op_type("MaxPool");
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Pad"), 1);
  }
}

// x [batch, 4] <op> c -> a -> Relu -> y
OnnxModel binary(const std::string& op, const Tensor& c, bool constant_first = false) {
  ModelBuilder b(17);
  b.input("x", {-1, 4});
  b.output("y");
  b.initializer("c", c);
  b.node(op, constant_first ? std::vector<std::string>{"c", "x"} : std::vector<std::string>{"x", "c"}, {"a"});
  b.node("Relu", {"a"}, {"y"});
  return b.build();
}

TEST(SimplifyPasses, NopArithmeticRemoved) {
  const std::vector<std::string> pass = {"eliminate_nop_arithmetic"};
  const Tensor zeros = Tensor::from_vector<float>({0, 0, 0, 0}, {4});
  const Tensor ones = Tensor::from_vector<float>({1}, {1, 1});
  for (const auto& model : {binary("Add", zeros), binary("Add", zeros, true), binary("Sub", zeros),
                            binary("Mul", ones), binary("Mul", ones, true), binary("Div", ones)}) {
    const auto after = optimized(model, pass);
    EXPECT_EQ(node_count(after), 1) << model.proto().graph().node(0).op_type();
    expect_same_outputs(model, after, {random_tensor({3, 4}, 5)});
  }
}

TEST(SimplifyPasses, NopArithmeticKept) {
  const std::vector<std::string> pass = {"eliminate_nop_arithmetic"};
  // Not neutral; neutral on the wrong side of a Sub/Div; a broadcast that grows x.
  EXPECT_EQ(node_count(optimized(binary("Add", Tensor::from_vector<float>({0, 0, 1, 0}, {4})), pass)), 2);
  EXPECT_EQ(node_count(optimized(binary("Sub", Tensor::from_vector<float>({0}, {1}), true), pass)), 2);
  EXPECT_EQ(node_count(optimized(binary("Div", Tensor::from_vector<float>({1}, {1}), true), pass)), 2);
  EXPECT_EQ(node_count(optimized(binary("Add", Tensor::from_vector<float>({0, 0, 0, 0, 0, 0, 0, 0}, {2, 1, 4})), pass)),
            2);
  EXPECT_EQ(node_count(optimized(binary("Mul", Tensor::from_vector<float>({1, 1, 1, 1, 1, 1, 1, 1}, {2, 4})), pass)),
            2);  // the batch is dynamic: [2, 4] could broadcast it
}

}  // namespace
}  // namespace piu::test

// The simplifier's passes on Slice, Reshape and Transpose chains (eliminate_nop_slice,
// fuse_consecutive_slices, eliminate_nop_reshape, fuse_consecutive_reshapes,
// fuse_transpose_into_reshape), fuse_mul_into_conv, and fold_shape_chains' reasoning about
// multiples of a dynamic dim: op counts before/after, outputs compared on ONNX Runtime at batch
// sizes the passes never saw (the batch dim must stay dynamic).
#include <limits>

#include "pass_test_util.hpp"
#include "piu/simplify.hpp"

namespace piu::test {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// x [batch, 6, 5] -> Slice(starts, ends, axes, steps) -> y
OnnxModel one_slice(const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                    const std::vector<int64_t>& axes, const std::vector<int64_t>& steps) {
  ModelBuilder b(17);
  b.input("x", {-1, 6, 5});
  b.output("y");
  b.initializer("starts", int64s(starts));
  b.initializer("ends", int64s(ends));
  b.initializer("axes", int64s(axes));
  b.initializer("steps", int64s(steps));
  b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"s"});
  b.node("Relu", {"s"}, {"y"});
  return b.build();
}

TEST(ShapeOpChains, NopSliceRemoved) {
  const std::vector<std::string> pass = {"eliminate_nop_slice"};
  // The whole dynamic batch axis (0..INT64_MAX), a static axis to its end and past it, a start of -dim.
  for (const auto& before : {one_slice({0}, {kMax}, {0}, {1}), one_slice({0, -6}, {5, 100}, {2, 1}, {1, 1}),
                             one_slice({0}, {6}, {-2}, {1})}) {
    const auto after = optimized(before, pass);
    EXPECT_EQ(count_op(after, "Slice"), 0);
    for (int64_t batch : {1, 3}) expect_same_outputs(before, after, {random_tensor({batch, 6, 5}, batch)});
  }
}

TEST(ShapeOpChains, SliceThatCutsStays) {
  const std::vector<std::string> pass = {"eliminate_nop_slice"};
  EXPECT_EQ(count_op(optimized(one_slice({0}, {4}, {1}, {1}), pass), "Slice"), 1);        // ends early
  EXPECT_EQ(count_op(optimized(one_slice({1}, {kMax}, {1}, {1}), pass), "Slice"), 1);     // starts late
  EXPECT_EQ(count_op(optimized(one_slice({0}, {100}, {0}, {1}), pass), "Slice"), 1);      // dynamic dim, end 100
  EXPECT_EQ(count_op(optimized(one_slice({-1}, {-kMax}, {1}, {-1}), pass), "Slice"), 1);  // reverses
}

TEST(ShapeOpChains, SlicesOnDistinctAxesFuse) {
  // x[:, 1:5, ::2] written as three Slices (the first the identity on the batch axis).
  ModelBuilder b(17);
  b.input("x", {-1, 6, 5});
  b.output("y");
  for (const auto& [name, values] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
           {"zero", {0}}, {"max", {kMax}}, {"one", {1}}, {"two", {2}}, {"five", {5}}, {"minus_one", {-1}}})
    b.initializer(name, int64s(values));
  b.node("Slice", {"x", "zero", "max", "zero", "one"}, {"a"});
  b.node("Slice", {"a", "one", "five", "one", "one"}, {"c"});
  b.node("Slice", {"c", "zero", "max", "minus_one", "two"}, {"d"});
  b.node("Relu", {"d"}, {"y"});
  const auto before = b.build();
  const auto after = optimized(before, {"eliminate_nop_slice", "fuse_consecutive_slices"});
  EXPECT_EQ(count_op(after, "Slice"), 1);
  for (int64_t batch : {1, 4}) expect_same_outputs(before, after, {random_tensor({batch, 6, 5}, batch)});
}

TEST(ShapeOpChains, SlicesOnOneAxisOrReadTwiceStay) {
  const std::vector<std::string> pass = {"fuse_consecutive_slices"};
  ModelBuilder b(17);
  b.input("x", {-1, 6, 5});
  b.output("y");
  b.output("z");
  b.initializer("one", int64s({1}));
  b.initializer("five", int64s({5}));
  b.initializer("two", int64s({2}));
  b.node("Slice", {"x", "one", "five", "one"}, {"a"});
  b.node("Slice", {"a", "one", "two", "one"}, {"y"});  // the same axis again
  b.node("Slice", {"a", "one", "two", "two"}, {"z"});  // distinct axis, but `a` has two readers
  EXPECT_EQ(count_op(optimized(b.build(), pass), "Slice"), 3);
}

// x [batch, 4, 6] -> Reshape(first) -> Reshape(second) -> Relu -> y
OnnxModel two_reshapes(const std::vector<int64_t>& first, const std::vector<int64_t>& second) {
  ModelBuilder b(17);
  b.input("x", {-1, 4, 6});
  b.output("y");
  b.initializer("first", int64s(first));
  b.initializer("second", int64s(second));
  b.node("Reshape", {"x", "first"}, {"a"});
  b.node("Reshape", {"a", "second"}, {"b"});
  b.node("Relu", {"b"}, {"y"});
  return b.build();
}

TEST(ShapeOpChains, ConsecutiveReshapesFuse) {
  const std::vector<std::string> pass = {"fuse_consecutive_reshapes"};
  // [b, 4, 6] -> [b, 24] -> [b, 2, 12] (the 0 copies the batch through both); then a 0 that copies
  // a dim the first Reshape set (3) and one that inference knows statically (8 behind a -1).
  // Last, a 0 that copies a dynamic dim of the middle tensor (4 * batch): the second output's
  // inferred shape [?, 2, 3] gives the target [-1, 2, 3].
  for (const auto& before : {two_reshapes({0, -1}, {0, 2, 12}), two_reshapes({0, 3, 8}, {0, 0, 2, 4}),
                             two_reshapes({0, 3, -1}, {0, 3, 0}), two_reshapes({-1, 6}, {0, 2, 3})}) {
    const auto after = optimized(before, pass);
    EXPECT_EQ(count_op(after, "Reshape"), 1);
    for (int64_t batch : {1, 5}) expect_same_outputs(before, after, {random_tensor({batch, 4, 6}, batch)});
  }
  // The middle tensor has another reader; the second Reshape sets allowzero: no fusion.
  auto read_twice = two_reshapes({0, -1}, {0, 2, 12});
  auto* also_output = read_twice.proto().mutable_graph()->add_output();
  *also_output = read_twice.proto().graph().output(0);
  also_output->set_name("a");
  EXPECT_EQ(count_op(optimized(read_twice, pass), "Reshape"), 2);
  auto allowzero = two_reshapes({0, -1}, {0, 2, 12});
  set_attribute(*allowzero.proto().mutable_graph()->mutable_node(1), "allowzero", int64_t{1});
  EXPECT_EQ(count_op(optimized(allowzero, pass), "Reshape"), 2);
}

TEST(ShapeOpChains, NopReshapeRemoved) {
  const std::vector<std::string> pass = {"eliminate_nop_reshape"};
  for (const auto& target : std::vector<std::vector<int64_t>>{{0, 4, 6}, {0, 4, -1}, {-1, 4, 6}}) {
    ModelBuilder b(17);
    b.input("x", {-1, 4, 6});
    b.output("y");
    b.initializer("t", int64s(target));
    b.node("Reshape", {"x", "t"}, {"r"});
    b.node("Relu", {"r"}, {"y"});
    const auto before = b.build();
    const auto after = optimized(before, pass);
    EXPECT_EQ(count_op(after, "Reshape"), 0);
    for (int64_t batch : {1, 3}) expect_same_outputs(before, after, {random_tensor({batch, 4, 6}, batch)});
  }
  for (const auto& target : std::vector<std::vector<int64_t>>{{0, 6, 4}, {-1, 2, 12}, {0, -1, 6, 1}}) {
    ModelBuilder b(17);
    b.input("x", {-1, 4, 6});
    b.output("y");
    b.initializer("t", int64s(target));
    b.node("Reshape", {"x", "t"}, {"r"});
    b.node("Relu", {"r"}, {"y"});
    EXPECT_EQ(count_op(optimized(b.build(), pass), "Reshape"), 1);
  }
}

TEST(ShapeOpChains, MultipleOfTheBatchFoldsIntoAReshapeTarget) {
  // Attention's head split: x [n, 8, 4, 4] -> Reshape(x, [n * 2, 4, -1]); the -1 is 16 whatever n
  // is, so the target becomes [-1, 4, 16] and the Shape chain goes. Then the heads are viewed again
  // from a Shape of the first Reshape's output: Reshape(h, [Gather(Shape(h), 0) / 1, 64]) where h's
  // first dim is only named by inference (an unk__ dim); fold_shape_chains learns it is 2n.
  ModelBuilder b(17);
  b.input("x", {-1, 8, 4, 4});
  b.output("y");
  b.initializer("i0", Tensor::from_vector<int64_t>({0}, {}));
  b.initializer("two", Tensor::from_vector<int64_t>({2}, {}));
  b.initializer("axes", int64s({0}));
  b.initializer("four", int64s({4}));
  b.initializer("minus_one", int64s({-1}));
  b.initializer("t64", int64s({64}));
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "i0"}, {"n"});
  b.node("Mul", {"n", "two"}, {"n2"});
  b.node("Unsqueeze", {"n2", "axes"}, {"u"});
  set_attribute(b.node("Concat", {"u", "four", "minus_one"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"x", "target"}, {"h"});
  b.node("Relu", {"h"}, {"hr"});
  b.node("Shape", {"hr"}, {"s2"});
  b.node("Gather", {"s2", "i0"}, {"m"});
  b.node("Unsqueeze", {"m", "axes"}, {"mu"});
  set_attribute(b.node("Concat", {"mu", "t64"}, {"target2"}), "axis", int64_t{0});
  b.node("Reshape", {"hr", "target2"}, {"y"});
  const auto before = b.build();
  OnnxModel after(before.proto());
  simplify(after);
  for (const char* op : {"Shape", "Gather", "Mul", "Unsqueeze", "Concat"}) EXPECT_EQ(count_op(after, op), 0) << op;
  EXPECT_EQ(count_op(after, "Reshape"), 2);
  EXPECT_TRUE(after.proto().graph().input(0).type().tensor_type().shape().dim(0).has_dim_param());
  for (int64_t batch : {1, 3, 7}) expect_same_outputs(before, after, {random_tensor({batch, 8, 4, 4}, batch)});
}

TEST(ShapeOpChains, DimsOfASumOfViewsAreLearned) {
  // Two views of x [n, 8, 4] as [-1, 4, 4] (2n each, which shape inference can only name) are added;
  // the sum's first dim is 2n too, so Reshape(sum, [Gather(Shape(sum), 0), 16]) gets a constant target.
  ModelBuilder b(17);
  b.input("x", {-1, 8, 4});
  b.output("y");
  b.initializer("i0", Tensor::from_vector<int64_t>({0}, {}));
  b.initializer("axes", int64s({0}));
  b.initializer("view", int64s({-1, 4, 4}));
  b.initializer("t16", int64s({16}));
  b.node("Reshape", {"x", "view"}, {"h1"});
  b.node("Relu", {"x"}, {"r"});
  b.node("Reshape", {"r", "view"}, {"h2"});
  b.node("Add", {"h1", "h2"}, {"sum"});
  b.node("Shape", {"sum"}, {"s"});
  b.node("Gather", {"s", "i0"}, {"m"});
  b.node("Unsqueeze", {"m", "axes"}, {"mu"});
  set_attribute(b.node("Concat", {"mu", "t16"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"sum", "target"}, {"y"});
  const auto before = b.build();
  OnnxModel after(before.proto());
  simplify(after);
  EXPECT_EQ(count_op(after, "Shape"), 0);
  for (int64_t batch : {1, 3, 7}) expect_same_outputs(before, after, {random_tensor({batch, 8, 4}, batch)});
}

// x [batch, 4, 6] -> Reshape(first) -> Transpose(perm) -> Reshape(second) -> y
OnnxModel reshape_transpose_reshape(const std::vector<int64_t>& first, const std::vector<int64_t>& perm,
                                    const std::vector<int64_t>& second) {
  ModelBuilder b(17);
  b.input("x", {-1, 4, 6});
  b.output("y");
  b.initializer("first", int64s(first));
  b.initializer("second", int64s(second));
  b.node("Reshape", {"x", "first"}, {"a"});
  set_attribute(b.node("Transpose", {"a"}, {"t"}), "perm", perm);
  b.node("Reshape", {"t", "second"}, {"y"});
  return b.build();
}

TEST(ShapeOpChains, TransposeOfUnitDimsBecomesAReshape) {
  const std::vector<std::string> passes = {"fuse_transpose_into_reshape", "fuse_consecutive_reshapes"};
  // [b, 4, 6] -> [b, 1, 4, 1, 6] -> perm (0, 3, 2, 1, 4) moves the two 1s only -> [b, 24]
  const auto before = reshape_transpose_reshape({0, 1, 4, 1, 6}, {0, 3, 2, 1, 4}, {0, 24});
  const auto after = optimized(before, passes);
  EXPECT_EQ(count_op(after, "Transpose"), 0);
  EXPECT_EQ(count_op(after, "Reshape"), 1);
  for (int64_t batch : {1, 3}) expect_same_outputs(before, after, {random_tensor({batch, 4, 6}, batch)});
  // A perm that swaps the 4 and the 6 reorders elements: it stays.
  const auto swapped = optimized(reshape_transpose_reshape({0, 1, 4, 1, 6}, {0, 3, 4, 1, 2}, {0, 24}), passes);
  EXPECT_EQ(count_op(swapped, "Transpose"), 1);
}

// x [batch, 2, 5, 5] -> Conv(w, b) -> Mul(scale) -> y
OnnxModel conv_mul(const Tensor& scale, bool with_bias = true) {
  ModelBuilder b(17);
  b.input("x", {-1, 2, 5, 5});
  b.output("y");
  b.initializer("w", random_tensor({3, 2, 3, 3}, 11));
  b.initializer("b", random_tensor({3}, 12));
  b.initializer("s", scale);
  b.node("Conv", with_bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"}, {"c"});
  b.node("Mul", {"s", "c"}, {"y"});
  return b.build();
}

TEST(ShapeOpChains, ConstantScaleAfterConvFoldsIntoItsWeights) {
  const std::vector<std::string> pass = {"fuse_mul_into_conv"};
  for (const auto& before : {conv_mul(random_tensor({3, 1, 1}, 13)), conv_mul(random_tensor({1, 3, 1, 1}, 14), false),
                             conv_mul(Tensor::from_vector<float>({0.5f}, {}))}) {
    const auto after = optimized(before, pass);
    EXPECT_EQ(count_op(after, "Mul"), 0);
    EXPECT_EQ(node_count(after), 1);
    for (int64_t batch : {1, 3}) expect_same_outputs(before, after, {random_tensor({batch, 2, 5, 5}, batch)});
  }
  // Per position, not per channel; a scale that broadcasts to a larger rank: both stay.
  EXPECT_EQ(count_op(optimized(conv_mul(random_tensor({3, 3, 1}, 15)), pass), "Mul"), 1);
  EXPECT_EQ(count_op(optimized(conv_mul(random_tensor({1, 1, 3, 1, 1}, 16)), pass), "Mul"), 1);
}

TEST(ShapeOpChains, UnsqueezeChainsFuse) {
  // x[None, :, None, :] then [..., None] as exporters write it: one axis at a time, negative axes
  // included, at opset 17 (axes an input) and 11 (an attribute).
  for (int64_t opset : {17, 11}) {
    ModelBuilder b(opset);
    b.input("x", {-1, 5});
    b.output("y");
    const std::vector<std::vector<int64_t>> steps = {{0}, {2}, {-1}, {1, 3}};
    std::string prev = "x";
    const std::vector<std::string> outs = {"u0", "u1", "u2", "u3"}, axes = {"a0", "a1", "a2", "a3"};
    for (size_t k = 0; k < steps.size(); ++k) {
      const std::string& out = outs[k];
      if (opset >= 13) {
        b.initializer(axes[k], int64s(steps[k]));
        b.node("Unsqueeze", {prev, axes[k]}, {out});
      } else {
        set_attribute(b.node("Unsqueeze", {prev}, {out}), "axes", steps[k]);
      }
      prev = out;
    }
    b.node("Relu", {prev}, {"y"});
    const auto before = b.build();
    const auto after = optimized(before, {"fuse_consecutive_unsqueezes"});
    EXPECT_EQ(count_op(after, "Unsqueeze"), 1) << "opset " << opset;
    for (int64_t batch : {1, 3}) expect_same_outputs(before, after, {random_tensor({batch, 5}, batch)});
  }
  // A first Unsqueeze read twice stays.
  ModelBuilder b(17);
  b.input("x", {-1, 5});
  b.output("y");
  b.output("z");
  b.initializer("zero", int64s({0}));
  b.node("Unsqueeze", {"x", "zero"}, {"u"});
  b.node("Unsqueeze", {"u", "zero"}, {"y"});
  b.node("Relu", {"u"}, {"z"});
  EXPECT_EQ(count_op(optimized(b.build(), {"fuse_consecutive_unsqueezes"}), "Unsqueeze"), 2);
}

}  // namespace
}  // namespace piu::test

#include <gtest/gtest.h>

#include <cmath>

#include "piu/core.hpp"

TEST(Tensor, OwningAndBorrowed) {
  auto t = piu::Tensor::zeros(piu::DType::kFloat32, {2, 3});
  EXPECT_TRUE(t.owns_buffer());
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  float buf[4] = {1, 2, 3, 4};
  auto b = piu::Tensor::borrow(buf, piu::DType::kFloat32, {2, 2});
  EXPECT_FALSE(b.owns_buffer());
  EXPECT_EQ(b.data_as<float>()[3], 4.0f);
  EXPECT_THROW(b.data_as<int32_t>(), piu::Error);
  auto c = b.clone();
  buf[0] = 9;
  EXPECT_EQ(c.data_as<float>()[0], 1.0f);
}

TEST(Tensor, SliceAndConcatRows) {
  auto t = piu::Tensor::from_vector<int32_t>({1, 2, 3, 4, 5, 6}, {3, 2});
  auto s = t.slice_rows(1, 3);
  EXPECT_EQ(s.shape(), (piu::Shape{2, 2}));
  EXPECT_EQ(s.data_as<int32_t>()[0], 3);
  auto c = piu::concat_rows({t.slice_rows(0, 1), s});
  EXPECT_EQ(c.shape(), (piu::Shape{3, 2}));
  EXPECT_EQ(c.data_as<int32_t>()[5], 6);
  EXPECT_THROW(piu::concat_rows({t, piu::Tensor::zeros(piu::DType::kInt32, {1, 3})}), piu::Error);
}

TEST(Tensor, HalfConversionRoundTrips) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f})
    EXPECT_EQ(piu::half_to_float(piu::float_to_half(f)), f) << f;
  EXPECT_TRUE(std::isinf(piu::half_to_float(piu::float_to_half(1e6f))));
}

TEST(Tensor, BFloat16ConversionRoundsToNearestEven) {
  for (float f : {0.0f, 1.0f, -2.5f, 0.15625f, 196608.0f})
    EXPECT_EQ(piu::bf16_to_float(piu::float_to_bf16(f)), f) << f << " fits in bfloat16's 8 mantissa bits";
  EXPECT_EQ(piu::bf16_to_float(piu::float_to_bf16(1.00390625f)), 1.0f) << "a tie rounds to the even neighbour";
  EXPECT_EQ(piu::bf16_to_float(piu::float_to_bf16(1.01171875f)), 1.015625f) << "a tie rounds to the even neighbour";
  EXPECT_EQ(piu::bf16_to_float(piu::float_to_bf16(1.005f)), 1.0078125f) << "above the tie rounds up";
  auto t = piu::Tensor::zeros(piu::DType::kBFloat16, {1});
  static_cast<uint16_t*>(t.data())[0] = piu::float_to_bf16(-0.5f);
  EXPECT_EQ(piu::element_as_double(t, 0), -0.5);
}

TEST(Tensor, CompareTensors) {
  auto a = piu::Tensor::from_vector<float>({1.0f, 2.0f, 3.0f}, {3});
  auto b = piu::Tensor::from_vector<float>({1.0f, 2.0001f, 3.5f}, {3});
  auto d = piu::compare_tensors(a, b, 1e-3, 0);
  EXPECT_EQ(d.mismatches, 1);
  EXPECT_NEAR(d.max_abs, 0.5, 1e-6);
  EXPECT_FALSE(d.ok());
  EXPECT_TRUE(piu::compare_tensors(a, a, 0, 0).ok());
  EXPECT_FALSE(piu::compare_tensors(a, piu::Tensor::zeros(piu::DType::kFloat32, {1, 3}), 1, 1).ok());
}

#include <gtest/gtest.h>

#include "piu/core.hpp"

using piu::ErrorCode;
using piu::Shape;

TEST(ShapeSpec, ParsesSeparatorsAndDynamicDims) {
  EXPECT_EQ(piu::parse_shape("-1x3x224x224"), (Shape{-1, 3, 224, 224}));
  EXPECT_EQ(piu::parse_shape("1,3,224,224"), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(piu::parse_shape("[1, 3, 224, 224]"), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(piu::parse_shape("?x3"), (Shape{-1, 3}));
  EXPECT_EQ(piu::parse_shape("0x5"), (Shape{0, 5}));
  EXPECT_EQ(piu::parse_shape("7"), (Shape{7}));
  EXPECT_EQ(piu::parse_shape("scalar"), Shape{});
}

TEST(ShapeSpec, ParsesNames) {
  auto s = piu::parse_shape_spec("input:1x3x224x224");
  EXPECT_EQ(s.name, "input");
  EXPECT_EQ(s.shape, (Shape{1, 3, 224, 224}));
  auto t = piu::parse_shape_spec("input:0:-1,3");  // names may contain ':'
  EXPECT_EQ(t.name, "input:0");
  EXPECT_EQ(t.shape, (Shape{-1, 3}));
  EXPECT_EQ(piu::parse_shape_spec("2x2").name, "");
}

TEST(ShapeSpec, ParsesADtypeAfterTheDims) {
  auto s = piu::parse_shape_spec("input_ids:-1x128:int64");
  EXPECT_EQ(s.name, "input_ids");
  EXPECT_EQ(s.shape, (Shape{-1, 128}));
  EXPECT_EQ(s.dtype, piu::DType::kInt64);
  auto t = piu::parse_shape_spec("-1x8:bool");
  EXPECT_EQ(t.name, "");
  EXPECT_EQ(t.dtype, piu::DType::kBool);
  auto u = piu::parse_shape_spec("input:0:[2, 3]:float16");  // names may still contain ':'
  EXPECT_EQ(u.name, "input:0");
  EXPECT_EQ(u.shape, (Shape{2, 3}));
  EXPECT_EQ(u.dtype, piu::DType::kFloat16);
  EXPECT_FALSE(piu::parse_shape_spec("x:scalar").dtype.has_value());
  EXPECT_FALSE(piu::parse_shape_spec("x:2x3").dtype.has_value());
  try {
    piu::parse_shape_spec("x:2x3:int65");
    ADD_FAILURE() << "accepted int65";
  } catch (const piu::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'int65' is not a dtype"), std::string::npos) << e.what();
  }
}

TEST(ShapeSpec, NamesDynamicDims) {
  auto s = piu::parse_shape_spec("input_ids:[batch, seq]:int64");
  EXPECT_EQ(s.name, "input_ids");
  EXPECT_EQ(s.shape, (Shape{-1, -1}));
  EXPECT_EQ(s.dim_names, (std::vector<std::string>{"batch", "seq"}));
  EXPECT_EQ(s.dtype, piu::DType::kInt64);
  auto t = piu::parse_shape_spec("mask:batch,3,max_len");  // a name may hold an 'x'
  EXPECT_EQ(t.shape, (Shape{-1, 3, -1}));
  EXPECT_EQ(t.dim_names, (std::vector<std::string>{"batch", "", "max_len"}));
  auto u = piu::parse_shape_spec("ids:seq");  // a single named dim is the dims, not a dtype
  EXPECT_EQ(u.shape, (Shape{-1}));
  EXPECT_FALSE(u.dtype.has_value());
  EXPECT_TRUE(piu::parse_shape_spec("x:-1x3x8").dim_names.empty());
  EXPECT_THROW(piu::parse_shape("batch,3"), piu::Error);  // bare dims take no names
}

TEST(ShapeSpec, ParsesSeveralSpecs) {
  auto specs = piu::parse_shape_specs("a:1x3;b:[2, 4] c:5");
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[1].name, "b");
  EXPECT_EQ(specs[1].shape, (Shape{2, 4}));
  EXPECT_EQ(specs[2].shape, (Shape{5}));
}

TEST(ShapeSpec, RejectsBadText) {
  for (const char* bad : {"", "1xx3", "1x-2", "1xabc", "ids:1xseq", "1x3x", "[1,3", ":1x3", "99999999999999999999x1", "1.5x2"}) {
    try {
      piu::parse_shape_spec(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const piu::Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      EXPECT_NE(std::string(e.what()).find("bad shape"), std::string::npos) << e.what();
    }
  }
}

TEST(Shape, NumelAndFormatting) {
  EXPECT_EQ(piu::shape_numel({2, 3, 4}), 24);
  EXPECT_EQ(piu::shape_numel({}), 1);
  EXPECT_EQ(piu::shape_to_string({-1, 3}), "-1x3");
  EXPECT_FALSE(piu::is_static({-1, 3}));
  EXPECT_THROW(piu::shape_numel({-1, 3}), piu::Error);
  EXPECT_THROW(piu::shape_numel({int64_t{1} << 40, int64_t{1} << 40}), piu::Error);
}

TEST(Device, ParsesNamesAndRefusesOthers) {
  EXPECT_EQ(piu::parse_device("cpu"), piu::Device{});
  EXPECT_EQ(piu::parse_device("cuda"), (piu::Device{piu::DeviceKind::kCuda, 0}));
  EXPECT_EQ(piu::parse_device("cuda:3"), (piu::Device{piu::DeviceKind::kCuda, 3}));
  EXPECT_EQ(piu::device_name(piu::parse_device("cuda")), "cuda:0");
  EXPECT_EQ(piu::device_name(piu::Device{}), "cpu");
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:x", "cuda:1x", "CPU", "", "cuda:99999"}) {
    try {
      piu::parse_device(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const piu::Error& e) {
      EXPECT_EQ(e.code(), piu::ErrorCode::kBadInput);
      EXPECT_NE(std::string(e.what()).find("expected cpu, cuda or cuda:N"), std::string::npos) << e.what();
    }
  }
}

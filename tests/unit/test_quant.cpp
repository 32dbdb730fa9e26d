// Calibration sources, thresholds and the TensorRT cache through the C++ API.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "piu/jobs_quant.hpp"
#include "piu/quant.hpp"

namespace {

using piu::Tensor;

// An item loader like the seed's load_item_func: the item's name says its size ("2x3" -> 1x2x3 of ones).
Tensor load(const std::string& name) {
  const piu::Shape s = piu::parse_shape(name);
  Tensor t = Tensor::zeros(piu::DType::kFloat32, {1, s[0], s[1]});
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = 1.0f;
  return t;
}

// Expects `f` to throw a piu::Error whose message contains every needle.
void expect_error_mentioning(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
    FAIL() << "expected an error";
  } catch (const piu::Error& e) {
    for (const auto& needle : needles) EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Calibration, ItemsArePaddedToMaxItemShapeAndBatched) {
  auto src = piu::calibration_from_items({"2x3", "4x4", "1x1"}, load,
                                         {.batch_size = 2, .max_item_shape = {1, 4, 4}, .item_rank = -1});
  Tensor a = src->next_batch();
  ASSERT_EQ(a.shape(), (piu::Shape{2, 1, 4, 4}));
  const float* v = a.data_as<float>();
  EXPECT_EQ(v[0], 1.0f);      // item 0, row 0, col 0
  EXPECT_EQ(v[3], 0.0f);      // col 3 is padding
  EXPECT_EQ(v[2 * 4], 0.0f);  // row 2 is padding
  EXPECT_EQ(v[16 + 15], 1.0f);
  Tensor b = src->next_batch();
  ASSERT_EQ(b.shape(), (piu::Shape{1, 1, 4, 4}));
  EXPECT_FALSE(src->next_batch().defined());
  src->reset();
  EXPECT_EQ(src->next_batch().shape(), (piu::Shape{2, 1, 4, 4}));
}

TEST(Calibration, LargerItemsAndNaNAreErrorsNamingTheItem) {
  auto big = piu::calibration_from_items({"2x2", "5x2"}, load, {.batch_size = 8, .max_item_shape = {1, 4, 4}, .item_rank = -1});
  expect_error_mentioning([&] { big->next_batch(); }, {"5x2", "larger than max_item_shape"});
  auto nan = piu::calibration_from_items(
      {"ok", "bad"},
      [](const std::string& n) {
        Tensor t = Tensor::zeros(piu::DType::kFloat32, {3});
        if (n == "bad") t.data_as<float>()[1] = std::nanf("");
        return t;
      },
      {});
  expect_error_mentioning([&] { nan->next_batch(); }, {"bad", "NaN"});
}

TEST(Calibration, BatchFilesAreSplitIntoItems) {
  auto src = piu::calibration_from_items(
      {"batch"}, [](const std::string&) { return Tensor::zeros(piu::DType::kFloat32, {5, 3, 2}); },
      {.batch_size = 2, .max_item_shape = {}, .item_rank = 2});
  EXPECT_EQ(src->next_batch().shape(), (piu::Shape{2, 3, 2}));
  EXPECT_EQ(src->next_batch().shape(), (piu::Shape{2, 3, 2}));
  EXPECT_EQ(src->next_batch().shape(), (piu::Shape{1, 3, 2}));
  EXPECT_FALSE(src->next_batch().defined());
}

TEST(Calibration, SetupFromItemsReadsThemThroughTheCallersLoader) {
  int calls = 0;
  piu::CalibrationData data;
  data.dir = "ignored: load_item is set";
  data.items = {"2x2", "2x2", "1x2", "2x2"};
  data.load_item = [&calls](const std::string& name) {
    ++calls;
    return load(name);
  };
  data.batch_size = 3;
  piu::TensorInfo input;
  input.shape = {-1, 1, 2, 2};
  const piu::CalibrationSetup setup = piu::calibration_setup(data, {input});
  auto source = piu::calibration_source(setup);
  EXPECT_EQ(source->next_batch().shape(), (piu::Shape{3, 1, 2, 2}));  // item shape from the input; 1x2 padded
  EXPECT_EQ(source->next_batch().shape(), (piu::Shape{1, 1, 2, 2}));
  EXPECT_FALSE(source->next_batch().defined());
  EXPECT_EQ(calls, 4);
  piu::CalibrationData none;
  expect_error_mentioning([&] { piu::calibration_setup(none, {input}); }, {"--data"});
}

// Items of a two-input model (token ids and a mask): a tensor per input name, one item or a batch.
TEST(Calibration, NamedItemsOfSeveralInputsAreBatchedPerInput) {
  auto load_inputs = [](const std::string& name) {
    const int64_t n = name == "batch of 3" ? 3 : 1;
    const piu::Shape ids = n == 3 ? piu::Shape{3, 5} : piu::Shape{5};
    return piu::NamedTensors{{"ids", Tensor::zeros(piu::DType::kInt64, ids)},
                             {"mask", Tensor::zeros(piu::DType::kFloat32, ids)}};
  };
  piu::BatchOptions batch;
  batch.batch_size = 2;
  batch.inputs["ids"] = {.max_item_shape = {}, .item_rank = 1};
  batch.inputs["mask"] = {.max_item_shape = {}, .item_rank = 1};
  auto src = piu::calibration_from_named_items({"one", "batch of 3"}, load_inputs, batch);
  piu::NamedTensors a = src->next_inputs();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.at("ids").shape(), (piu::Shape{2, 5}));
  EXPECT_EQ(a.at("ids").dtype(), piu::DType::kInt64);
  EXPECT_EQ(src->next_inputs().at("mask").shape(), (piu::Shape{2, 5}));
  EXPECT_TRUE(src->next_inputs().empty());
  expect_error_mentioning([&] { src->reset(); src->next_batch(); }, {"named inputs"});

  // feeds_for orders by the model's inputs and names what is missing or unknown.
  piu::TensorInfo ids, mask;
  ids.name = "ids";
  ids.dtype = piu::DType::kInt64;
  mask.name = "mask";
  src->reset();
  const piu::NamedTensors b = src->next_inputs();
  const auto feeds = piu::feeds_for(b, {mask, ids}, "data");
  EXPECT_EQ(feeds[0].dtype(), piu::DType::kFloat32);
  EXPECT_EQ(feeds[1].dtype(), piu::DType::kInt64);
  piu::TensorInfo other;
  other.name = "other";
  expect_error_mentioning([&] { piu::feeds_for(b, {ids, other}, "data"); }, {"data", "'mask'", "lacks"});
  expect_error_mentioning([&] { piu::feeds_for({{"", feeds[0]}}, {ids, mask}, "data"); }, {"2 inputs", "ids, mask"});

  // A file naming other inputs than the first, or holding other item counts per input.
  auto uneven = piu::calibration_from_named_items(
      {"odd"}, [](const std::string&) {
        return piu::NamedTensors{{"ids", Tensor::zeros(piu::DType::kInt64, {3, 5})},
                                 {"mask", Tensor::zeros(piu::DType::kFloat32, {2, 5})}};
      },
      batch);
  expect_error_mentioning([&] { uneven->next_inputs(); }, {"odd", "items"});
}

TEST(Thresholds, PercentileAndEntropy) {
  std::vector<double> hist(2048, 0.0);
  for (size_t i = 0; i < 1000; ++i) hist[i] = 100.0;
  hist[2047] = 1;  // one outlier
  EXPECT_DOUBLE_EQ(piu::percentile_threshold(hist, 0.5, 100.0), 2047 * 0.5);
  EXPECT_NEAR(piu::percentile_threshold(hist, 0.5, 99.99), 999 * 0.5, 0.5);
  // A uniform bulk is represented exactly by 128 levels at any width, so KL picks the full range
  // (a known trait of the rule, as in TensorRT).
  EXPECT_DOUBLE_EQ(piu::entropy_threshold(hist, 0.5), 2048 * 0.5);
  // An exponential tail is clipped: bin 1109 of 2048, as the NumPy reference of
  // tests/cli/test_quantize.py computes for this histogram.
  std::vector<double> tail(2048);
  for (size_t i = 0; i < tail.size(); ++i) tail[i] = std::floor(1e6 * std::exp(-static_cast<double>(i) / 100));
  EXPECT_DOUBLE_EQ(piu::entropy_threshold(tail, 0.5), 1109 * 0.5);
}

TEST(TensorRtCache, RoundTrip) {
  piu::CalibrationTable table;
  table.method = piu::CalibrationMethod::kMinMax;
  table.ranges["input"] = {.min = -1, .max = 2, .amax = 2};
  table.ranges["conv/out:0"] = {.min = 0, .max = 6, .amax = 5.5f};
  const std::string path = (std::filesystem::temp_directory_path() / "piu_test.trt.int8calibration").string();
  piu::write_tensorrt_cache(table, path);
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "TRT-8601-MinMaxCalibration");
  const piu::CalibrationTable back = piu::read_tensorrt_cache(path);
  EXPECT_EQ(back.method, piu::CalibrationMethod::kMinMax);
  ASSERT_EQ(back.ranges.size(), 2u);
  EXPECT_FLOAT_EQ(back.ranges.at("input").amax, 2.0f);
  EXPECT_FLOAT_EQ(back.ranges.at("conv/out:0").amax, 5.5f);
  std::filesystem::remove(path);
}

}  // namespace

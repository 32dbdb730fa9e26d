// TensorRT through ONNX Runtime: the seed's TRTEngineBuilder parameters as provider options (every
// mapping and every refusal), check_tensorrt_health where TensorRT is missing, and the tensorrt
// backend's refusals (the CPU; what TensorRT lacks, in the health check's one line).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "piu/session.hpp"
#include "piu/tensorrt.hpp"
#include "test_util.hpp"

namespace {

using Options = std::map<std::string, std::string>;

piu::TensorInfo input(const std::string& name, piu::Shape shape, std::vector<std::string> dim_names = {}) {
  piu::TensorInfo t;
  t.name = name;
  t.shape = std::move(shape);
  t.dim_names = std::move(dim_names);
  return t;
}

// An image input with a dynamic batch and a static token input, like a two-input model.
const std::vector<piu::TensorInfo> kInputs = {input("image", {-1, 3, 224, 224}, {"batch", "", "", ""}),
                                              input("scale", {1})};

void expect_error(piu::ErrorCode code, const std::function<void()>& fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(TensorRtOptions, NothingGivenIsNoOption) { EXPECT_EQ(piu::tensorrt_provider_options({}, kInputs), Options{}); }

TEST(TensorRtOptions, PrecisionWorkspaceAndEngineCache) {
  piu::test::TempDir dir;
  piu::TensorRtBuildOptions build;
  build.fp16_mode = true;
  build.max_workspace_size = int64_t{1} << 30;  // the seed's [1, 30]
  build.engine_path = dir / "engines/model.trt";
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs), (Options{{"trt_fp16_enable", "1"},
                                                                     {"trt_max_workspace_size", "1073741824"},
                                                                     {"trt_engine_cache_enable", "1"},
                                                                     {"trt_engine_cache_path", dir / "engines"},
                                                                     {"trt_timing_cache_enable", "1"},
                     {"trt_timing_cache_path", dir / "engines"}}));
}

TEST(TensorRtOptions, Int8WithPiusCalibrationCacheIsTensorRtsNativeTable) {
  piu::test::TempDir dir;
  const std::string cache = dir / "model.trt.int8calibration";
  std::ofstream(cache) << "TRT-8601-EntropyCalibration2\nimage: 3c010a14\n";
  piu::TensorRtBuildOptions build;
  build.int8_mode = true;
  build.calibration_cache = cache;
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs), (Options{{"trt_int8_enable", "1"},
                                                                     {"trt_int8_calibration_table_name", cache},
                                                                     {"trt_int8_use_native_calibration_table", "1"}}));
  build.calibration_cache.clear();  // a Q/DQ model: its scales are in the graph
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs), (Options{{"trt_int8_enable", "1"}}));
  build.int8_mode = false;  // the seed's cache_file counts only in int8 mode
  build.calibration_cache = cache;
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs), Options{});
  build.int8_mode = true;
  build.calibration_cache = dir / "missing.cache";
  expect_error(piu::ErrorCode::kIo, [&] { piu::tensorrt_provider_options(build, kInputs); },
               {"missing.cache: no such file", "piu calibrate"});
}

TEST(TensorRtOptions, OptShapeDictIsOneProfileOfTheDynamicInputs) {
  piu::TensorRtBuildOptions build;
  build.opt_shapes["image"] = {piu::Shape{1, 3, 224, 224}, piu::Shape{8, 3, 224, 224}, piu::Shape{32, 3, 224, 224}};
  build.opt_shapes["scale"] = {piu::Shape{1}, piu::Shape{1}, piu::Shape{1}};  // static: left out
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs),
            (Options{{"trt_profile_min_shapes", "image:1x3x224x224"},
                     {"trt_profile_opt_shapes", "image:8x3x224x224"},
                     {"trt_profile_max_shapes", "image:32x3x224x224"}}));
  const std::vector<piu::TensorInfo> two = {input("a", {-1, 4}), input("b", {-1, -1})};
  piu::TensorRtBuildOptions both;
  both.opt_shapes["a"] = {piu::Shape{1, 4}, piu::Shape{2, 4}, piu::Shape{3, 4}};
  both.opt_shapes["b"] = {piu::Shape{1, 1}, piu::Shape{2, 5}, piu::Shape{3, 9}};
  EXPECT_EQ(piu::tensorrt_provider_options(both, two), (Options{{"trt_profile_min_shapes", "a:1x4,b:1x1"},
                                                                {"trt_profile_opt_shapes", "a:2x4,b:2x5"},
                                                                {"trt_profile_max_shapes", "a:3x4,b:3x9"}}));
}

TEST(TensorRtOptions, MaxBatchSizeRangesTheBatchDimWithoutOptShapeDict) {
  piu::TensorRtBuildOptions build;
  build.max_batch_size = 16;
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs),
            (Options{{"trt_profile_min_shapes", "image:1x3x224x224"},
                     {"trt_profile_opt_shapes", "image:16x3x224x224"},
                     {"trt_profile_max_shapes", "image:16x3x224x224"}}));
  build.opt_shapes["image"] = {piu::Shape{2, 3, 224, 224}, piu::Shape{2, 3, 224, 224}, piu::Shape{2, 3, 224, 224}};
  EXPECT_EQ(piu::tensorrt_provider_options(build, kInputs).at("trt_profile_max_shapes"), "image:2x3x224x224");
  piu::TensorRtBuildOptions batch;
  batch.max_batch_size = 4;
  expect_error(piu::ErrorCode::kBadInput,
               [&] {
                 piu::tensorrt_provider_options(batch, {input("x", {-1, 3, -1, -1}, {"n", "", "height", "w"})});
               },
               {"input 'x' (-1x3x-1x-1)", "dim 2 ('height')", "give opt_shape_dict"});
  expect_error(piu::ErrorCode::kBadInput,
               [&] { piu::tensorrt_provider_options(batch, std::vector<piu::TensorInfo>{}); }, {"model's inputs"});
}

TEST(TensorRtOptions, ProfilesThatCannotApplyAreRefused) {
  const piu::Shape a{1, 3, 224, 224}, b{4, 3, 224, 224}, c{8, 3, 224, 224};
  const auto refuse = [](piu::ErrorCode code, const std::string& name, std::array<piu::Shape, 3> profile,
                         std::initializer_list<std::string> needles) {
    piu::TensorRtBuildOptions build;
    build.opt_shapes[name] = std::move(profile);
    expect_error(
        code, [&] { piu::tensorrt_provider_options(build, kInputs); }, needles);
  };
  refuse(piu::ErrorCode::kBadInput, "img", {a, b, c}, {"names 'img'", "inputs: image, scale"});
  refuse(piu::ErrorCode::kBadInput, "image", {b, a, c}, {"dim 0 has min 4, opt 1, max 8", "min <= opt <= max"});
  refuse(piu::ErrorCode::kBadInput, "image", {a, b, piu::Shape{8, 3, 224}}, {"differ in rank"});
  refuse(piu::ErrorCode::kBadInput, "image", {piu::Shape{1, 3}, piu::Shape{1, 3}, piu::Shape{1, 3}},
         {"rank 2 shapes for an input of rank 4"});
  refuse(piu::ErrorCode::kBadInput, "image",
         {piu::Shape{1, 3, 64, 64}, piu::Shape{1, 3, 64, 64}, piu::Shape{1, 3, 64, 64}}, {"dim 2 is 224 in the model"});
  refuse(piu::ErrorCode::kBadInput, "image", {piu::Shape{-1, 3, 224, 224}, b, c}, {"negative dim"});
  piu::TensorRtBuildOptions partial;  // a profile for one dynamic input needs one for every other
  partial.opt_shapes["a"] = {piu::Shape{1}, piu::Shape{2}, piu::Shape{3}};
  expect_error(piu::ErrorCode::kBadInput,
               [&] {
                 piu::tensorrt_provider_options(partial, {input("a", {-1}), input("b", {-1, 2})});
               },
               {"no shapes for the dynamic input 'b' (-1x2)"});
  piu::TensorRtBuildOptions colon;  // ONNX Runtime splits profile strings at ',' and ':'
  colon.opt_shapes["x:0"] = {piu::Shape{1}, piu::Shape{2}, piu::Shape{3}};
  expect_error(piu::ErrorCode::kUnsupported, [&] { piu::tensorrt_provider_options(colon, {input("x:0", {-1})}); },
               {"'x:0' cannot be named", "rename the input"});
}

TEST(TensorRtOptions, InputsAreReadFromTheModelFile) {
  const std::string path = piu::test::model_path("shapes.onnx");
  PIU_REQUIRE_MODEL(path);
  piu::TensorRtBuildOptions build;
  build.max_batch_size = 8;
  EXPECT_EQ(piu::tensorrt_provider_options(build, path).at("trt_profile_min_shapes"), "input:1x3x64x64");
}

TEST(TensorRtHealth, SaysWhatIsMissingInOneLine) {
  const piu::TensorRtHealth health = piu::check_tensorrt_health();
  if (health.ok) GTEST_SKIP() << "needs a GPU machine without TensorRT: TensorRT " << health.version << " runs here";
  ASSERT_FALSE(health.missing.empty());
  std::string joined;
  for (const auto& m : health.missing) joined += (joined.empty() ? "" : "; ") + m;
  EXPECT_EQ(health.message(), "TensorRT unavailable: " + joined);
  EXPECT_EQ(health.message().find('\n'), std::string::npos);
  EXPECT_EQ(health.libnvinfer, "libnvinfer.so.10");  // what ONNX Runtime 1.31's TensorRT provider links
  if (health.found_libnvinfer.empty()) {
    EXPECT_TRUE(health.version.empty());
    EXPECT_NE(health.message().find("libnvinfer.so.10 not found: install TensorRT 10"), std::string::npos);
  }
  if (health.provider_library.empty()) {  // ONNX Runtime's CPU build: that comes first
    EXPECT_EQ(health.missing.front().find("ONNX Runtime"), 0u) << health.missing.front();
  }
  EXPECT_EQ(piu::tensorrt_version(), health.version);
}

TEST(TensorRtBackend, RefusesTheCpuAndWhatTensorRtLacks) {
  const std::string path = piu::test::model_path("shapes.onnx");
  PIU_REQUIRE_MODEL(path);
  piu::SessionOptions options;
  options.backend = "tensorrt";
  expect_error(piu::ErrorCode::kBadInput, [&] { piu::Session::open(path, options); },
               {"backend 'tensorrt' runs on a CUDA device", "not cpu"});
  EXPECT_EQ(piu::Session::open(path)->backend(), "ort");  // "auto" never picks tensorrt
  const piu::TensorRtHealth health = piu::check_tensorrt_health();
  if (health.ok) GTEST_SKIP() << "needs a GPU machine without TensorRT: TensorRT " << health.version << " runs here";
  options.device = piu::parse_device("cuda:0");
  try {
    piu::Session::open(path, options);
    ADD_FAILURE() << "no error";
  } catch (const piu::Error& e) {
    EXPECT_EQ(e.code(), piu::ErrorCode::kUnsupported);
    EXPECT_EQ(std::string(e.what()), health.message());
  }
}

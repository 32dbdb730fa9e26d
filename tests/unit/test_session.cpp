#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "piu/session.hpp"
#include "test_util.hpp"

namespace {

using piu::test::expect_bad_input;

class ReferenceModel : public testing::TestWithParam<const char*> {};

}  // namespace

// ORT outputs equal PyTorch's outputs saved by the generator (batch 2 through a dynamic batch dim).
TEST_P(ReferenceModel, MatchesPyTorch) {
  const std::string base = piu::test::model_path(GetParam());
  PIU_REQUIRE_MODEL(base + ".onnx");
  auto session = piu::Session::open(base + ".onnx");
  EXPECT_EQ(session->backend(), "ort");
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].shape, (piu::Shape{-1, 3, 224, 224}));
  EXPECT_EQ(session->inputs()[0].dim_names[0], "batch");
  const auto input = piu::read_npy(base + ".input.npy");
  const auto expected = piu::read_npy(base + ".output.npy");
  const auto outputs = session->run({input});
  ASSERT_EQ(outputs.size(), 1u);
  const auto diff = piu::compare_tensors(outputs[0], expected, 1e-4, 0);
  EXPECT_TRUE(diff.shape_match);
  EXPECT_LE(diff.max_abs, 1e-4) << "scale " << diff.expected_scale;
}

INSTANTIATE_TEST_SUITE_P(Torchvision, ReferenceModel, testing::Values("resnet18", "mobilenet_v3_small"));

TEST(Session, ConcurrentRunsGiveIdenticalOutputs) {
  const std::string path = piu::test::model_path("mobilenet_v3_small.onnx");
  PIU_REQUIRE_MODEL(path);
  auto session = piu::Session::open(path);
  const auto inputs = piu::make_random_inputs(session->inputs(), {}, 2, 42);
  const auto reference = session->run(inputs);
  std::vector<std::vector<piu::Tensor>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) results[t] = session->run(inputs);
    });
  for (auto& th : threads) th.join();
  for (const auto& r : results) {
    ASSERT_EQ(r.size(), reference.size());
    ASSERT_EQ(r[0].nbytes(), reference[0].nbytes());
    EXPECT_EQ(std::memcmp(r[0].data(), reference[0].data(), r[0].nbytes()), 0);
  }
}

TEST(Session, InputsByNameAndPosition) {
  const std::string path = piu::test::model_path("cases/multi_io.onnx");
  PIU_REQUIRE_MODEL(path);
  auto session = piu::Session::open(path);
  ASSERT_EQ(session->inputs().size(), 2u);
  EXPECT_EQ(session->inputs()[1].dtype, piu::DType::kInt64);
  EXPECT_EQ(session->outputs()[1].name, "shifted");
  auto a = piu::Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto ids = piu::Tensor::from_vector<int64_t>({7, 8}, {2});
  auto by_position = session->run({a, ids});
  auto by_name = session->run_named(std::map<std::string, piu::Tensor>{{"ids", ids}, {"a", a}});
  EXPECT_EQ(by_name[0].data_as<float>()[5], 12.0f);
  EXPECT_EQ(by_name[1].data_as<int64_t>()[1], 9);
  EXPECT_EQ(std::memcmp(by_position[0].data(), by_name[0].data(), by_name[0].nbytes()), 0);
}

TEST(Session, BadInputsNameTheInputAndTheProblem) {
  const std::string path = piu::test::model_path("cases/multi_io.onnx");
  PIU_REQUIRE_MODEL(path);
  auto session = piu::Session::open(path);
  auto a = piu::Tensor::from_vector<float>({1, 2, 3}, {1, 3});
  auto ids = piu::Tensor::from_vector<int64_t>({7}, {1});
  expect_bad_input(
      [&] {
        session->run_named(std::map<std::string, piu::Tensor>{{"a", a}, {"idz", ids}});
      },
      {"no input named 'idz'", "a, ids"});
  expect_bad_input([&] { session->run_named(std::map<std::string, piu::Tensor>{{"a", a}}); }, {"'ids'", "not given"});
  expect_bad_input([&] { session->run({a}); }, {"takes 2 input(s)", "given 1"});
  expect_bad_input(
      [&] {
        session->run({a, piu::Tensor::from_vector<int32_t>({7}, {1})});
      },
      {"'ids'", "expects dtype int64", "given int32"});
  expect_bad_input([&] { session->run({a.reshaped({3}), ids}); }, {"'a'", "expects shape -1x3", "given 3"});
  expect_bad_input(
      [&] {
        session->run({piu::Tensor::zeros(piu::DType::kFloat32, {1, 4}), ids});
      },
      {"'a'", "expects shape -1x3", "given 1x4"});
}

TEST(Session, RegistryAndBackendSelection) {
  const std::string path = piu::test::model_path("cases/add.onnx");
  PIU_REQUIRE_MODEL(path);
  const auto names = piu::registered_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "ort"), names.end());
  piu::SessionOptions options;
  options.backend = "nosuch";
  expect_bad_input([&] { piu::Session::open(path, options); }, {"unknown backend 'nosuch'", "ort"});
  options.backend = "ort";
  options.intra_op_num_threads = 1;
  options.graph_optimization = piu::GraphOptimization::kDisabled;
  EXPECT_EQ(piu::Session::open(path, options)->backend(), "ort");
}

// A backend that declares its own file kind, as a new backend would.
class KindTestSession final : public piu::Session {
 public:
  explicit KindTestSession(const std::string& path) { path_ = path; }
  std::string backend() const override { return "kind_test"; }

 protected:
  std::vector<piu::Tensor> run_validated(const std::vector<piu::Tensor>& inputs, piu::Device) const override { return inputs; }
};

TEST(Session, BackendsArePickedByTheFileKindsTheyDeclare) {
  piu::BackendFactory f;
  f.name = "kind_test";
  f.file_kinds = {".kindtest"};
  f.create = [](const std::string& path, const piu::SessionOptions&) -> std::unique_ptr<piu::Session> {
    return std::make_unique<KindTestSession>(path);
  };
  f.supports = [](const piu::SessionOptions& o) { return o.intra_op_num_threads != 7; };
  piu::register_backend(f);
  const std::string path = testing::TempDir() + "/model.kindtest";
  std::ofstream(path) << "not a model";
  EXPECT_EQ(piu::Session::open(path)->backend(), "kind_test");
  piu::SessionOptions options;
  options.backend = "ort";  // ort tries unclaimed files only; this kind is claimed
  expect_bad_input([&] { piu::Session::open(path, options); }, {"backend 'ort' cannot open"});
  options.backend = "auto";
  options.intra_op_num_threads = 7;  // declined by `supports`: nobody opens it
  expect_bad_input([&] { piu::Session::open(path, options); }, {"no backend opens", "model.kindtest"});

  const auto names = piu::backend_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const auto& n : piu::available_plugins()) EXPECT_NE(std::find(names.begin(), names.end(), n), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "kind_test"), names.end());
}

TEST(Session, TorchScriptPaths) {
  for (const char* p : {"m.pt", "dir/m.pth", "m.ts", "m.torchscript", "m.jit"})
    EXPECT_TRUE(piu::is_torchscript_path(p)) << p;
  for (const char* p : {"m.onnx", "m.pt.onnx", "pt", "m.ptx"}) EXPECT_FALSE(piu::is_torchscript_path(p)) << p;
}

TEST(Session, RandomInputsResolveDynamicDims) {
  const std::string path = piu::test::model_path("cases/dynamic_hw.onnx");
  PIU_REQUIRE_MODEL(path);
  auto session = piu::Session::open(path);
  expect_bad_input([&] { piu::make_random_inputs(session->inputs(), {}, 1); }, {"'x'", "dynamic dim 2", "height"});
  auto inputs = piu::make_random_inputs(session->inputs(), {piu::parse_shape_spec("x:1x3x8x9")}, 1);
  EXPECT_EQ(inputs[0].shape(), (piu::Shape{1, 3, 8, 9}));
  EXPECT_EQ(session->run(inputs)[0].shape(), (piu::Shape{1, 3, 8, 9}));
  expect_bad_input([&] { piu::make_random_inputs(session->inputs(), {piu::parse_shape_spec("x:2x3x8x9")}, 1); },
                   {"conflicts"});
}

TEST(Session, BenchmarkReportsOrderedPercentiles) {
  const std::string path = piu::test::model_path("cases/add.onnx");
  PIU_REQUIRE_MODEL(path);
  auto session = piu::Session::open(path);
  piu::BenchOptions options;
  options.warmup = 2;
  options.iterations = 50;
  auto r = piu::benchmark(*session, piu::make_random_inputs(session->inputs(), {}, 4), options);
  EXPECT_EQ(r.iterations, 50);
  EXPECT_EQ(r.batch, 4);
  EXPECT_LE(r.min_ms, r.p50_ms);
  EXPECT_LE(r.p50_ms, r.p90_ms);
  EXPECT_LE(r.p90_ms, r.p99_ms);
  EXPECT_LE(r.p99_ms, r.max_ms);
  EXPECT_GT(r.items_per_s, 0);
}

TEST(Session, VerifyNamesTheFirstDifferingOutputAndTheShape) {
  const std::string a = piu::test::model_path("resnet18.onnx");
  const std::string b = piu::test::model_path("mobilenet_v3_small.onnx");
  PIU_REQUIRE_MODEL(a);
  PIU_REQUIRE_MODEL(b);
  auto reference = piu::Session::open(a);
  auto same = piu::Session::open(a);
  piu::VerifyOptions options;
  options.batches = {1, 3};
  const auto ok = piu::verify_sessions(*reference, *same, options);
  EXPECT_TRUE(ok.ok);
  ASSERT_EQ(ok.checks.size(), 2u) << "one check per output and batch size";
  EXPECT_EQ(ok.checks[1].batch, 3);
  const auto bad = piu::verify_sessions(*reference, *piu::Session::open(b), options);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.failure.find("output 'output'"), std::string::npos) << bad.failure;
  EXPECT_NE(bad.failure.find("1x3x224x224"), std::string::npos) << bad.failure;
}

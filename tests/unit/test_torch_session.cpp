// The LibTorch backend (the torch plugin): TorchScript files run through the same Session
// interface, and agree with ONNX Runtime on the same model's ONNX export.
#include <gtest/gtest.h>

#include <algorithm>

#include "piu/cuda.hpp"
#include "piu/session.hpp"
#include "test_util.hpp"

namespace piu {
namespace {

TEST(TorchSession, RunsTorchScriptAndMatchesThePyTorchReference) {
  const std::string pt = test::model_path("resnet18.pt");
  PIU_REQUIRE_MODEL(pt);
  SessionOptions two_threads;
  two_threads.intra_op_num_threads = 2;
  auto session = Session::open(pt, two_threads);
  EXPECT_EQ(session->backend(), "torch");
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].name, "x");
  EXPECT_FALSE(session->inputs()[0].rank_known);
  const Tensor x = read_npy(test::model_path("resnet18.input.npy"));  // batch 2; traced at batch 1
  const Tensor expected = read_npy(test::model_path("resnet18.output.npy"));
  const auto out = session->run({x});
  ASSERT_EQ(out.size(), 1u);
  const TensorDiff d = compare_tensors(out[0], expected, 0, 0);
  EXPECT_TRUE(d.shape_match);
  EXPECT_LE(d.max_abs, 1e-5 * d.expected_scale);
}

TEST(TorchSession, AgreesWithOnnxRuntimeOnTheExport) {
  const std::string pt = test::model_path("resnet18.pt"), onnx = test::model_path("resnet18.onnx");
  PIU_REQUIRE_MODEL(pt);
  auto torch = Session::open(pt);
  auto ort = Session::open(onnx);
  VerifyOptions v;
  v.batches = {1, 3};
  v.shapes = {parse_shape_spec("x:-1x3x224x224")};
  const VerifyReport r = verify_sessions(*torch, *ort, v);
  EXPECT_TRUE(r.ok) << r.failure;
  EXPECT_EQ(r.checks.size(), 2u);
}

TEST(TorchSession, BadFilesAreClearErrors) {
  const std::string state_dict = test::model_path("resnet18.state_dict.pt");
  PIU_REQUIRE_MODEL(state_dict);
  try {
    Session::open(state_dict);
    FAIL() << "a state_dict is not TorchScript";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("state_dict"), std::string::npos) << e.what();
  }
  test::TempDir tmp;
  write_file_atomic(tmp / "model.pt", "not a zip archive");
  try {
    Session::open(tmp / "model.pt");
    FAIL() << "a text file is not TorchScript";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a TorchScript file"), std::string::npos) << e.what();
  }
  auto session = Session::open(test::model_path("shapes.pt"));
  try {
    make_random_inputs(session->inputs(), {}, 1);
    FAIL() << "TorchScript inputs have no shape to make random values from";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--shape"), std::string::npos) << e.what();
  }
}

// Inputs on the host or on the GPU, outputs returned where asked, with and without a CUDA graph.
// Skips where no GPU is visible; a GPU that the plugin's LibTorch cannot use fails it.
TEST(TorchSession, CudaInputsAndOutputsOnHostOrDevice) {
  std::string why;
  if (!cuda::available(&why)) GTEST_SKIP() << "needs a GPU (" << why << ")";
  const std::string pt = test::model_path("shapes.pt");
  PIU_REQUIRE_MODEL(pt);
  const Device gpu = parse_device("cuda:0");
  SessionOptions on_gpu;
  on_gpu.device = gpu;
  auto cpu_session = Session::open(pt);
  auto gpu_session = Session::open(pt, on_gpu);
  const auto inputs = make_random_inputs(cpu_session->inputs(), {parse_shape_spec("x:2x3x64x64")}, 2, 1);
  const auto other = make_random_inputs(cpu_session->inputs(), {parse_shape_spec("x:2x3x64x64")}, 2, 2);
  const Tensor expected = cpu_session->run(inputs)[0], expected_other = cpu_session->run(other)[0];
  const auto close = [](const Tensor& got, const Tensor& want) {
    ASSERT_EQ(got.device(), Device{});
    const TensorDiff d = compare_tensors(got, want, 0, 0);
    EXPECT_TRUE(d.shape_match);
    EXPECT_LE(d.max_abs, 1e-4 * d.expected_scale + 1e-6);
  };
  const Tensor on_device = inputs[0].to(gpu);
  close(gpu_session->run(inputs)[0], expected);     // host in, host out
  close(gpu_session->run({on_device})[0], expected);  // device in, host out
  const Tensor device_out = gpu_session->run({on_device}, gpu)[0];
  EXPECT_EQ(device_out.device(), gpu);
  close(device_out.to(Device{}), expected);

  on_gpu.provider_options["cuda_graph"] = "1";
  auto graph_session = Session::open(pt, on_gpu);
  const Tensor first = graph_session->run({on_device}, gpu)[0];
  const Tensor second = graph_session->run({other[0].to(gpu)}, gpu)[0];  // a replay with other values
  close(first.to(Device{}), expected);  // still the first run's: outputs are copies, not the graph's
  close(second.to(Device{}), expected_other);
  close(graph_session->run(inputs)[0], expected);
  const auto wrong = make_random_inputs(cpu_session->inputs(), {parse_shape_spec("x:1x3x64x64")}, 1);
  try {
    graph_session->run(wrong);
    FAIL() << "a CUDA graph runs the shape it was captured for";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("captured for float32 2x3x64x64"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace piu

// The LibTorch backend (the torch plugin): TorchScript files run through the same Session
// interface, and agree with ONNX Runtime on the same model's ONNX export.
#include <gtest/gtest.h>

#include <algorithm>

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

}  // namespace
}  // namespace piu

// The deploy pipeline as a library: a stage is one function in a list.
#include <gtest/gtest.h>

#include <filesystem>

#include "piu/deploy.hpp"
#include "piu/jobs.hpp"
#include "piu/onnx.hpp"
#include "test_util.hpp"

namespace piu {
namespace {

DeployOptions quick_options(const std::string& dir) {
  DeployOptions o;
  o.output_dir = dir;
  o.verify_options.batches = {1, 2};
  o.bench_batches = {1};
  o.bench_rounds = 1;
  o.bench_options.duration_s = 0.02;
  o.bench_options.warmup = 1;
  o.session.intra_op_num_threads = 1;
  return o;
}

TEST(Deploy, WritesTheFolderAndRecordsEveryStage) {
  const std::string src = test::model_path("resnet18.onnx");
  PIU_REQUIRE_MODEL(src);
  test::TempDir tmp;
  std::vector<std::string> progress;
  DeployOptions o = quick_options(tmp / "out");
  o.progress = [&](std::string_view line) { progress.emplace_back(line); };
  const DeployReport r = deploy(src, o);
  ASSERT_EQ(r.stages.size(), 8u);
  EXPECT_EQ(r.stages.front().name, "export");
  EXPECT_TRUE(r.stages.front().skipped);  // the input is ONNX
  EXPECT_EQ(r.stages.back().name, "bench");
  EXPECT_TRUE(r.stages[5].skipped);  // precision: float32 unless int8 or fp16 is asked for
  EXPECT_LT(r.after.nodes, r.before.nodes);
  EXPECT_EQ(r.stages[3].nodes_before, r.before.nodes);  // optimize starts from the input's graph
  ASSERT_TRUE(r.verification.has_value());
  EXPECT_TRUE(r.verification->ok);
  EXPECT_EQ(r.verification->checks.size(), 2u);
  ASSERT_EQ(r.latency.size(), 1u);
  EXPECT_GT(r.latency[0].before_p50_ms, 0);
  EXPECT_TRUE(std::filesystem::exists(r.model_path));
  EXPECT_EQ(read_file(r.chart_path).substr(0, 4), "\x89PNG");
  EXPECT_NE(read_file(r.report_path).find("## Verification"), std::string::npos);
  EXPECT_FALSE(progress.empty());
  // The written model is the verified one.
  EXPECT_EQ(inspect(OnnxModel::load(r.model_path)).nodes, r.after.nodes);
}

TEST(Deploy, AStageIsOneFunctionInTheList) {
  const std::string src = test::model_path("cases/add.onnx");
  PIU_REQUIRE_MODEL(src);
  test::TempDir tmp;
  auto stages = default_deploy_stages();
  bool ran = false;
  stages.insert(stages.begin() + 2, DeployStage{"note", [&](DeployContext& ctx, StageRecord& rec) {
                                                  ran = true;
                                                  rec.summary = "saw " + std::to_string(ctx.model.proto().graph().node_size()) + " node in " +
                                                                std::filesystem::path(ctx.input_path).filename().string();
                                                }});
  DeployOptions o = quick_options(tmp / "out");
  o.bench = false;
  const DeployReport r = deploy(src, o, stages);
  EXPECT_TRUE(ran);
  ASSERT_EQ(r.stages.size(), 9u);
  EXPECT_EQ(r.stages[2].summary, "saw 1 node in add.onnx");
  EXPECT_TRUE(r.stages.back().skipped);
  EXPECT_TRUE(r.chart_path.empty());
  EXPECT_NE(read_file(r.report_path).find("| note |"), std::string::npos);
}

TEST(Deploy, AStageThatBreaksTheModelFailsVerificationAndWritesNothing) {
  const std::string src = test::model_path("cases/add.onnx");
  PIU_REQUIRE_MODEL(src);
  test::TempDir tmp;
  auto stages = default_deploy_stages();
  // A broken rewrite: w = [1, 2, 3, 4] becomes [1, 2, 3, 5].
  stages.insert(stages.begin() + 5, DeployStage{"break", [](DeployContext& ctx, StageRecord&) {
                                                  auto* w = ctx.model.proto().mutable_graph()->mutable_initializer(0);
                                                  Tensor t = tensor_from_proto(*w);
                                                  t.data_as<float>()[3] = 5;
                                                  *w = tensor_to_proto(t, w->name());
                                                }});
  DeployOptions o = quick_options(tmp / "out");
  o.bench = false;
  try {
    deploy(src, o, stages);
    FAIL() << "expected a verification failure";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kVerificationFailed);
    EXPECT_NE(std::string(e.what()).find("output 'y'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stage verify"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(tmp / "out")) << "the folder deploy created is gone again";
}

TEST(Jobs, AModelWritingJobChecksVerifiesAndWrites) {
  const std::string src = test::model_path("cases/add.onnx");
  PIU_REQUIRE_MODEL(src);
  test::TempDir tmp;
  OptimizeJobOptions o;
  o.input = src;
  o.write.output = tmp / "out.onnx";
  const OptimizeJobReport r = optimize_job(o);
  EXPECT_TRUE(r.written.verified);
  EXPECT_EQ(r.written.verify.checks.size(), 2u);  // batch 1 and 3
  EXPECT_TRUE(std::filesystem::exists(o.write.output));
  EXPECT_NE(r.to_json().find("\"verification\""), std::string::npos);
  EXPECT_NE(r.to_text().find("wrote " + o.write.output), std::string::npos);
  o.write.output = src;  // never the input
  EXPECT_THROW(optimize_job(o), Error);
}

TEST(Deploy, ChartIsAPng) {
  LatencyPoint a;
  a.batch = 1, a.before_p50_ms = 2.5, a.after_p50_ms = 1.25;
  LatencyPoint b;
  b.batch = 16, b.before_p50_ms = 30, b.after_p50_ms = 29;
  const std::string png = render_latency_chart_png({a, b}, "p50 latency");
  ASSERT_GT(png.size(), 100u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace piu

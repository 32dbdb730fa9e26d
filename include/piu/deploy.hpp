// piu deploy: the whole road from a model file to a verified, faster one, as a list of stages
// (inspect -> round weights -> optimize -> simplify -> verify -> bench), each one function, then
// DIR/model.onnx, DIR/report.md and DIR/latency.png. The seed's torch2optimized_onnx as one call;
// later stages (export, quantization, engine building) are added to the same list.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piu/export.hpp"
#include "piu/jobs_quant.hpp"
#include "piu/onnx.hpp"
#include "piu/passes.hpp"
#include "piu/quant.hpp"
#include "piu/session.hpp"
#include "piu/simplify.hpp"

namespace piu {

struct DeployOptions {
  std::string output_dir;  // created when missing; model.onnx, report.md and latency.png go there

  // A TorchScript input is exported first (its --shape specs also drive verification and the
  // benchmark); an ONNX input is loaded as it is.
  ExportOptions export_options{.input_shapes = {}, .input_names = {}, .output_names = {}, .opset = 17,
                               .constant_folding = true, .keep_initializers_as_inputs = false};

  bool round_weights = true;  // flush denormal weights (the seed's weight rounding)
  int round_digits = 16;
  bool optimize = true;  // the seed's pass list
  OptimizeOptions optimize_options;
  bool simplify = true;
  SimplifyOptions simplify_options;

  // Precision, after simplify. int8: Q/DQ calibrated on `calibration_dir` (verification then
  // checks the output SQNR on calibration items against the input instead of a tolerance, at
  // least `min_sqnr_db`, and with `fallback` the most sensitive layers stay float until it is met).
  // fp16: float16 weights and compute (verification at rel_tol 1e-2 unless verify_options says more).
  bool int8 = false;
  CalibrationData calibration_data;  // completed from the model's input by the precision stage
  CalibrationOptions calibration;
  QuantizeOptions quantize;
  double min_sqnr_db = 20;
  bool fallback = false;
  bool fp16 = false;
  Fp16Options fp16_options = [] {
    Fp16Options o;
    o.keep_io_types = true;
    return o;
  }();

  bool verify = true;  // compare the result with the input on ONNX Runtime before anything is written
  VerifyOptions verify_options = verify_options_at({1, 3, 8});

  bool bench = true;  // latency of the input and of the result, side by side
  std::vector<int64_t> bench_batches = {1, 8};
  int bench_rounds = 3;  // alternating before/after runs per batch; the report shows medians
  BenchOptions bench_options{.warmup = 5, .iterations = 0, .duration_s = 1.0, .min_iterations = 10};

  SessionOptions session;  // backend and threads for verification and benchmarks
  std::function<void(std::string_view line)> progress;  // one line per step; may be empty
};

// What one stage did, for the report.
struct StageRecord {
  std::string name;
  bool skipped = false;
  std::string summary;               // one line: "3 denormal weights flushed", "skipped (--no-simplify)"
  std::vector<std::string> details;  // Markdown lines for the report's section on this stage
  double seconds = 0;
  int64_t nodes_before = 0;
  int64_t nodes_after = 0;
};

// p50 latency (median over the rounds) of the input and of the result at one batch size.
struct LatencyPoint {
  int64_t batch = 0;
  double before_p50_ms = 0;
  double after_p50_ms = 0;
  std::vector<BenchResult> before_runs;
  std::vector<BenchResult> after_runs;
};

struct DeployReport {
  std::string input;
  std::string output_dir;
  std::string model_path;  // DIR/model.onnx
  std::string report_path;
  std::string chart_path;  // empty when there is no benchmark to draw
  ModelInfo before;
  ModelInfo after;
  std::vector<StageRecord> stages;
  std::optional<VerifyReport> verification;
  // int8: output SQNR of the result against the input model on calibration items (verify stage).
  std::optional<double> int8_sqnr_db;
  int64_t int8_eval_items = 0;
  std::vector<LatencyPoint> latency;
  std::string backend;  // of the benchmark sessions
  int threads = 0;
  double seconds = 0;
  // What piu deploy --json prints (paths, node counts, stages, verification, latency).
  std::string to_json() const;
  // What piu deploy prints at the end: the files written.
  std::string to_text() const;
};

// What a stage works on. The input file never changes (stages that need the original open it);
// `model` is the one copy in memory, transformed in place, and is what gets written at the end.
struct DeployContext {
  const DeployOptions& options;
  const std::string& input_path;
  OnnxModel model;
  DeployReport& report;
  // The ONNX input types of an exported TorchScript model (TorchScript declares none), for
  // verification's random inputs; empty for ONNX inputs.
  std::vector<DType> input_dtypes;
  // Prints one progress line through options.progress (if set).
  void log(std::string_view line) const;
  // Writes `model` under temp names in the output folder (its weights leave memory as they are
  // written) and returns that file, for stages that run it (verify, bench); later calls return the
  // same file. `model` is empty afterwards: stages that transform it come before the first caller.
  const std::string& staged_model();
  // The staged write, committed by deploy() once every stage succeeded.
  std::unique_ptr<StagedSave> staged;
  // int8: the calibration data completed from the input model's input (export stage), which the
  // precision stage calibrates on and verification measures the output SQNR on.
  std::optional<CalibrationSetup> calibration;
  // The export of a TorchScript input (its inputs' names and types), for verification against it.
  std::optional<ExportReport> export_report;
};

struct DeployStage {
  std::string name;
  std::function<void(DeployContext& context, StageRecord& record)> run;
};

// export (or load), inspect, round-weights, optimize, simplify, precision (int8/fp16), verify, bench: each reads its
// switches from DeployOptions and records "skipped" when off. The first stage fills
// context.model: a TorchScript input is exported, an ONNX one loaded.
std::vector<DeployStage> default_deploy_stages();

// Runs the stages in order over `model_path` (one copy of the model in memory), then writes DIR/model.onnx,
// DIR/report.md and DIR/latency.png, each atomically. Nothing is left behind when a stage throws
// (a folder deploy created is removed again): verification that fails throws kVerificationFailed
// naming the first differing output and the shape that exposed it. Refuses a DIR/model.onnx that
// is the input file. Verification and the benchmark run at verify_options.shapes, else the
// export's input shapes, else the simplifier's; a single shape applies whatever the input is called.
DeployReport deploy(const std::string& model_path, const DeployOptions& options,
                    const std::vector<DeployStage>& stages = default_deploy_stages());

// The report as Markdown (what changed per stage, op types before/after, verification errors,
// latency before/after with the chart).
std::string format_deploy_report(const DeployReport& report);

// A bar chart of p50 latency before/after per batch size, as PNG bytes.
std::string render_latency_chart_png(const std::vector<LatencyPoint>& latency, const std::string& title);

}  // namespace piu

// The deploy pipeline: stages run in order over one model, then the folder is written.
#include "piu/deploy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "core/checked.hpp"
#include "piu/jobs_quant.hpp"

namespace piu {

namespace fs = std::filesystem;

namespace {

std::string mib(int64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0); }

std::string value_line(const ValueSummary& v) {
  std::string dims;
  for (const auto& d : v.dims) dims += (dims.empty() ? "" : ", ") + d;
  return "`" + v.name + "` " + v.dtype + " [" + dims + "]";
}

// The calibration data completed from the model's input.
CalibrationSetup deploy_calibration_setup(const DeployContext& ctx) {
  return calibration_setup(ctx.options.calibration_data, model_inputs(ctx.model, ctx.input_path));
}

// The first stage: a TorchScript input is exported to ONNX, an ONNX input loaded.
void stage_export(DeployContext& ctx, StageRecord& rec) {
  if (!is_torchscript_path(ctx.input_path)) {
    ctx.model = OnnxModel::load(ctx.input_path);
    rec.skipped = true;
    rec.summary = "the input is ONNX already";
  } else {
    ExportedModel exported = export_with_input_types(ctx.input_path, ctx.options.export_options);
    ctx.model = std::move(exported.model);
    ctx.input_dtypes = exported.input_dtypes;
    ctx.export_report = exported.report;
    rec.summary = fmt::format("{} TorchScript nodes -> {} ONNX nodes (opset {})", exported.report.torch_nodes,
                              exported.report.onnx_nodes, ctx.options.export_options.opset);
  }
  ctx.report.before = inspect(ctx.model);
  ctx.report.before.path = ctx.input_path;
  // int8 calibration items take their shape from the input as given (before simplify fixes dims).
  if (ctx.options.int8) ctx.calibration = deploy_calibration_setup(ctx);
}

void stage_inspect(DeployContext& ctx, StageRecord& rec) {
  const ModelInfo& m = ctx.report.before;
  rec.summary = fmt::format("{} nodes, {} parameters ({})", m.nodes, m.parameters, mib(m.parameter_bytes));
  for (const auto& v : m.inputs) rec.details.push_back("input " + value_line(v));
  for (const auto& v : m.outputs) rec.details.push_back("output " + value_line(v));
  std::string opsets;
  for (const auto& [domain, version] : m.opsets) opsets += (opsets.empty() ? "" : ", ") + domain + " " + std::to_string(version);
  rec.details.push_back("opsets: " + opsets + (m.producer.empty() ? "" : "; producer: " + m.producer));
}

void stage_round_weights(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.round_weights) {
    rec.skipped = true;
    rec.summary = "skipped (--no-round-weights)";
    return;
  }
  const RoundReport r = round_weights(ctx.model, ctx.options.round_digits);
  rec.summary = fmt::format("{} of {} weights changed, {} denormals flushed ({} decimal digits)", r.values_changed,
                            r.values, r.denormals_before - r.denormals_after, ctx.options.round_digits);
}

void stage_optimize(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.optimize) {
    rec.skipped = true;
    rec.summary = "skipped (--no-optimize)";
    return;
  }
  const OptimizeReport r = optimize(ctx.model, ctx.options.optimize_options);
  int changed = 0;
  for (const auto& p : r.passes) {
    if (p.applications == 0) continue;
    ++changed;
    rec.details.push_back(fmt::format("`{}`: {} rewrites, {} nodes removed", p.name, p.applications, p.nodes_removed));
  }
  rec.summary = fmt::format("{} of {} passes changed the graph, {} round{}", changed, r.passes.size(), r.iterations,
                            r.iterations == 1 ? "" : "s");
}

void stage_simplify(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.simplify) {
    rec.skipped = true;
    rec.summary = "skipped (--no-simplify)";
    return;
  }
  const SimplifyReport r = simplify(ctx.model, ctx.options.simplify_options);
  rec.summary = fmt::format("{} nodes folded into constants, weights {} -> {}, {} round{}", r.folded_nodes,
                            mib(r.bytes_before), mib(r.bytes_after), r.iterations, r.iterations == 1 ? "" : "s");
  for (const auto& s : r.skipped)
    rec.details.push_back("not folded: `" + s.node + "` (" + s.op_type + "): " + s.reason);
}

void stage_precision(DeployContext& ctx, StageRecord& rec) {
  const DeployOptions& o = ctx.options;
  if (o.int8 && o.fp16) throw Error(ErrorCode::kBadInput, "choose one of int8 and fp16");
  if (!o.int8 && !o.fp16) {
    rec.skipped = true;
    rec.summary = "skipped (float32; --int8 or --fp16 add this stage)";
    return;
  }
  if (o.fp16) {
    const Fp16Report r = convert_fp16(ctx.model, o.fp16_options);
    rec.summary = fmt::format("float16: {} nodes converted, {} kept float32, {} casts, {} initializers",
                              r.converted_nodes, r.blocked_nodes, r.casts, r.converted_initializers);
    return;
  }
  if (!ctx.calibration) ctx.calibration = deploy_calibration_setup(ctx);  // a stage list without export
  const CalibrationSetup& setup = *ctx.calibration;
  auto source = calibration_source(setup);
  ctx.log("int8: calibrating on " + source->describe());
  CalibrationOptions co = o.calibration;
  if (!co.progress) co.progress = [&ctx](int64_t done, int64_t) { ctx.log(fmt::format("calibrate: {} items", done)); };
  const CalibrationTable table = calibrate(ctx.model, *source, co);
  auto eval = evaluation_source(setup);
  AccuracyTarget target;
  target.min_sqnr_db = o.fallback ? o.min_sqnr_db : 0;
  target.threads = o.session.intra_op_num_threads;
  const FallbackReport fb =
      quantize_to_target(ctx.model, table, o.quantize, target, *eval, [&ctx](const std::string& l) { ctx.log(l); });
  const QuantizeReport& q = fb.quantize;
  rec.summary = fmt::format("int8 ({} calibration on {} items): {} of {} quantizable nodes, {} weights, {} activations",
                            calibration_method_name(table.method), table.items, q.quantized_nodes,
                            q.quantizable_nodes.size(), q.quantized_weights, q.quantized_activations);
  rec.details.push_back(fmt::format("format: {}", o.quantize.symmetric_activations
                                                      ? "symmetric int8 activations (TensorRT)"
                                                      : "uint8 activations with zero points (ONNX Runtime)"));
  if (q.opset_before != q.opset_after)
    rec.details.push_back(fmt::format("converted from opset {} to {}", q.opset_before, q.opset_after));
  if (o.fallback) {
    rec.details.push_back(fmt::format("output SQNR with every node in int8: {:.1f} dB (target {:.1f} dB)",
                                      fb.sqnr_all_db, o.min_sqnr_db));
    for (const auto& n : fb.excluded) rec.details.push_back("kept in float: `" + n + "`");
  }
}

// int8: output SQNR of the result against the input on calibration items, one model at a time.
void verify_int8(DeployContext& ctx, StageRecord& rec, const SessionOptions& input_so, const SessionOptions& so) {
  if (!ctx.calibration) ctx.calibration = deploy_calibration_setup(ctx);  // a stage list without precision
  auto eval = evaluation_source(*ctx.calibration);
  const SqnrMeasurement m = measure_output_sqnr(ctx.input_path, input_so, ctx.staged_model(), so, *eval, 2);
  ctx.report.int8_sqnr_db = m.sqnr_db;
  ctx.report.int8_eval_items = m.items;
  rec.summary = fmt::format("int8 output SQNR vs the input model: {:.1f} dB on {} calibration items (at least {:.1f} dB)",
                            m.sqnr_db, m.items, ctx.options.min_sqnr_db);
  if (!(m.sqnr_db >= ctx.options.min_sqnr_db))
    throw Error(ErrorCode::kVerificationFailed,
                fmt::format("verification failed, nothing written: int8 output SQNR {:.1f} dB is below {:.1f} dB "
                            "(--max-error sets the target and keeps sensitive layers in float)",
                            m.sqnr_db, ctx.options.min_sqnr_db));
}

void stage_verify(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.verify) {
    rec.skipped = true;
    rec.summary = "skipped (--no-verify)";
    return;
  }
  if (ctx.options.int8) {
    SessionOptions so = ctx.options.session;
    so.backend = "ort";
    // Unoptimized runtimes, as verify_model_files uses; a TorchScript input runs on LibTorch.
    so.graph_optimization = GraphOptimization::kDisabled;
    SessionOptions input_so = so;
    input_so.backend = is_torchscript_path(ctx.input_path) ? "torch" : "ort";
    return verify_int8(ctx, rec, input_so, so);
  }
  // Integer ranges from the model before it is staged (and leaves memory); a TorchScript input
  // names its inputs by forward()'s arguments.
  VerifyOptions vo = ctx.staged ? ctx.options.verify_options
                     : ctx.export_report ? for_torchscript_reference(ctx.options.verify_options, *ctx.export_report, ctx.model)
                                         : with_model_ranges(ctx.options.verify_options, ctx.model);
  if (ctx.options.fp16) vo.rel_tol = std::max(vo.rel_tol, kFp16RelTol);
  if (vo.input_dtypes.empty()) vo.input_dtypes = ctx.input_dtypes;
  vo.shapes = with_dynamic_dims_fixed(vo.shapes);  // as piu export verifies
  SessionOptions so = ctx.options.session;
  so.backend = "auto";  // LibTorch for a TorchScript input, ONNX Runtime otherwise
  VerifyReport v = verify_model_files(ctx.input_path, ctx.staged_model(), vo, so,
                                      ctx.options.fp16 ? CandidateView(float32_view) : CandidateView());
  double worst = 0;
  for (const auto& c : v.checks) worst = std::max(worst, c.scale > 0 ? c.max_abs / c.scale : c.max_abs);
  std::string batches;
  for (int64_t b : ctx.options.verify_options.batches) batches += (batches.empty() ? "" : ", ") + std::to_string(b);
  rec.summary = fmt::format("{} checks at batch {} on ort: worst max abs error {:.2g} x output scale", v.checks.size(),
                            batches, worst);
  ctx.report.verification = std::move(v);
  require_verified(*ctx.report.verification);
}

// Median of the p50s of several runs.
double median_p50(std::vector<BenchResult> runs) {
  if (runs.empty()) return 0;
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.p50_ms < b.p50_ms; });
  return runs[runs.size() / 2].p50_ms;
}

void stage_bench(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.bench) {
    rec.skipped = true;
    rec.summary = "skipped (--no-bench)";
    return;
  }
  SessionOptions so = ctx.options.session;
  if (so.backend == "auto") so.backend = "ort";  // the staged file's name has no .onnx suffix
  SessionOptions input_so = so;
  input_so.backend = is_torchscript_path(ctx.input_path) ? "torch" : so.backend;
  auto before = Session::open(ctx.input_path, input_so);
  auto after = open_built_model(ctx.staged_model(), so);
  ctx.report.backend = after->backend();
  ctx.report.threads = ctx.options.session.intra_op_num_threads;
  std::set<int64_t> seen;
  for (int64_t requested : ctx.options.bench_batches) {
    // A model with a fixed batch runs at its own batch, once.
    const std::vector<Tensor> inputs =
        make_random_inputs(before->inputs(), ctx.options.verify_options.shapes, requested, ctx.options.verify_options.seed);
    const int64_t batch = !inputs.empty() && inputs[0].rank() > 0 ? inputs[0].dim(0) : requested;
    if (!seen.insert(batch).second) continue;
    LatencyPoint point;
    point.batch = batch;
    for (int round = 0; round < std::max(1, ctx.options.bench_rounds); ++round) {
      ctx.log(fmt::format("bench: batch {}, round {} of {}", batch, round + 1, std::max(1, ctx.options.bench_rounds)));
      point.before_runs.push_back(benchmark(*before, inputs, ctx.options.bench_options));
      point.after_runs.push_back(benchmark(*after, inputs, ctx.options.bench_options));
    }
    point.before_p50_ms = median_p50(point.before_runs);
    point.after_p50_ms = median_p50(point.after_runs);
    rec.details.push_back(fmt::format("batch {}: p50 {:.3f} ms -> {:.3f} ms ({:.2f}x)", batch, point.before_p50_ms,
                                      point.after_p50_ms,
                                      point.before_p50_ms > 0 ? point.after_p50_ms / point.before_p50_ms : 0.0));
    ctx.report.latency.push_back(std::move(point));
  }
  std::string s;
  for (const auto& p : ctx.report.latency)
    s += fmt::format("{}batch {} {:.2f}x", s.empty() ? "" : ", ", p.batch,
                     p.before_p50_ms > 0 ? p.after_p50_ms / p.before_p50_ms : 0.0);
  rec.summary = "p50 latency after/before: " + s;
}

// What verification and the benchmark run at: the shapes given, else the export's, else those the
// simplifier fixes. A single shape applies to whatever the one input is called (a TorchScript
// argument and its ONNX input usually differ: x vs input).
std::vector<ShapeSpec> verify_shapes(const DeployOptions& o) {
  std::vector<ShapeSpec> shapes = o.verify_options.shapes;
  if (shapes.empty()) shapes = o.export_options.input_shapes;
  if (shapes.size() == 1) shapes[0].name.clear();
  if (shapes.empty()) shapes = o.simplify_options.input_shapes;
  return shapes;
}

}  // namespace

void DeployContext::log(std::string_view line) const {
  if (options.progress) options.progress(line);
}

const std::string& DeployContext::staged_model() {
  if (!staged) {
    SaveOptions save;
    if (!model.external_files().empty()) save.external_data = SaveOptions::ExternalData::kAlways;
    report.after = inspect(model);
    report.model_path = (fs::path(options.output_dir) / "model.onnx").string();
    report.after.path = report.model_path;
    staged = std::make_unique<StagedSave>(std::move(model), report.model_path, save);
    model = OnnxModel();
  }
  return staged->temp_path();
}

std::vector<DeployStage> default_deploy_stages() {
  return {
      {"export", stage_export},     {"inspect", stage_inspect},   {"round-weights", stage_round_weights}, {"optimize", stage_optimize},
      {"simplify", stage_simplify}, {"precision", stage_precision}, {"verify", stage_verify},               {"bench", stage_bench},
  };
}

DeployReport deploy(const std::string& model_path, const DeployOptions& given, const std::vector<DeployStage>& stages) {
  using Clock = std::chrono::steady_clock;
  DeployOptions options = given;
  options.verify_options.shapes = verify_shapes(given);
  const auto t0 = Clock::now();
  if (options.output_dir.empty()) throw Error(ErrorCode::kBadInput, "deploy needs an output folder (-o DIR)");
  if (options.int8 && options.calibration_data.dir.empty() && !options.calibration_data.load_item &&
      !options.calibration_data.load_inputs)
    throw Error(ErrorCode::kBadInput, "int8 needs calibration data (--data DIR)");
  if (options.int8 && !options.verify_options.inputs.empty())
    throw Error(ErrorCode::kBadInput, "--input does not apply with --int8: its output SQNR is measured on --data items");
  const fs::path dir(options.output_dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw Error(ErrorCode::kBadInput, "-o " + options.output_dir + " exists and is not a folder");
  const fs::path model_out = dir / "model.onnx";
  if (fs::exists(model_out, ec) && fs::equivalent(model_path, model_out, ec))
    throw Error(ErrorCode::kBadInput, model_out.string() + " is the input file; piu never modifies an input in place");

  DeployReport report;
  report.input = model_path;
  report.output_dir = options.output_dir;
  check_regular_file(model_path);
  const bool created = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);  // the staged files go there
  if (ec) throw Error(ErrorCode::kIo, "cannot create folder " + options.output_dir + ": " + ec.message());
  // Interrupted, the folder goes with the staged files in it (they are AtomicFiles).
  RemoveOnSignal folder_guard =
      created ? RemoveOnSignal(dir.string(), RemoveOnSignal::Kind::kFolder) : RemoveOnSignal();
  try {
    DeployContext ctx{options, model_path, OnnxModel(), report, {}, nullptr, std::nullopt, std::nullopt};
    int64_t nodes = 0;
    if (std::none_of(stages.begin(), stages.end(), [](const DeployStage& s) { return s.name == "export"; })) {
      ctx.model = OnnxModel::load(model_path);  // a list without the export stage takes ONNX as it is
      report.before = inspect(ctx.model);
      nodes = report.before.nodes;
    }
    for (size_t k = 0; k < stages.size(); ++k) {
      const DeployStage& stage = stages[k];
      StageRecord rec;
      rec.name = stage.name;
      rec.nodes_before = nodes;
      ctx.log(fmt::format("[{}/{}] {}", k + 1, stages.size(), stage.name));
      const auto s0 = Clock::now();
      try {
        stage.run(ctx, rec);
      } catch (const Error& e) {
        throw e.with_context("stage " + stage.name);
      }
      rec.seconds = std::chrono::duration<double>(Clock::now() - s0).count();
      if (!ctx.staged) nodes = inspect(ctx.model).nodes;  // once staged, the model no longer changes
      rec.nodes_after = nodes;
      if (rec.skipped) rec.nodes_before = rec.nodes_after;  // a skipped stage changed nothing
      ctx.log(fmt::format("      {} ({:.2f} s)", rec.summary, rec.seconds));
      report.stages.push_back(std::move(rec));
    }
    ctx.staged_model();  // when no stage ran the model, it is staged now

    // Everything ran: render the report and chart, then put all three files in place.
    std::string chart;
    if (!report.latency.empty()) {
      report.chart_path = (dir / "latency.png").string();
      chart = render_latency_chart_png(report.latency, "p50 latency, " + fs::path(model_path).filename().string());
    }
    report.report_path = (dir / "report.md").string();
    report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::string markdown = format_deploy_report(report);
    ctx.staged->commit();
    if (!chart.empty()) write_file_atomic(report.chart_path, chart);
    write_file_atomic(report.report_path, markdown);
  } catch (...) {
    if (created) fs::remove(dir, ec);  // empty again once the staged files are gone
    throw;
  }
  return report;
}

}  // namespace piu

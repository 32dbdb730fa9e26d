// The deploy pipeline: stages run in order over one model, then the folder is written.
#include "piu/deploy.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

namespace piu {

namespace fs = std::filesystem;

namespace {

std::string printf_string(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

std::string mib(int64_t bytes) { return printf_string("%.1f MiB", bytes / 1048576.0); }

std::string value_line(const ValueSummary& v) {
  std::string dims;
  for (const auto& d : v.dims) dims += (dims.empty() ? "" : ", ") + d;
  return "`" + v.name + "` " + v.dtype + " [" + dims + "]";
}

// The first stage: a TorchScript input is exported to ONNX, an ONNX input loaded.
void stage_export(DeployContext& ctx, StageRecord& rec) {
  if (!is_torchscript_path(ctx.input_path)) {
    ctx.model = OnnxModel::load(ctx.input_path);
    rec.skipped = true;
    rec.summary = "the input is ONNX already";
  } else {
    ExportReport er;
    ctx.model = export_torchscript(ctx.input_path, ctx.options.export_options, &er);
    for (const auto& v : ctx.model.proto().graph().input())
      if (auto d = dtype_from_onnx(v.type().tensor_type().elem_type())) ctx.input_dtypes.push_back(*d);
    rec.summary = printf_string("%lld TorchScript nodes -> %lld ONNX nodes (opset %d)",
                                static_cast<long long>(er.torch_nodes), static_cast<long long>(er.onnx_nodes),
                                ctx.options.export_options.opset);
  }
  ctx.report.before = inspect(ctx.model);
  ctx.report.before.path = ctx.input_path;
}

void stage_inspect(DeployContext& ctx, StageRecord& rec) {
  const ModelInfo& m = ctx.report.before;
  rec.summary = printf_string("%lld nodes, %lld parameters (%s)", static_cast<long long>(m.nodes),
                              static_cast<long long>(m.parameters), mib(m.parameter_bytes).c_str());
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
  rec.summary = printf_string("%lld of %lld weights changed, %lld denormals flushed (%d decimal digits)",
                              static_cast<long long>(r.values_changed), static_cast<long long>(r.values),
                              static_cast<long long>(r.denormals_before - r.denormals_after),
                              ctx.options.round_digits);
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
    rec.details.push_back(printf_string("`%s`: %lld rewrites, %lld nodes removed", p.name.c_str(),
                                        static_cast<long long>(p.applications), static_cast<long long>(p.nodes_removed)));
  }
  rec.summary = printf_string("%d of %zu passes changed the graph, %d round%s", changed, r.passes.size(),
                              r.iterations, r.iterations == 1 ? "" : "s");
}

void stage_simplify(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.simplify) {
    rec.skipped = true;
    rec.summary = "skipped (--no-simplify)";
    return;
  }
  const SimplifyReport r = simplify(ctx.model, ctx.options.simplify_options);
  rec.summary = printf_string("%lld nodes folded into constants, weights %s -> %s, %d round%s",
                              static_cast<long long>(r.folded_nodes), mib(r.bytes_before).c_str(),
                              mib(r.bytes_after).c_str(), r.iterations, r.iterations == 1 ? "" : "s");
  for (const auto& s : r.skipped)
    rec.details.push_back("not folded: `" + s.node + "` (" + s.op_type + "): " + s.reason);
}

// Up to 32 calibration items in two batches: what int8 accuracy is measured on.
std::unique_ptr<CalibrationSource> evaluation_items(const DeployOptions& o) {
  BatchOptions b = o.calibration_batch;
  b.batch_size = std::min<int64_t>(16, b.batch_size);
  return calibration_from_folder(o.calibration_dir, b, o.calibration_images);
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
    rec.summary = printf_string("float16: %d nodes converted, %d kept float32, %d casts, %d initializers", r.converted_nodes,
                                r.blocked_nodes, r.casts, r.converted_initializers);
    return;
  }
  if (o.calibration_dir.empty()) throw Error(ErrorCode::kBadInput, "int8 needs calibration data (--data DIR)");
  auto source = calibration_from_folder(o.calibration_dir, o.calibration_batch, o.calibration_images);
  ctx.log("int8: calibrating on " + source->describe());
  CalibrationOptions co = o.calibration;
  if (!co.progress)
    co.progress = [&ctx](int64_t done, int64_t) { ctx.log(printf_string("calibrate: %lld items", static_cast<long long>(done))); };
  const CalibrationTable table = calibrate(ctx.model, *source, co);
  auto eval = evaluation_items(o);
  AccuracyTarget target;
  target.min_sqnr_db = o.fallback ? o.min_sqnr_db : 0;
  target.threads = o.session.intra_op_num_threads;
  FallbackReport fb;
  if (o.fallback) {
    fb = quantize_with_fallback(ctx.model, table, o.quantize, target, *eval, [&ctx](const std::string& l) { ctx.log(l); });
  } else {
    fb.quantize = quantize_qdq(ctx.model, table, o.quantize);
  }
  const QuantizeReport& q = fb.quantize;
  rec.summary = printf_string("int8 (%s calibration on %lld items): %d of %zu quantizable nodes, %d weights, %d activations",
                              calibration_method_name(table.method).c_str(), static_cast<long long>(table.items),
                              q.quantized_nodes, q.quantizable_nodes.size(), q.quantized_weights, q.quantized_activations);
  rec.details.push_back(printf_string("format: %s", o.quantize.symmetric_activations
                                                        ? "symmetric int8 activations (TensorRT)"
                                                        : "uint8 activations with zero points (ONNX Runtime)"));
  if (q.opset_before != q.opset_after)
    rec.details.push_back(printf_string("converted from opset %lld to %lld", static_cast<long long>(q.opset_before),
                                        static_cast<long long>(q.opset_after)));
  if (o.fallback) {
    rec.details.push_back(printf_string("output SQNR with every node in int8: %.1f dB (target %.1f dB)", fb.sqnr_all_db,
                                        o.min_sqnr_db));
    for (const auto& n : fb.excluded) rec.details.push_back("kept in float: `" + n + "`");
  }
}

// int8: output SQNR of the result against the input on calibration items, one model at a time.
void verify_int8(DeployContext& ctx, StageRecord& rec, const SessionOptions& input_so, const SessionOptions& so) {
  auto eval = evaluation_items(ctx.options);
  std::vector<Tensor> inputs;
  for (Tensor t = eval->next_batch(); t.defined() && inputs.size() < 2; t = eval->next_batch())
    inputs.push_back(is_floating(t.dtype()) ? to_float32(t) : t);
  std::vector<Tensor> reference, candidate;
  {
    auto session = Session::open(ctx.input_path, input_so);
    for (const auto& x : inputs)
      for (auto& o : session->run({x})) reference.push_back(o.clone());
  }
  {
    auto session = Session::open(ctx.staged_model(), so);
    for (const auto& x : inputs)
      for (auto& o : session->run({x})) candidate.push_back(o);
  }
  const double sqnr = sqnr_db(reference, candidate);
  int64_t items = 0;
  for (const auto& x : inputs) items += x.dim(0);
  ctx.report.int8_sqnr_db = sqnr;
  ctx.report.int8_eval_items = items;
  rec.summary = printf_string("int8 output SQNR vs the input model: %.1f dB on %lld calibration items (at least %.1f dB)",
                              sqnr, static_cast<long long>(items), ctx.options.min_sqnr_db);
  if (!(sqnr >= ctx.options.min_sqnr_db))
    throw Error(ErrorCode::kVerificationFailed,
                printf_string("verification failed, nothing written: int8 output SQNR %.1f dB is below %.1f dB "
                              "(--max-error sets the target and keeps sensitive layers in float)",
                              sqnr, ctx.options.min_sqnr_db));
}

void stage_verify(DeployContext& ctx, StageRecord& rec) {
  if (!ctx.options.verify) {
    rec.skipped = true;
    rec.summary = "skipped (--no-verify)";
    return;
  }
  SessionOptions so = ctx.options.session;
  so.backend = "ort";
  // Compare on unoptimized runtimes so the runtime's own rewrites cannot hide a difference (nor
  // add one: LibTorch 1.13's optimize_for_inference is wrong past the first batch item on some
  // models); one model's weights at a time, both from files.
  so.graph_optimization = GraphOptimization::kDisabled;
  SessionOptions input_so = so;  // a TorchScript input runs on LibTorch
  input_so.backend = is_torchscript_path(ctx.input_path) ? "torch" : "ort";
  if (ctx.options.int8) return verify_int8(ctx, rec, input_so, so);
  const std::string& staged = ctx.staged_model();
  std::string backend;
  VerifyOptions vo = ctx.options.verify_options;
  if (ctx.options.fp16) vo.rel_tol = std::max(vo.rel_tol, 1e-2);
  if (vo.input_dtypes.empty()) vo.input_dtypes = ctx.input_dtypes;
  for (auto& spec : vo.shapes)  // dynamic dims other than the batch are verified at 64, as piu export does
    for (size_t d = 1; d < spec.shape.size(); ++d)
      if (spec.shape[d] < 0) spec.shape[d] = 64;
  VerifyReport v = verify_one_at_a_time([&] { return Session::open(ctx.input_path, input_so); },
                                       [&] {
                                         auto session = Session::open(staged, so);
                                         backend = session->backend();
                                         return session;
                                       },
                                       vo);
  double worst = 0;
  for (const auto& c : v.checks) worst = std::max(worst, c.scale > 0 ? c.max_abs / c.scale : c.max_abs);
  std::string batches;
  for (int64_t b : ctx.options.verify_options.batches) batches += (batches.empty() ? "" : ", ") + std::to_string(b);
  rec.summary = printf_string("%zu checks at batch %s on %s: worst max abs error %.2g x output scale",
                              v.checks.size(), batches.c_str(), backend.c_str(), worst);
  const bool ok = v.ok;
  const std::string failure = v.failure;
  ctx.report.verification = std::move(v);
  if (!ok) throw Error(ErrorCode::kVerificationFailed, "verification failed, nothing written: " + failure);
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
  auto after = Session::open(ctx.staged_model(), so);
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
      ctx.log(printf_string("bench: batch %lld, round %d of %d", static_cast<long long>(batch), round + 1,
                            std::max(1, ctx.options.bench_rounds)));
      point.before_runs.push_back(benchmark(*before, inputs, ctx.options.bench_options));
      point.after_runs.push_back(benchmark(*after, inputs, ctx.options.bench_options));
    }
    point.before_p50_ms = median_p50(point.before_runs);
    point.after_p50_ms = median_p50(point.after_runs);
    rec.details.push_back(printf_string("batch %lld: p50 %.3f ms -> %.3f ms (%.2fx)", static_cast<long long>(batch),
                                        point.before_p50_ms, point.after_p50_ms,
                                        point.before_p50_ms > 0 ? point.after_p50_ms / point.before_p50_ms : 0.0));
    ctx.report.latency.push_back(std::move(point));
  }
  std::string s;
  for (const auto& p : ctx.report.latency)
    s += printf_string("%sbatch %lld %.2fx", s.empty() ? "" : ", ", static_cast<long long>(p.batch),
                       p.before_p50_ms > 0 ? p.after_p50_ms / p.before_p50_ms : 0.0);
  rec.summary = "p50 latency after/before: " + s;
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

DeployReport deploy(const std::string& model_path, const DeployOptions& options, const std::vector<DeployStage>& stages) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  if (options.output_dir.empty()) throw Error(ErrorCode::kBadInput, "deploy needs an output folder (-o DIR)");
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
  std::error_code exists_ec;
  if (!fs::exists(model_path, exists_ec)) throw Error(ErrorCode::kIo, "cannot read " + model_path + ": no such file");
  const bool created = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);  // the staged files go there
  if (ec) throw Error(ErrorCode::kIo, "cannot create folder " + options.output_dir + ": " + ec.message());
  try {
    DeployContext ctx{options, model_path, OnnxModel(), report, {}};
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
      ctx.log(printf_string("[%zu/%zu] %s", k + 1, stages.size(), stage.name.c_str()));
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
      ctx.log(printf_string("      %s (%.2f s)", rec.summary.c_str(), rec.seconds));
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

#include "cli/job_args.hpp"

#include <iostream>
#include <sstream>

#include "cli/calibration_args.hpp"
#include "cli/session_args.hpp"
#include "cli/write_args.hpp"

namespace piu::cli {

namespace {

const std::string& first_positional(const Args& args) {
  static const std::string none;
  return args.positional.empty() ? none : args.positional[0];
}

// A model-writing job's options: the input, then -o and verification over the job's defaults.
template <class Options>
Options write_job_options(const Args& args) {
  Options o;
  o.input = first_positional(args);
  o.write = write_options_from(args, o.write);
  return o;
}

}  // namespace

std::vector<ShapeSpec> input_shapes_from(const Args& args) {
  std::vector<ShapeSpec> out;
  for (const auto& v : args.all("--input-shape"))
    for (auto& s : parse_shape_specs(v)) out.push_back(std::move(s));
  return out;
}

uint64_t max_fold_bytes_from(const Args& args, uint64_t fallback) {
  const int64_t max_fold = args.get_int("--max-fold-bytes", static_cast<int64_t>(fallback));
  if (max_fold < 0) throw Error(ErrorCode::kBadInput, "--max-fold-bytes must be >= 0");
  return static_cast<uint64_t>(max_fold);
}

ExportOptions export_from(const Args& args, ExportOptions o) {
  o.input_shapes = args.shapes();
  o.opset = static_cast<int>(args.get_int("--opset", o.opset));
  o.input_names = args.get_list("--input-names");
  o.output_names = args.get_list("--output-names");
  return o;
}

OptimizeJobOptions optimize_options_from(const Args& args) {
  auto o = write_job_options<OptimizeJobOptions>(args);
  if (args.has("--passes")) o.optimize.passes = args.get_list("--passes");
  o.optimize.fixed_point = args.has("--fixed-point");
  return o;
}

SimplifyJobOptions simplify_options_from(const Args& args) {
  auto o = write_job_options<SimplifyJobOptions>(args);
  o.simplify.input_shapes = input_shapes_from(args);
  o.simplify.max_fold_bytes = max_fold_bytes_from(args, o.simplify.max_fold_bytes);
  o.simplify.skip_optimize = args.has("--skip-optimize");
  return o;
}

RoundWeightsJobOptions round_weights_options_from(const Args& args) {
  auto o = write_job_options<RoundWeightsJobOptions>(args);
  o.digits = static_cast<int>(args.get_int("--digits", o.digits));
  return o;
}

Fp16JobOptions fp16_options_from(const Args& args) {
  auto o = write_job_options<Fp16JobOptions>(args);
  o.fp16.keep_io_types = args.has("--keep-io-types");
  if (args.has("--block-ops")) {
    o.fp16.op_block_list = args.get_list("--block-ops");
    if (o.fp16.op_block_list == std::vector<std::string>{"none"}) o.fp16.op_block_list.clear();
  }
  for (const auto& name : args.get_list("--block-nodes")) o.fp16.node_block_list.insert(name);
  return o;
}

ExportJobOptions export_options_from(const Args& args) {
  ExportJobOptions o;
  o.input = first_positional(args);
  o.output = args.get("--output");
  o.export_options = export_from(args, o.export_options);
  o.export_options.constant_folding = !args.has("--no-constant-folding");
  o.export_options.keep_initializers_as_inputs = args.has("--keep-initializers-as-inputs");
  o.verify = !args.has("--no-verify");
  o.verify_options = verify_options_from(args, o.verify_options);
  for (const auto& g : args.all("--verify-shape"))
    for (auto& s : parse_shape_specs(g)) o.verify_shapes.push_back(std::move(s));
  o.threads = static_cast<int>(args.get_int("--threads", o.threads));
  return o;
}

CalibrateJobOptions calibrate_options_from(const Args& args) {
  CalibrateJobOptions o;
  o.input = first_positional(args);
  o.data = calibration_data_from(args);
  o.calibration = calibration_options(args);
  o.cache = args.get("--cache");
  return o;
}

QuantizeJobOptions quantize_options_from(const Args& args) {
  QuantizeJobOptions o;
  o.input = first_positional(args);
  o.output = args.get("--output");
  o.from_cache = args.get("--from-cache");
  if (args.has("--from-cache") && args.has("--method"))
    throw Error(ErrorCode::kBadInput, "--method calibrates; it cannot be combined with --from-cache");
  if (args.has("--data")) o.data = calibration_data_from(args);
  o.calibration = calibration_options(args);
  o.cache = args.get("--cache");
  o.quantize.symmetric_activations = symmetric_activations_from(args);
  o.quantize.per_channel = !args.has("--per-tensor");
  for (const auto& v : args.all("--exclude")) {
    std::stringstream ss(v);
    for (std::string n; std::getline(ss, n, ',');)
      if (!n.empty()) o.quantize.exclude_nodes.insert(n);
  }
  if (args.has("--max-error")) o.min_sqnr_db = max_error_db_from(args);
  o.sensitivity_runs = static_cast<int>(args.get_int("--sensitivity-runs", o.sensitivity_runs));
  o.threads = static_cast<int>(args.get_int("--threads", o.threads));
  o.verify = !args.has("--no-verify");
  o.shapes = args.shapes();
  for (const auto& r : args.all("--int-range")) o.int_ranges.push_back(parse_int_range(r));
  if (args.has("--input")) o.inputs = read_given_inputs(args.all("--input"));
  if (!args.has("--json")) o.log = [](const std::string& s) { std::cerr << "[quantize] " << s << "\n"; };
  return o;
}

RunJobOptions run_options_from(const Args& args) {
  RunJobOptions o;
  o.model = first_positional(args);
  o.session = session_options_from(args);
  o.inputs = input_options_from(args);
  o.batch = args.get_int("--batch", o.batch);
  o.output_dir = args.get("--output");
  o.io = io_from(args);
  return o;
}

BenchJobOptions bench_options_from(const Args& args) {
  BenchJobOptions o;
  o.model = first_positional(args);
  o.session = session_options_from(args);
  o.inputs = input_options_from(args);
  o.bench.warmup = static_cast<int>(args.get_int("--warmup", o.bench.warmup));
  o.bench.iterations = static_cast<int>(args.get_int("--iterations", o.bench.iterations));
  o.bench.duration_s = args.get_double("--duration", o.bench.duration_s);
  if (args.has("--iterations") && args.has("--duration"))
    throw Error(ErrorCode::kBadInput, "give --iterations or --duration, not both");
  if (args.has("--iterations") && o.bench.iterations <= 0)
    throw Error(ErrorCode::kBadInput, "--warmup must be >= 0, --iterations and --duration > 0");
  o.batches = args.get_int_list("--batch", o.batches);
  o.bench.io = io_from(args);
  if (!args.has("--json")) o.progress = [](std::string_view line) { std::cout << line << "\n" << std::flush; };
  return o;
}

CompareJobOptions compare_options_from(const Args& args) {
  CompareJobOptions o;
  o.a = args.positional.size() > 0 ? args.positional[0] : "";
  o.b = args.positional.size() > 1 ? args.positional[1] : o.a;  // one model: itself on two backends/devices
  o.abs_tol = args.get_double("--atol", o.abs_tol);
  o.rel_tol = args.get_double("--rtol", o.rel_tol);
  o.min_sqnr_db = args.get_double("--min-sqnr", o.min_sqnr_db);
  o.session_a = o.session_b = session_options_from(args);
  o.session_b.backend = args.get("--backend-b", o.session_a.backend);
  if (args.has("--device-b")) o.session_b.device = parse_device(args.get("--device-b", ""));
  if (args.has("--device-b") || args.has("--provider-option-b")) {
    o.session_b.provider_options = provider_options_from(args, "--provider-option-b");
  }
  o.inputs = input_options_from(args);
  o.batch = args.get_int("--batch", o.batch);
  return o;
}

}  // namespace piu::cli

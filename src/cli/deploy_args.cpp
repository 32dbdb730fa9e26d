// piu deploy's arguments as DeployOptions.
#include <iostream>

#include "cli/calibration_args.hpp"
#include "cli/command_specs.hpp"
#include "cli/job_args.hpp"
#include "cli/session_args.hpp"
#include "cli/write_args.hpp"

namespace piu::cli {

namespace {

// --int8's calibration, format and accuracy target; these options need --int8.
void int8_options_from(const Args& args, DeployOptions& o) {
  o.int8 = args.has("--int8");
  if (!o.int8) {
    for (const char* opt : {"--data", "--method", "--target", "--max-error", "--calibration-batch", "--max-item-shape"})
      if (args.has(opt)) throw Error(ErrorCode::kBadInput, std::string(opt) + " only applies with --int8");
    return;
  }
  o.calibration_data = calibration_data_from(args, "--calibration-batch");
  o.calibration = calibration_options(args);
  o.calibration.progress = nullptr;  // deploy prints its own progress lines
  o.quantize.symmetric_activations = symmetric_activations_from(args);
  if (args.has("--max-error")) {
    o.min_sqnr_db = max_error_db_from(args);
    o.fallback = true;
  }
}

}  // namespace

DeployOptions deploy_options_from(const Args& args) {
  DeployOptions o;
  o.output_dir = args.get("--output");
  if (o.output_dir.empty()) throw Error(ErrorCode::kBadInput, "missing -o DIR");
  o.round_weights = !args.has("--no-round-weights");
  o.round_digits = static_cast<int>(args.get_int("--digits", o.round_digits));
  o.optimize = !args.has("--no-optimize");
  if (args.has("--passes")) o.optimize_options.passes = args.get_list("--passes");
  o.optimize_options.fixed_point = args.has("--fixed-point");
  o.simplify = !args.has("--no-simplify");
  o.simplify_options.input_shapes = input_shapes_from(args);
  o.simplify_options.max_fold_bytes = max_fold_bytes_from(args, o.simplify_options.max_fold_bytes);
  o.export_options = export_from(args, o.export_options);
  o.verify = !args.has("--no-verify");
  o.verify_options = verify_options_from(args, o.verify_options);

  o.bench = !args.has("--no-bench");
  o.bench_batches = args.get_int_list("--bench-batch", o.bench_batches);
  o.bench_rounds = static_cast<int>(args.get_int("--rounds", o.bench_rounds));
  o.bench_options.duration_s = args.get_double("--duration", o.bench_options.duration_s);
  if (o.bench_rounds < 1 || o.bench_options.duration_s <= 0)
    throw Error(ErrorCode::kBadInput, "--rounds must be >= 1 and --duration > 0");
  o.session = session_options_from(args);

  o.fp16 = args.has("--fp16");
  if (args.has("--int8") && o.fp16) throw Error(ErrorCode::kBadInput, "--int8 and --fp16 exclude each other");
  int8_options_from(args, o);
  const bool json = args.has("--json");
  o.progress = [json](std::string_view line) { (json ? std::cerr : std::cout) << line << "\n" << std::flush; };
  return o;
}

}  // namespace piu::cli

namespace piu::cli {

const Command& deploy_spec() {
  static const Command c = [] {
    const DeployOptions d;
    const VerifyOptions& v = d.verify_options;
    const CalibrationData data;
    std::vector<Option> options = {option("--output:dir"),
                                   option("--passes", d.optimize_options.passes.size()),
                                   option("--fixed-point"),
                                   option("--digits", d.round_digits),
                                   option("--input-shape"),
                                   option("--max-fold-bytes", d.simplify_options.max_fold_bytes),
                                   option("--no-verify"),
                                   option("--shape:deploy")};
    for (auto& o : verify_value_options(v)) options.push_back(std::move(o));
    for (auto& o : std::vector<Option>{option("--duration", d.bench_options.duration_s),
                                   option("--threads"),
                                   option("--backend"),
                                   option("--json"),
                                   option("--opset", d.export_options.opset),
                                   option("--input-names"),
                                   option("--output-names"),
                                   option("--no-round-weights"),
                                   option("--no-optimize"),
                                   option("--no-simplify"),
                                   option("--no-bench"),
                                   option("--bench-batch", d.bench_batches),
                                   option("--rounds", d.bench_rounds),
                                   option("--int8", d.min_sqnr_db),
                                   option("--fp16", kFp16RelTol),
                                   option("--calibration-batch", data.batch_size),
                                   option("--data"),
                                   option("--method", calibration_method_name(d.calibration.method)),
                                   option("--target", quantize_target_name(QuantizeOptions{}.symmetric_activations)),
                                   option("--max-error")})
      options.push_back(std::move(o));
    for (auto& o : calibration_image_options()) options.push_back(std::move(o));
    return Command{
        "deploy",
        "MODEL.onnx|MODEL.pt -o DIR [--shape DIMS] [--no-round-weights] [--no-optimize] [--no-simplify] "
        "[--int8 --data DIR | --fp16] [--no-verify] [--no-bench]",
        "Deploy a model in one command (export a TorchScript input, inspect, round weights, optimize, simplify, int8 "
        "or fp16, verify, benchmark before vs after); writes DIR/model.onnx, DIR/report.md and DIR/latency.png.",
        options,
        1,
        1};
  }();
  return c;
}

}  // namespace piu::cli

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/calibration_args.hpp"
#include "cli/session_args.hpp"
#include "commands.hpp"
#include "piu/deploy.hpp"

namespace piu::cli {

namespace {

int deploy_main(const Args& args) {
  DeployOptions o;
  o.output_dir = args.get("--output");
  if (o.output_dir.empty()) throw Error(ErrorCode::kBadInput, "missing -o DIR");
  o.round_weights = !args.has("--no-round-weights");
  o.round_digits = static_cast<int>(args.get_int("--digits", o.round_digits));
  o.optimize = !args.has("--no-optimize");
  if (args.has("--passes")) o.optimize_options.passes = args.get_list("--passes");
  o.optimize_options.fixed_point = args.has("--fixed-point");
  o.simplify = !args.has("--no-simplify");
  for (const auto& v : args.all("--input-shape"))
    for (auto& s : parse_shape_specs(v)) o.simplify_options.input_shapes.push_back(std::move(s));
  const int64_t max_fold = args.get_int("--max-fold-bytes", static_cast<int64_t>(o.simplify_options.max_fold_bytes));
  if (max_fold < 0) throw Error(ErrorCode::kBadInput, "--max-fold-bytes must be >= 0");
  o.simplify_options.max_fold_bytes = static_cast<uint64_t>(max_fold);

  o.export_options.input_shapes = args.shapes();
  o.export_options.opset = static_cast<int>(args.get_int("--opset", o.export_options.opset));
  o.export_options.input_names = args.get_list("--input-names");
  o.export_options.output_names = args.get_list("--output-names");
  o.verify = !args.has("--no-verify");
  o.verify_options.shapes = args.shapes();
  // One shape for a one-input model applies whatever the input is called (the TorchScript argument
  // and the ONNX input usually differ: x vs input).
  if (o.verify_options.shapes.size() == 1) o.verify_options.shapes[0].name.clear();
  // A static shape given to the simplifier is also the shape to verify and benchmark at.
  if (o.verify_options.shapes.empty()) o.verify_options.shapes = o.simplify_options.input_shapes;
  o.verify_options.batches = args.get_int_list("--batch", o.verify_options.batches);
  o.verify_options.seed = static_cast<uint64_t>(args.get_int("--seed", 0));
  o.verify_options.rel_tol = args.get_double("--rtol", o.verify_options.rel_tol);
  o.verify_options.abs_tol = args.get_double("--atol", o.verify_options.abs_tol);

  o.bench = !args.has("--no-bench");
  o.bench_batches = args.get_int_list("--bench-batch", o.bench_batches);
  o.bench_rounds = static_cast<int>(args.get_int("--rounds", o.bench_rounds));
  o.bench_options.duration_s = args.get_double("--duration", o.bench_options.duration_s);
  if (o.bench_rounds < 1 || o.bench_options.duration_s <= 0)
    throw Error(ErrorCode::kBadInput, "--rounds must be >= 1 and --duration > 0");
  o.session = session_options_from(args);

  o.int8 = args.has("--int8");
  o.fp16 = args.has("--fp16");
  if (o.int8 && o.fp16) throw Error(ErrorCode::kBadInput, "--int8 and --fp16 exclude each other");
  if (!o.int8)
    for (const char* opt : {"--data", "--method", "--target", "--max-error", "--calibration-batch", "--max-item-shape"})
      if (args.has(opt)) throw Error(ErrorCode::kBadInput, std::string(opt) + " only applies with --int8");
  if (o.int8) {
    // The input's shape: from an ONNX input itself, from --shape for TorchScript.
    TensorInfo input;
    const std::string& in = args.positional[0];
    if (!is_torchscript_path(in)) {
      input = single_input(OnnxModel::load(in, {.load_external_data = false}), in);
    } else if (!o.export_options.input_shapes.empty()) {
      input.shape = o.export_options.input_shapes[0].shape;
    }
    const CalibrationSetup setup = calibration_setup(args, input, "--calibration-batch");
    o.calibration_dir = setup.dir;
    o.calibration_batch = setup.batch;
    o.calibration_images = setup.images;
    CalibrationOptions co = calibration_options(args);
    co.progress = nullptr;  // deploy prints its own progress lines
    o.calibration = co;
    const std::string target = args.get("--target", "ort");
    if (target != "ort" && target != "tensorrt")
      throw Error(ErrorCode::kBadInput, "--target must be ort or tensorrt, not '" + target + "'");
    o.quantize.symmetric_activations = target == "tensorrt";
    if (args.has("--max-error")) {
      o.min_sqnr_db = parse_max_error_db(args.get("--max-error"));
      o.fallback = true;
    }
  }

  const bool json = args.has("--json");
  o.progress = [json](std::string_view line) {
    (json ? std::cerr : std::cout) << line << "\n" << std::flush;
  };
  const DeployReport r = deploy(args.positional[0], o);

  if (json) {
    nlohmann::ordered_json j;
    j["input"] = r.input;
    j["model"] = r.model_path;
    j["report"] = r.report_path;
    j["chart"] = r.chart_path;
    j["nodes_before"] = r.before.nodes;
    j["nodes_after"] = r.after.nodes;
    j["stages"] = nlohmann::ordered_json::array();
    for (const auto& s : r.stages)
      j["stages"].push_back({{"name", s.name},
                             {"skipped", s.skipped},
                             {"summary", s.summary},
                             {"details", s.details},
                             {"seconds", s.seconds},
                             {"nodes_before", s.nodes_before},
                             {"nodes_after", s.nodes_after}});
    j["verification"] = nlohmann::ordered_json::array();
    if (r.verification)
      for (const auto& c : r.verification->checks)
        j["verification"].push_back(
            {{"output", c.output}, {"batch", c.batch}, {"max_abs", c.max_abs}, {"scale", c.scale}, {"ok", c.ok}});
    if (r.int8_sqnr_db) j["int8_sqnr_db"] = *r.int8_sqnr_db;
    j["latency"] = nlohmann::ordered_json::array();
    for (const auto& p : r.latency)
      j["latency"].push_back({{"batch", p.batch}, {"before_p50_ms", p.before_p50_ms}, {"after_p50_ms", p.after_p50_ms}});
    j["seconds"] = r.seconds;
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("wrote %s (%lld -> %lld nodes)\nwrote %s\n", r.model_path.c_str(), static_cast<long long>(r.before.nodes),
              static_cast<long long>(r.after.nodes), r.report_path.c_str());
  if (!r.chart_path.empty()) std::printf("wrote %s\n", r.chart_path.c_str());
  return kExitOk;
}

}  // namespace

const Subcommand& deploy_command() {
  static const Subcommand sub = [] {
    std::vector<Option> options =
        shared_options({"--output", "--passes", "--fixed-point", "--digits", "--input-shape", "--max-fold-bytes",
                        "--no-verify", "--shape", "--batch", "--seed", "--rtol", "--atol", "--duration", "--threads",
                        "--backend", "--json"});
    for (auto& opt : options) {
      if (opt.name == "--output") opt = {"--output", "-o", "DIR", "folder for model.onnx, report.md and latency.png (created)"};
      if (opt.name == "--batch") opt.help = "batch sizes the result is verified at (default 1,3,8)";
      if (opt.name == "--shape") opt.help = "input shape: -1 dims dynamic (required for a TorchScript input), e.g. -1x3x224x224";
      if (opt.name == "--duration") opt.help = "timed run length per benchmark run (default 1)";
    }
    options.push_back({"--opset", "", "N", "opset of the export, for a TorchScript input (default 17)"});
    options.push_back({"--input-names", "", "A,B", "ONNX input names of the export (default: input, ...)"});
    options.push_back({"--output-names", "", "A,B", "ONNX output names of the export (default: output, ...)"});
    options.push_back({"--no-round-weights", "", "", "skip rounding the weights"});
    options.push_back({"--no-optimize", "", "", "skip the optimizer's passes"});
    options.push_back({"--no-simplify", "", "", "skip the simplifier"});
    options.push_back({"--no-bench", "", "", "skip the latency comparison"});
    options.push_back({"--bench-batch", "", "N[,N...]", "batch sizes to benchmark at (default 1,8)"});
    options.push_back({"--rounds", "", "N", "alternating before/after benchmark runs per batch (default 3)"});
    options.push_back({"--int8", "", "", "quantize to int8 (Q/DQ) calibrated on --data; verified by output SQNR (default >= 20 dB)"});
    options.push_back({"--fp16", "", "", "convert to float16 (float32 inputs and outputs kept); verified at --rtol 1e-2"});
    options.push_back({"--calibration-batch", "", "N", "calibration items per batch (default 100)"});
    for (const auto& opt : shared_options({"--data", "--method", "--target", "--max-error", "--max-item-shape", "--image-size",
                                           "--mean", "--std", "--pixel-scale", "--bgr", "--nhwc"}))
      options.push_back(opt);
    return Subcommand{
        {"deploy", "MODEL.onnx|MODEL.pt -o DIR [--shape DIMS] [--no-round-weights] [--no-optimize] [--no-simplify] [--int8 --data DIR | --fp16] [--no-verify] [--no-bench]",
         "Deploy a model in one command (export a TorchScript input, inspect, round weights, optimize, simplify, int8 or fp16, "
         "verify, benchmark before vs after); writes DIR/model.onnx, DIR/report.md and DIR/latency.png.",
         options, 1, 1},
        deploy_main};
  }();
  return sub;
}

}  // namespace piu::cli

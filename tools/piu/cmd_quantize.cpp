#include <optional>
#include <sstream>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/calibration_args.hpp"
#include "cli/model_output.hpp"
#include "commands.hpp"
#include "piu/passes.hpp"
#include "piu/session.hpp"

namespace piu::cli {

namespace {

nlohmann::ordered_json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nullptr; }

int quantize_main(const Args& args) {
  const std::string& in = args.positional[0];
  const std::string out = args.get("--output");
  check_output_path(in, out);
  const bool json = args.has("--json");
  auto log = [json](const std::string& s) {
    if (!json) std::fprintf(stderr, "[quantize] %s\n", s.c_str());
  };
  OnnxModel model = OnnxModel::load(in);
  const TensorInfo input = single_input(model, in);
  // Ranges: calibrated on --data, or read from a TensorRT cache (then --data only feeds the
  // accuracy check, and random inputs do without it).
  const bool from_cache = args.has("--from-cache");
  const bool have_data = args.has("--data");
  if (!from_cache && !have_data) throw Error(ErrorCode::kBadInput, "--data DIR is required (or --from-cache FILE)");
  if (from_cache && args.has("--method"))
    throw Error(ErrorCode::kBadInput, "--method calibrates; it cannot be combined with --from-cache");
  std::optional<CalibrationSetup> setup;
  if (have_data) setup = calibration_setup(args, input);
  CalibrationTable table;
  if (from_cache) {
    table = read_tensorrt_cache(args.get("--from-cache"));
  } else {
    auto source = open_calibration(*setup);
    table = calibrate(model, *source, calibration_options(args));
  }
  if (args.has("--cache")) write_tensorrt_cache(table, args.get("--cache"));

  QuantizeOptions qo;
  const std::string target = args.get("--target", "ort");
  if (target != "ort" && target != "tensorrt")
    throw Error(ErrorCode::kBadInput, "--target must be ort or tensorrt, not '" + target + "'");
  qo.symmetric_activations = target == "tensorrt";
  qo.per_channel = !args.has("--per-tensor");
  for (const auto& v : args.all("--exclude")) {
    std::stringstream ss(v);
    for (std::string n; std::getline(ss, n, ',');)
      if (!n.empty()) qo.exclude_nodes.insert(n);
  }
  // Accuracy is measured on up to 32 calibration items (or 2 random batches of 2 without data).
  std::unique_ptr<CalibrationSource> eval;
  if (setup) {
    CalibrationSetup eval_setup = *setup;
    eval_setup.batch.batch_size = std::min<int64_t>(16, setup->batch.batch_size);
    eval = open_calibration(eval_setup);
  } else {
    std::vector<TensorInfo> infos = {input};
    std::vector<Tensor> random;
    for (uint64_t seed = 0; seed < 2; ++seed) random.push_back(make_random_inputs(infos, args.shapes(), 2, seed)[0]);
    eval = calibration_from_items({"random batch 1", "random batch 2"},
                                  [random](const std::string& n) { return random[n.back() == '1' ? 0 : 1]; },
                                  BatchOptions{.batch_size = 2, .max_item_shape = {}, .item_rank = static_cast<int64_t>(input.shape.size()) - 1});
  }
  AccuracyTarget accuracy;
  accuracy.eval_batches = 2;
  const double min_sqnr = args.has("--max-error") ? parse_max_error_db(args.get("--max-error")) : 0;
  accuracy.min_sqnr_db = min_sqnr;
  accuracy.threads = static_cast<int>(args.get_int("--threads", 0));
  accuracy.sensitivity_runs = static_cast<int>(args.get_int("--sensitivity-runs", accuracy.sensitivity_runs));
  if (accuracy.sensitivity_runs < 0) throw Error(ErrorCode::kBadInput, "--sensitivity-runs must be 0 or more");

  FallbackReport fb;
  OnnxModel float_model(model.proto(), model.path());
  if (min_sqnr > 0) {
    fb = quantize_with_fallback(model, table, qo, accuracy, *eval, log);
  } else {
    fb.quantize = quantize_qdq(model, table, qo);
  }
  check_model(model, "quantized model");
  // The staged file is what gets measured: its SQNR against the float model on the same items.
  StagedSave staged(std::move(model), out);
  double sqnr = 0;
  if (!args.has("--no-verify")) {
    auto ref = Session::open(float_model);
    auto cand = Session::open(staged.temp_path());
    std::vector<Tensor> a, b;
    eval->reset();
    for (int k = 0; k < accuracy.eval_batches; ++k) {
      Tensor x = eval->next_batch();
      if (!x.defined()) break;
      if (is_floating(x.dtype())) x = to_float32(x);
      for (auto& t : ref->run({x})) a.push_back(t);
      for (auto& t : cand->run({x})) b.push_back(t);
    }
    sqnr = sqnr_db(a, b);
    if (min_sqnr > 0 && !(sqnr >= min_sqnr))
      throw Error(ErrorCode::kVerificationFailed,
                  "the quantized model's output SQNR is " + std::to_string(sqnr) + " dB, below the target " +
                      std::to_string(min_sqnr) + " dB even with every quantizable node in float; nothing written");
  }
  staged.commit();

  const QuantizeReport& r = fb.quantize;
  if (json) {
    nlohmann::ordered_json j;
    j["input"] = in;
    j["output"] = out;
    j["method"] = calibration_method_name(table.method);
    j["target"] = target;
    j["items"] = table.items;
    if (from_cache) j["from_cache"] = args.get("--from-cache");
    j["opset_before"] = r.opset_before;
    j["opset_after"] = r.opset_after;
    j["quantized_nodes"] = r.quantized_nodes;
    j["quantizable_nodes"] = r.quantizable_nodes.size();
    j["quantized_weights"] = r.quantized_weights;
    j["quantized_activations"] = r.quantized_activations;
    j["excluded"] = r.excluded_nodes;
    j["missing_ranges"] = r.missing_ranges;
    j["sqnr_db"] = args.has("--no-verify") ? nullptr : finite_or_null(sqnr);
    if (min_sqnr > 0) {
      j["target_sqnr_db"] = min_sqnr;
      j["sqnr_all_quantized_db"] = finite_or_null(fb.sqnr_all_db);
      j["fallback"] = nlohmann::ordered_json::array();
      for (const auto& s : fb.sensitivities)
        j["fallback"].push_back({{"node", s.node},
                                 {"op_type", s.op_type},
                                 {"sqnr_db_without", s.measured ? finite_or_null(s.sqnr_db) : nullptr},
                                 {"span_sqnr_db_without", finite_or_null(s.span_sqnr_db)}});
    }
    if (args.has("--cache")) j["cache"] = args.get("--cache");
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (from_cache)
    std::printf("ranges of %zu tensors from %s; ", table.ranges.size(), args.get("--from-cache").c_str());
  else
    std::printf("%s calibration on %lld items; ", calibration_method_name(table.method).c_str(),
                static_cast<long long>(table.items));
  std::printf("%d of %zu quantizable nodes in int8 (%s), %d weights, %d activations\n", r.quantized_nodes,
              r.quantizable_nodes.size(), target == "ort" ? "uint8 activations" : "symmetric int8", r.quantized_weights,
              r.quantized_activations);
  if (r.opset_before != r.opset_after)
    std::printf("converted from opset %lld to %lld\n", static_cast<long long>(r.opset_before),
                static_cast<long long>(r.opset_after));
  if (!r.excluded_nodes.empty()) {
    std::printf("kept in float:");
    for (const auto& n : r.excluded_nodes) std::printf(" %s", n.c_str());
    std::printf("\n");
  }
  if (!r.missing_ranges.empty())
    std::printf("%zu activations had no range (their readers stay float)\n", r.missing_ranges.size());
  if (!args.has("--no-verify")) std::printf("output SQNR vs float: %.1f dB\n", sqnr);
  if (args.has("--cache")) std::printf("wrote %s\n", args.get("--cache").c_str());
  std::printf("wrote %s\n", out.c_str());
  return kExitOk;
}

// The shared options with the help texts calibration gives them.
std::vector<Option> calibration_command_options(std::vector<Option> options) {
  for (auto& o : options) {
    if (o.name == "--batch") o = {"--batch", "-b", "N", "calibration items per batch (the seed's stream_batch_size; default 100)"};
    if (o.name == "--cache") o.help = "also write the ranges as a TensorRT calibration cache here";
    if (o.name == "--no-verify") o.help = "skip measuring the output SQNR against the float model";
  }
  return options;
}

}  // namespace

const Subcommand& quantize_command() {
  static const Subcommand sub{
      {"quantize", "MODEL.onnx -o OUT.onnx --data DIR [--method NAME] [--target ort|tensorrt] [--max-error 30db]",
       "Quantize to int8 with QuantizeLinear/DequantizeLinear nodes (weights per channel, activations calibrated on "
       "--data); reports the output SQNR against the float model; --max-error keeps the most sensitive layers in "
       "float until the target is met.",
       calibration_command_options(shared_options({"--output", "--data", "--from-cache", "--method", "--batch", "--cache", "--percentile", "--target",
                       "--per-tensor", "--exclude", "--max-error", "--sensitivity-runs", "--max-item-shape", "--image-size", "--mean",
                       "--std", "--pixel-scale", "--bgr", "--nhwc", "--threads", "--shape", "--no-verify", "--json"})),
       1, 1},
      quantize_main};
  return sub;
}

}  // namespace piu::cli

// piu quantize as a job: ranges (calibrated or from a TensorRT cache), Q/DQ with fallback to an
// accuracy target, then the staged file's output SQNR against the input before it is written.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "jobs/job_json.hpp"
#include "piu/jobs_quant.hpp"

namespace piu {

using jobs_internal::finite_or_null;
using jobs_internal::Json;

namespace {

// Two random batches of two, for an accuracy check without calibration data; the given input
// instead (one batch) when there is one. Random integers keep to the ranges given, then the model's.
std::unique_ptr<CalibrationSource> random_evaluation_source(const TensorInfo& input, const QuantizeJobOptions& options,
                                                            const OnnxModel& model) {
  const int64_t item_rank = static_cast<int64_t>(input.shape.size()) - 1;
  if (!options.inputs.empty()) {
    const GivenInput& given = options.inputs.front();
    if (options.inputs.size() > 1 || (!given.name.empty() && given.name != input.name))
      throw Error(ErrorCode::kBadInput, given.source + ": the model's one input is '" + input.name + "'");
    check_given_input(input, given);
    const Tensor tensor = given.tensor;
    const int64_t batch = tensor.rank() > 0 ? tensor.dim(0) : 1;
    return calibration_from_items({given.source}, [tensor](const std::string&) { return tensor; },
                                  BatchOptions{.batch_size = batch, .max_item_shape = {}, .item_rank = item_rank});
  }
  std::vector<TensorInfo> infos = {input};
  RandomInputOptions random;
  random.shapes = options.shapes;
  random.batch = 2;
  VerifyOptions ranges;
  ranges.int_ranges = options.int_ranges;
  random.int_ranges = with_model_ranges(ranges, model).int_ranges;
  std::vector<Tensor> batches;
  for (uint64_t seed = 0; seed < 2; ++seed) {
    random.seed = seed;
    batches.push_back(make_random_inputs(infos, random)[0]);
  }
  const std::vector<Tensor> random_batches = batches;
  return calibration_from_items(
      {"random batch 1", "random batch 2"},
      [random_batches](const std::string& n) { return random_batches[n.back() == '1' ? 0 : 1]; },
      BatchOptions{.batch_size = 2, .max_item_shape = {}, .item_rank = item_rank});
}

}  // namespace

QuantizeJobReport quantize_job(const QuantizeJobOptions& options) {
  check_output_path(options.input, options.output);
  QuantizeJobReport out;
  out.input = options.input;
  out.output = options.output;
  out.from_cache = options.from_cache;
  out.cache = options.cache;
  out.min_sqnr_db = options.min_sqnr_db;
  out.symmetric_activations = options.quantize.symmetric_activations;
  if (options.from_cache.empty() && !options.data)
    throw Error(ErrorCode::kBadInput, "--data DIR is required (or --from-cache FILE)");
  if (options.sensitivity_runs < 0) throw Error(ErrorCode::kBadInput, "--sensitivity-runs must be 0 or more");
  OnnxModel model = OnnxModel::load(options.input);
  const TensorInfo input = single_input(model, options.input);
  std::unique_ptr<CalibrationSource> eval;
  if (options.data) {
    const CalibrationSetup setup = calibration_setup(*options.data, input);
    if (options.from_cache.empty()) {
      auto source = calibration_source(setup);
      out.table = calibrate(model, *source, options.calibration);
    }
    eval = evaluation_source(setup);  // accuracy is measured on up to 32 calibration items
  } else {
    eval = random_evaluation_source(input, options, model);
  }
  if (!options.from_cache.empty()) out.table = read_tensorrt_cache(options.from_cache);
  if (!options.cache.empty()) write_tensorrt_cache(out.table, options.cache);

  AccuracyTarget target;
  target.eval_batches = 2;
  target.min_sqnr_db = options.min_sqnr_db;
  target.threads = options.threads;
  target.sensitivity_runs = options.sensitivity_runs;
  out.fallback = quantize_to_target(model, out.table, options.quantize, target, *eval, options.log);
  check_model(model, "quantized model");
  // The staged file is what gets measured: its SQNR against the float model on the same items.
  stage_verify_commit(std::move(model), options.output, {}, [&](const std::string& staged) {
    if (!options.verify) return;
    out.sqnr_db = measure_output_sqnr(options.input, {}, staged, {}, *eval, target.eval_batches).sqnr_db;
    out.verified = true;
    if (options.min_sqnr_db > 0 && !(out.sqnr_db >= options.min_sqnr_db))
      throw Error(ErrorCode::kVerificationFailed, "the quantized model's output SQNR is " +
                                                      std::to_string(out.sqnr_db) + " dB, below the target " +
                                                      std::to_string(options.min_sqnr_db) +
                                                      " dB even with every quantizable node in float; nothing written");
  });
  return out;
}

std::string QuantizeJobReport::to_json() const {
  const QuantizeReport& r = fallback.quantize;
  Json j;
  j["input"] = input;
  j["output"] = output;
  j["method"] = calibration_method_name(table.method);
  j["target"] = quantize_target_name(symmetric_activations);
  j["items"] = table.items;
  if (!from_cache.empty()) j["from_cache"] = from_cache;
  j["opset_before"] = r.opset_before;
  j["opset_after"] = r.opset_after;
  j["quantized_nodes"] = r.quantized_nodes;
  j["quantizable_nodes"] = r.quantizable_nodes.size();
  j["quantized_weights"] = r.quantized_weights;
  j["quantized_activations"] = r.quantized_activations;
  j["excluded"] = r.excluded_nodes;
  j["missing_ranges"] = r.missing_ranges;
  j["sqnr_db"] = verified ? finite_or_null(sqnr_db) : Json(nullptr);
  if (min_sqnr_db > 0) {
    j["target_sqnr_db"] = min_sqnr_db;
    j["sqnr_all_quantized_db"] = finite_or_null(fallback.sqnr_all_db);
    j["fallback"] = Json::array();
    for (const auto& s : fallback.sensitivities)
      j["fallback"].push_back({{"node", s.node},
                               {"op_type", s.op_type},
                               {"sqnr_db_without", s.measured ? finite_or_null(s.sqnr_db) : Json(nullptr)},
                               {"span_sqnr_db_without", finite_or_null(s.span_sqnr_db)}});
  }
  if (!cache.empty()) j["cache"] = cache;
  return j.dump(2);
}

std::string QuantizeJobReport::to_text() const {
  const QuantizeReport& r = fallback.quantize;
  std::string s = from_cache.empty()
                      ? fmt::format("{} calibration on {} items; ", calibration_method_name(table.method), table.items)
                      : fmt::format("ranges of {} tensors from {}; ", table.ranges.size(), from_cache);
  s += fmt::format("{} of {} quantizable nodes in int8 ({}), {} weights, {} activations\n", r.quantized_nodes,
                   r.quantizable_nodes.size(), symmetric_activations ? "symmetric int8" : "uint8 activations",
                   r.quantized_weights, r.quantized_activations);
  if (r.opset_before != r.opset_after)
    s += fmt::format("converted from opset {} to {}\n", r.opset_before, r.opset_after);
  if (!r.excluded_nodes.empty()) s += fmt::format("kept in float: {}\n", fmt::join(r.excluded_nodes, " "));
  if (!r.missing_ranges.empty())
    s += fmt::format("{} activations had no range (their readers stay float)\n", r.missing_ranges.size());
  if (verified) s += fmt::format("output SQNR vs float: {:.1f} dB\n", sqnr_db);
  if (!cache.empty()) s += "wrote " + cache + "\n";
  return s + "wrote " + output + "\n";
}

}  // namespace piu

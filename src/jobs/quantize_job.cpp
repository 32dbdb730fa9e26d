// piu quantize as a job: ranges (calibrated or from a TensorRT cache), Q/DQ with fallback to an
// accuracy target, then the staged file's output SQNR against the input before it is written.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_set>

#include "jobs/job_json.hpp"
#include "onnx/graph_utils.hpp"
#include "piu/jobs_quant.hpp"

namespace piu {

using jobs_internal::finite_or_null;
using jobs_internal::Json;

namespace {

// A cache naming tensors the model does not have was made for another model (or another export of
// it): its ranges would be silently ignored, so the names are listed and the cache refused.
void check_cache_names(const CalibrationTable& table, const OnnxModel& model, const std::string& cache) {
  const onnx::GraphProto& graph = model.proto().graph();
  std::unordered_set<std::string> names = graph_utils::defined_names(graph);
  for (const auto& node : graph.node()) graph_utils::collect_subgraph_names(node, names);
  std::vector<std::string> unknown;
  for (const auto& [name, range] : table.ranges)
    if (!names.count(name)) unknown.push_back("'" + name + "'");
  if (unknown.empty()) return;
  const size_t shown = std::min<size_t>(unknown.size(), 5);
  throw Error(ErrorCode::kBadInput,
              fmt::format("{}: {} of its {} tensors are not in {}: {}{} (a cache made for another model?)", cache,
                          unknown.size(), table.ranges.size(), model.path(),
                          fmt::join(unknown.begin(), unknown.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
                          unknown.size() > shown ? ", ..." : ""));
}

// The inputs accuracy is measured on without calibration data: the given ones (one batch, inputs
// not given random) or two random batches of two. Random integers keep to the ranges given, then
// the model's own (an embedding's table size).
std::unique_ptr<CalibrationSource> evaluation_without_data(const std::vector<TensorInfo>& inputs,
                                                           const QuantizeJobOptions& options, const OnnxModel& model) {
  VerifyOptions random;
  random.shapes = options.shapes;
  random.int_ranges = options.int_ranges;
  random = with_model_ranges(random, model);
  random.inputs = options.inputs;
  random.batches = {2};
  std::vector<NamedTensors> batches;
  for (uint64_t seed = 0; seed < (options.inputs.empty() ? 2u : 1u); ++seed) {
    random.seed = seed;
    std::vector<Tensor> made = inputs_with_given(inputs, random);
    batches.emplace_back();
    for (size_t i = 0; i < inputs.size(); ++i) batches.back().emplace(inputs[i].name, std::move(made[i]));
  }
  BatchOptions layout{.batch_size = item_count(batches[0]), .max_item_shape = {}, .item_rank = -1};
  for (const auto& in : inputs)
    layout.inputs[in.name] = {.max_item_shape = {}, .item_rank = static_cast<int64_t>(in.shape.size()) - 1};
  std::vector<std::string> names = {options.inputs.empty() ? "random batch 1" : "the given inputs"};
  if (batches.size() > 1) names.push_back("random batch 2");
  return calibration_from_named_items(
      names, [batches](const std::string& n) { return batches[n.back() == '2' ? 1 : 0]; }, layout);
}

}  // namespace

QuantizeJobReport quantize_job(const QuantizeJobOptions& options) {
  check_output_path(options.input, options.output);
  if (!options.cache.empty()) check_writable(options.cache);
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
  const std::vector<TensorInfo> inputs = model_inputs(model, options.input);
  std::unique_ptr<CalibrationSource> eval;
  if (options.data) {
    const CalibrationSetup setup = calibration_setup(*options.data, inputs);
    if (options.from_cache.empty()) {
      auto source = calibration_source(setup);
      out.table = calibrate(model, *source, options.calibration);
    }
    eval = evaluation_source(setup);  // accuracy is measured on up to 32 calibration items
  } else {
    eval = evaluation_without_data(inputs, options, model);
  }
  if (!options.from_cache.empty()) {
    out.table = read_tensorrt_cache(options.from_cache);
    check_cache_names(out.table, model, options.from_cache);
  }
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

// calibrate and quantize as jobs, and the int8 building blocks deploy shares with them.
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include "jobs/job_json.hpp"
#include "piu/jobs_quant.hpp"

namespace piu {

std::string quantize_target_name(bool symmetric_activations) { return symmetric_activations ? "tensorrt" : "ort"; }

bool symmetric_activations_for(const std::string& target) {
  if (target != "ort" && target != "tensorrt")
    throw Error(ErrorCode::kBadInput, "must be ort or tensorrt, not '" + target + "'");
  return target == "tensorrt";
}

double parse_max_error_db(const std::string& text) {
  std::string t = text;
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool in_db = t.size() > 2 && t.compare(t.size() - 2, 2, "db") == 0;
  if (in_db) t = t.substr(0, t.size() - 2);
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(t, &used);
    if (used != t.size()) throw std::invalid_argument(t);
  } catch (const std::exception&) {
    throw Error(ErrorCode::kBadInput, "'" + text + "' is neither an SQNR in dB ('30db') nor a relative error ('0.03')");
  }
  if (in_db) {
    if (!(v > 0)) throw Error(ErrorCode::kBadInput, "SQNR target must be positive dB");
    return v;
  }
  if (!(v > 0 && v < 1)) throw Error(ErrorCode::kBadInput, "a relative error must be in (0, 1), not " + text);
  return -20.0 * std::log10(v);
}

using jobs_internal::finite_or_null;
using jobs_internal::Json;

std::vector<TensorInfo> model_inputs(const OnnxModel& model, const std::string& path) {
  const auto& g = model.proto().graph();
  std::set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  std::vector<TensorInfo> inputs;
  for (const auto& in : g.input()) {
    if (inits.count(in.name())) continue;
    TensorInfo info;
    info.name = in.name();
    const auto& tt = in.type().tensor_type();
    if (auto d = dtype_from_onnx(tt.elem_type())) info.dtype = *d;
    info.rank_known = tt.has_shape();
    for (const auto& dim : tt.shape().dim()) {
      info.shape.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value() : -1);
      info.dim_names.push_back(dim.has_dim_param() ? dim.dim_param() : "");
    }
    inputs.push_back(info);
  }
  if (inputs.empty()) throw Error(ErrorCode::kBadInput, path + ": the model has no inputs to calibrate on");
  return inputs;
}

namespace {

// How one input's items are laid out: its shape without the batch dim (padded to when static).
ItemLayout item_layout(const TensorInfo& input, const std::optional<Shape>& max_item_shape) {
  ItemLayout layout;
  const Shape item(input.shape.begin() + (input.shape.empty() ? 0 : 1), input.shape.end());
  if (max_item_shape)
    layout.max_item_shape = *max_item_shape;
  else if (!item.empty() && is_static(item))
    layout.max_item_shape = item;
  if (!input.shape.empty()) layout.item_rank = static_cast<int64_t>(input.shape.size()) - 1;
  return layout;
}

}  // namespace

CalibrationSetup calibration_setup(const CalibrationData& data, const std::vector<TensorInfo>& inputs) {
  CalibrationSetup s;
  s.dir = data.dir;
  s.items = data.items;
  s.load_item = data.load_item;
  s.load_inputs = data.load_inputs;
  if (s.dir.empty() && !s.load_item && !s.load_inputs)
    throw Error(ErrorCode::kBadInput, "--data DIR is required (a folder of .npy or .npz files or images)");
  s.batch.batch_size = data.batch_size;
  if (s.batch.batch_size <= 0) throw Error(ErrorCode::kBadInput, "the calibration batch size must be positive");
  if (inputs.size() != 1 && data.max_item_shape)
    throw Error(ErrorCode::kBadInput, "max_item_shape is one input's; the model has " + std::to_string(inputs.size()) +
                                          " inputs (their items must each keep one shape)");
  for (const auto& in : inputs) s.batch.inputs[in.name] = item_layout(in, std::nullopt);
  if (inputs.size() != 1) return s;
  const TensorInfo& input = inputs[0];
  const ItemLayout layout = item_layout(input, data.max_item_shape);
  s.batch.inputs[input.name] = layout;
  s.batch.max_item_shape = layout.max_item_shape;
  s.batch.item_rank = layout.item_rank;
  const Shape item(input.shape.begin() + (input.shape.empty() ? 0 : 1), input.shape.end());
  s.images.nhwc = data.nhwc;
  if (item.size() == 3) {
    const int64_t c = data.nhwc ? item[2] : item[0];
    if (c == 1 || c == 3) s.images.channels = static_cast<int>(c);
    const int64_t h = data.nhwc ? item[0] : item[1], w = data.nhwc ? item[1] : item[2];
    if (h > 0 && w > 0) {
      s.images.height = static_cast<int>(h);
      s.images.width = static_cast<int>(w);
    }
  }
  if (data.image_height > 0 && data.image_width > 0) {
    s.images.height = data.image_height;
    s.images.width = data.image_width;
  }
  s.images.norm = data.norm;
  s.images.scale = data.pixel_scale;
  return s;
}

std::unique_ptr<CalibrationSource> calibration_source(const CalibrationSetup& setup) {
  if (setup.load_inputs) return calibration_from_named_items(setup.items, setup.load_inputs, setup.batch);
  if (setup.load_item) return calibration_from_items(setup.items, setup.load_item, setup.batch);
  return calibration_from_folder(setup.dir, setup.batch, setup.images);
}

std::unique_ptr<CalibrationSource> evaluation_source(const CalibrationSetup& setup) {
  CalibrationSetup first_items = setup;
  first_items.batch.batch_size = std::min<int64_t>(16, setup.batch.batch_size);
  return calibration_source(first_items);
}

FallbackReport quantize_to_target(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options,
                                  const AccuracyTarget& target, CalibrationSource& eval,
                                  const std::function<void(const std::string&)>& log) {
  if (target.min_sqnr_db > 0) return quantize_with_fallback(model, table, options, target, eval, log);
  FallbackReport fb;
  fb.quantize = quantize_qdq(model, table, options);
  return fb;
}

SqnrMeasurement measure_output_sqnr(const std::string& reference_path, const SessionOptions& reference_session,
                                    const std::string& candidate_path, const SessionOptions& candidate_session,
                                    CalibrationSource& eval, int batches_wanted) {
  eval.reset();
  std::vector<NamedTensors> batches;
  SqnrMeasurement out;
  for (NamedTensors t = eval.next_inputs(); !t.empty() && static_cast<int>(batches.size()) < batches_wanted;
       t = eval.next_inputs()) {
    out.items += item_count(t);
    batches.push_back(std::move(t));
  }
  std::vector<Tensor> reference, candidate;
  {
    auto session = Session::open(reference_path, reference_session);
    for (const auto& b : batches)
      for (auto& o : session->run(feeds_for(b, session->inputs(), eval.describe()))) reference.push_back(o.clone());
  }
  auto session = open_built_model(candidate_path, candidate_session);
  for (const auto& b : batches)
    for (auto& o : session->run(feeds_for(b, session->inputs(), eval.describe()))) candidate.push_back(o);
  out.sqnr_db = sqnr_db(reference, candidate);
  return out;
}

// ---- calibrate ----

std::string default_cache_path(const std::string& model_path) {
  std::filesystem::path p(model_path);
  return (p.parent_path() / (p.stem().string() + ".trt.int8calibration")).string();
}

CalibrateJobReport calibrate_job(const CalibrateJobOptions& options) {
  CalibrateJobReport out;
  out.input = options.input;
  out.cache = options.cache.empty() ? default_cache_path(options.input) : options.cache;
  check_writable(out.cache);  // before calibrating: a bad --cache path fails at once
  OnnxModel model = OnnxModel::load(options.input);
  const CalibrationSetup setup = calibration_setup(options.data, model_inputs(model, options.input));
  auto source = calibration_source(setup);
  out.table = calibrate(model, *source, options.calibration);
  out.source = source->describe();
  write_tensorrt_cache(out.table, out.cache);
  return out;
}

std::string CalibrateJobReport::to_json() const {
  Json j;
  j["model"] = input;
  j["method"] = calibration_method_name(table.method);
  j["items"] = table.items;
  j["batches"] = table.batches;
  j["cache"] = cache;
  auto& ranges = j["ranges"] = Json::object();
  for (const auto& [name, r] : table.ranges)
    ranges[name] = {{"min", r.min}, {"max", r.max}, {"amax", r.amax}, {"scale", r.amax / 127.0f}};
  return j.dump(2);
}

std::string CalibrateJobReport::to_text() const {
  constexpr size_t kShown = 25;
  std::string s = fmt::format("{:<40} {:>12} {:>12} {:>12} {:>12}\n", "tensor", "min", "max", "threshold", "scale");
  size_t shown = 0;
  for (const auto& [name, r] : table.ranges) {
    if (++shown > kShown) break;
    s += fmt::format("{:<40} {:>12.5g} {:>12.5g} {:>12.5g} {:>12.5g}\n",
                     name.size() > 40 ? name.substr(0, 37) + "..." : name, r.min, r.max, r.amax, r.amax / 127.0);
  }
  if (table.ranges.size() > kShown) s += fmt::format("... {} more (--json lists all)\n", table.ranges.size() - kShown);
  return s + fmt::format("{} calibration of {} tensors on {} items ({})\nwrote {}\n",
                         calibration_method_name(table.method), table.ranges.size(), table.items, source, cache);
}

}  // namespace piu

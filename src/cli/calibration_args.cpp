#include "cli/calibration_args.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

namespace piu::cli {

namespace {

std::array<float, 3> three_floats(const Args& args, const std::string& name, std::array<float, 3> fallback) {
  if (!args.has(name)) return fallback;
  const auto parts = args.get_list(name);
  if (parts.size() != 3 && parts.size() != 1)
    throw Error(ErrorCode::kBadInput, "option " + name + " takes 1 or 3 numbers, got '" + args.get(name) + "'");
  std::array<float, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    const std::string& p = parts[parts.size() == 1 ? 0 : i];
    try {
      size_t used = 0;
      out[i] = std::stof(p, &used);
      if (used != p.size()) throw std::invalid_argument(p);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kBadInput, "option " + name + ": '" + p + "' is not a number");
    }
  }
  return out;
}

}  // namespace

TensorInfo single_input(const OnnxModel& model, const std::string& path) {
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
    for (const auto& dim : tt.shape().dim()) info.shape.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value() : -1);
    inputs.push_back(info);
  }
  if (inputs.size() != 1)
    throw Error(ErrorCode::kUnsupported, path + ": calibration feeds one input; the model has " + std::to_string(inputs.size()));
  return inputs[0];
}

CalibrationSetup calibration_setup(const Args& args, const TensorInfo& input, const std::string& batch_option) {
  CalibrationSetup s;
  s.dir = args.get("--data");
  if (s.dir.empty()) throw Error(ErrorCode::kBadInput, "--data DIR is required (a folder of .npy files or images)");
  s.batch.batch_size = args.get_int(batch_option, 100);
  if (s.batch.batch_size <= 0) throw Error(ErrorCode::kBadInput, batch_option + " must be positive");
  Shape item(input.shape.begin() + (input.shape.empty() ? 0 : 1), input.shape.end());
  if (args.has("--max-item-shape")) {
    s.batch.max_item_shape = parse_shape(args.get("--max-item-shape"));
  } else if (!item.empty() && is_static(item)) {
    s.batch.max_item_shape = item;
  }
  if (!input.shape.empty()) s.batch.item_rank = static_cast<int64_t>(input.shape.size()) - 1;
  s.images.nhwc = args.has("--nhwc");
  if (item.size() == 3) {
    const int64_t c = s.images.nhwc ? item[2] : item[0];
    if (c == 1 || c == 3) s.images.channels = static_cast<int>(c);
    const int64_t h = s.images.nhwc ? item[0] : item[1], w = s.images.nhwc ? item[1] : item[2];
    if (h > 0 && w > 0) {
      s.images.height = static_cast<int>(h);
      s.images.width = static_cast<int>(w);
    }
  }
  if (args.has("--image-size")) {
    const Shape hw = parse_shape(args.get("--image-size"));
    if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0)
      throw Error(ErrorCode::kBadInput, "--image-size takes HxW, e.g. 224x224, not '" + args.get("--image-size") + "'");
    s.images.height = static_cast<int>(hw[0]);
    s.images.width = static_cast<int>(hw[1]);
  }
  s.images.norm.mean = three_floats(args, "--mean", s.images.norm.mean);
  s.images.norm.std = three_floats(args, "--std", s.images.norm.std);
  for (float v : s.images.norm.std)
    if (v == 0) throw Error(ErrorCode::kBadInput, "--std must not be 0");
  s.images.norm.bgr = args.has("--bgr");
  s.images.scale = static_cast<float>(args.get_double("--pixel-scale", s.images.scale));
  return s;
}

std::unique_ptr<CalibrationSource> open_calibration(const CalibrationSetup& setup) {
  return calibration_from_folder(setup.dir, setup.batch, setup.images);
}

CalibrationOptions calibration_options(const Args& args) {
  CalibrationOptions o;
  o.method = parse_calibration_method(args.get("--method", "entropy"));
  o.percentile = args.get_double("--percentile", o.percentile);
  if (o.percentile <= 0 || o.percentile > 100) throw Error(ErrorCode::kBadInput, "--percentile must be in (0, 100]");
  o.threads = static_cast<int>(args.get_int("--threads", 0));
  const bool quiet = args.has("--json");
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  o.progress = [start, quiet](int64_t done, int64_t total) {
    if (quiet) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    if (total > 0)
      std::fprintf(stderr, "[calibrate] %lld/%lld items (%.1f s)\n", static_cast<long long>(done),
                   static_cast<long long>(total), s);
    else
      std::fprintf(stderr, "[calibrate] %lld items (%.1f s)\n", static_cast<long long>(done), s);
  };
  return o;
}

std::string default_cache_path(const std::string& model_path) {
  std::filesystem::path p(model_path);
  return (p.parent_path() / (p.stem().string() + ".trt.int8calibration")).string();
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
    throw Error(ErrorCode::kBadInput, "--max-error: '" + text + "' is neither an SQNR in dB ('30db') nor a relative error ('0.03')");
  }
  if (in_db) {
    if (v <= 0) throw Error(ErrorCode::kBadInput, "--max-error: SQNR target must be positive dB");
    return v;
  }
  if (v <= 0 || v >= 1) throw Error(ErrorCode::kBadInput, "--max-error: a relative error must be in (0, 1), not " + text);
  return -20.0 * std::log10(v);
}

}  // namespace piu::cli

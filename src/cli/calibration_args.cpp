#include "cli/calibration_args.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>

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

CalibrationData calibration_data_from(const Args& args, const std::string& batch_option) {
  CalibrationData d;
  d.dir = args.get("--data");
  if (d.dir.empty()) throw Error(ErrorCode::kBadInput, "--data DIR is required (a folder of .npy or .npz files or images)");
  d.batch_size = args.get_int(batch_option, d.batch_size);
  if (d.batch_size <= 0) throw Error(ErrorCode::kBadInput, batch_option + " must be positive");
  if (args.has("--max-item-shape")) d.max_item_shape = parse_shape(args.get("--max-item-shape"));
  d.nhwc = args.has("--nhwc");
  if (args.has("--image-size")) {
    const Shape hw = parse_shape(args.get("--image-size"));
    if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0)
      throw Error(ErrorCode::kBadInput, "--image-size takes HxW, e.g. 224x224, not '" + args.get("--image-size") + "'");
    d.image_height = static_cast<int>(hw[0]);
    d.image_width = static_cast<int>(hw[1]);
  }
  d.norm.mean = three_floats(args, "--mean", d.norm.mean);
  d.norm.std = three_floats(args, "--std", d.norm.std);
  for (float v : d.norm.std)
    if (v == 0) throw Error(ErrorCode::kBadInput, "--std must not be 0");
  d.norm.bgr = args.has("--bgr");
  d.pixel_scale = static_cast<float>(args.get_double("--pixel-scale", d.pixel_scale));
  return d;
}

bool symmetric_activations_from(const Args& args) {
  try {
    return symmetric_activations_for(args.get("--target", quantize_target_name(QuantizeOptions{}.symmetric_activations)));
  } catch (const Error& e) {
    throw e.with_context("--target");
  }
}

CalibrationOptions calibration_options(const Args& args) {
  CalibrationOptions o;
  o.method = parse_calibration_method(args.get("--method", calibration_method_name(o.method)));
  o.percentile = args.get_double("--percentile", o.percentile);
  if (o.percentile <= 0 || o.percentile > 100) throw Error(ErrorCode::kBadInput, "--percentile must be in (0, 100]");
  o.threads = static_cast<int>(args.get_int("--threads", 0));
  const bool quiet = args.has("--json");
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  o.progress = [start, quiet](int64_t done, int64_t total) {
    if (quiet) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    if (total > 0)
      fmt::print(stderr, "[calibrate] {}/{} items ({:.1f} s)\n", done, total, s);
    else
      fmt::print(stderr, "[calibrate] {} items ({:.1f} s)\n", done, s);
  };
  return o;
}

double max_error_db_from(const Args& args) {
  try {
    return parse_max_error_db(args.get("--max-error"));
  } catch (const Error& e) {
    throw e.with_context("--max-error");
  }
}

}  // namespace piu::cli

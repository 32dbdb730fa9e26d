// The seed's TRTEngineBuilder parameters as ONNX Runtime TensorRT provider options. The mapping is
// written once, here; docs/gpu.md has it as a table.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "piu/onnx.hpp"
#include "piu/tensorrt.hpp"

namespace piu {

namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 3> kBounds = {"min", "opt", "max"};
constexpr std::array<const char*, 3> kProfileKeys = {"trt_profile_min_shapes", "trt_profile_opt_shapes",
                                                     "trt_profile_max_shapes"};

using Profile = std::array<Shape, 3>;  // min, opt, max

const TensorInfo* find_input(const std::vector<TensorInfo>& inputs, const std::string& name) {
  for (const auto& i : inputs)
    if (i.name == name) return &i;
  return nullptr;
}

std::string input_names(const std::vector<TensorInfo>& inputs) {
  std::string names;
  for (const auto& i : inputs) names += (names.empty() ? "" : ", ") + i.name;
  return names;
}

// "dim 2 ('height')" for messages.
std::string dim_label(const TensorInfo& input, size_t i) {
  const bool named = i < input.dim_names.size() && !input.dim_names[i].empty();
  return fmt::format("dim {}{}", i, named ? " ('" + input.dim_names[i] + "')" : "");
}

// Throws unless `profile` is one ONNX Runtime can take for `name` (and fits `input` when known).
void check_profile(const std::string& name, const Profile& profile, const TensorInfo* input) {
  if (name.find_first_of(",:") != std::string::npos)
    throw Error(ErrorCode::kUnsupported, "input '" + name +
                                             "' cannot be named in ONNX Runtime's trt_profile_* options, which "
                                             "split names at ',' and ':'; rename the input");
  const std::string what = "opt_shape_dict['" + name + "']";
  for (size_t k = 0; k < 3; ++k) {
    if (profile[k].size() != profile[0].size())
      throw Error(ErrorCode::kBadInput,
                  fmt::format("{}: the min, opt and max shapes differ in rank ({}, {}, {})", what,
                              shape_to_string(profile[0]), shape_to_string(profile[1]), shape_to_string(profile[2])));
    for (int64_t d : profile[k])
      if (d < 0)
        throw Error(ErrorCode::kBadInput, fmt::format("{}: the {} shape {} has a negative dim; profiles give sizes",
                                                      what, kBounds[k], shape_to_string(profile[k])));
  }
  for (size_t i = 0; i < profile[0].size(); ++i)
    if (profile[0][i] > profile[1][i] || profile[1][i] > profile[2][i])
      throw Error(ErrorCode::kBadInput, fmt::format("{}: dim {} has min {}, opt {}, max {}; expected min <= opt <= max",
                                                    what, i, profile[0][i], profile[1][i], profile[2][i]));
  if (!input) return;
  if (profile[0].size() != input->shape.size())
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}: rank {} shapes for an input of rank {} ({})", what, profile[0].size(),
                            input->shape.size(), shape_to_string(input->shape)));
  for (size_t i = 0; i < input->shape.size(); ++i)
    if (input->shape[i] >= 0 && (profile[0][i] != input->shape[i] || profile[2][i] != input->shape[i]))
      throw Error(ErrorCode::kBadInput,
                  fmt::format("{}: {} is {} in the model ({}), the profile gives min {}, opt {}, max {}", what,
                              dim_label(*input, i), input->shape[i], shape_to_string(input->shape), profile[0][i],
                              profile[1][i], profile[2][i]));
}

// The profile of every dynamic input, from opt_shapes.
std::vector<std::pair<std::string, Profile>> profiles_from_shapes(const TensorRtBuildOptions& build,
                                                                  const std::vector<TensorInfo>& inputs) {
  std::vector<std::pair<std::string, Profile>> out;
  for (const auto& [name, profile] : build.opt_shapes) {
    const TensorInfo* input = find_input(inputs, name);
    if (!inputs.empty() && !input)
      throw Error(ErrorCode::kBadInput, "opt_shape_dict names '" + name + "', which is not an input of the model " +
                                            "(inputs: " + input_names(inputs) + ")");
    check_profile(name, profile, input);
    if (input && is_static(input->shape)) continue;  // a static input has nothing to choose
    out.emplace_back(name, profile);
  }
  for (const auto& input : inputs)
    if (!is_static(input.shape) && !build.opt_shapes.count(input.name))
      throw Error(ErrorCode::kBadInput,
                  fmt::format("opt_shape_dict has no shapes for the dynamic input '{}' ({}); once one profile is "
                              "given, ONNX Runtime needs one for every dynamic input",
                              input.name, shape_to_string(input.shape)));
  return out;
}

// The profile of every input with a dynamic first dim: 1 to max_batch_size, optimized for the largest.
std::vector<std::pair<std::string, Profile>> profiles_from_batch(int64_t max_batch_size,
                                                                 const std::vector<TensorInfo>& inputs) {
  std::vector<std::pair<std::string, Profile>> out;
  for (const auto& input : inputs) {
    if (is_static(input.shape)) continue;
    for (size_t i = 1; i < input.shape.size(); ++i)
      if (input.shape[i] < 0)
        throw Error(ErrorCode::kBadInput,
                    fmt::format("max_batch_size sets only the first (batch) dim, and input '{}' ({}) has a dynamic "
                                "{}: give opt_shape_dict with its min, opt and max shapes",
                                input.name, shape_to_string(input.shape), dim_label(input, i)));
    Shape min = input.shape, max = input.shape;
    min[0] = 1;
    max[0] = max_batch_size;
    const Profile profile = {min, max, max};
    check_profile(input.name, profile, &input);
    out.emplace_back(input.name, profile);
  }
  return out;
}

// A model's inputs as sessions describe them, from the file's graph inputs.
std::vector<TensorInfo> inputs_of(const std::string& model_path) {
  const ModelInfo info = inspect(OnnxModel::load(model_path, LoadOptions{/*load_external_data=*/false}));
  std::vector<TensorInfo> inputs;
  for (const auto& v : info.inputs) {
    TensorInfo t;
    t.name = v.name;
    t.rank_known = v.rank_known;
    for (const auto& d : v.dims) {
      const bool number = !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(c); });
      t.shape.push_back(number ? std::stoll(d) : kDynamicDim);
      t.dim_names.push_back(number || d == "?" ? "" : d);
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

}  // namespace

std::map<std::string, std::string> tensorrt_provider_options(const TensorRtBuildOptions& build,
                                                             const std::vector<TensorInfo>& inputs) {
  std::map<std::string, std::string> options;
  if (build.fp16_mode) options["trt_fp16_enable"] = "1";
  if (build.int8_mode) {
    options["trt_int8_enable"] = "1";
    if (!build.calibration_cache.empty()) {
      std::error_code ec;
      if (!fs::is_regular_file(build.calibration_cache, ec))
        throw Error(ErrorCode::kIo, "calibration cache " + build.calibration_cache +
                                        ": no such file (piu calibrate MODEL --cache FILE writes one)");
      // Absolute: ONNX Runtime reads a relative name inside trt_engine_cache_path.
      options["trt_int8_calibration_table_name"] = fs::absolute(build.calibration_cache).string();
      options["trt_int8_use_native_calibration_table"] = "1";  // TensorRT's own format, as piu writes it
    }
  }
  if (!build.engine_path.empty()) {
    options["trt_engine_cache_enable"] = "1";
    const std::string folder = fs::absolute(build.engine_path).parent_path().string();
    options["trt_engine_cache_path"] = folder;
    options["trt_timing_cache_enable"] = "1";
    options["trt_timing_cache_path"] = folder;  // without it, ONNX Runtime writes into the working directory
  }
  if (build.max_workspace_size < 0 || build.max_batch_size < 0)
    throw Error(ErrorCode::kBadInput, "max_workspace_size and max_batch_size must be >= 0 (0: not given)");
  if (build.max_workspace_size > 0) options["trt_max_workspace_size"] = std::to_string(build.max_workspace_size);
  std::vector<std::pair<std::string, Profile>> profiles;
  if (!build.opt_shapes.empty()) {
    profiles = profiles_from_shapes(build, inputs);
  } else if (build.max_batch_size > 0) {
    if (inputs.empty()) throw Error(ErrorCode::kBadInput, "max_batch_size needs the model's inputs");
    profiles = profiles_from_batch(build.max_batch_size, inputs);
  }
  for (size_t k = 0; k < 3 && !profiles.empty(); ++k) {
    std::string text;
    for (const auto& [name, profile] : profiles)
      text += (text.empty() ? "" : ",") + name + ":" + shape_to_string(profile[k]);
    options[kProfileKeys[k]] = text;
  }
  return options;
}

std::map<std::string, std::string> tensorrt_provider_options(const TensorRtBuildOptions& build,
                                                             const std::string& model_path) {
  return tensorrt_provider_options(build, inputs_of(model_path));
}

}  // namespace piu

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/calibration_args.hpp"
#include "commands.hpp"

namespace piu::cli {

namespace {

int calibrate_main(const Args& args) {
  const std::string& in = args.positional[0];
  OnnxModel model = OnnxModel::load(in);
  const TensorInfo input = single_input(model, in);
  const CalibrationSetup setup = calibration_setup(args, input);
  auto source = open_calibration(setup);
  const CalibrationOptions options = calibration_options(args);
  const std::string cache = args.get("--cache", default_cache_path(in));
  const CalibrationTable table = calibrate(model, *source, options);
  write_tensorrt_cache(table, cache);

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["model"] = in;
    j["method"] = calibration_method_name(table.method);
    j["items"] = table.items;
    j["batches"] = table.batches;
    j["cache"] = cache;
    auto& ranges = j["ranges"] = nlohmann::ordered_json::object();
    for (const auto& [name, r] : table.ranges)
      ranges[name] = {{"min", r.min}, {"max", r.max}, {"amax", r.amax}, {"scale", r.amax / 127.0f}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-40s %12s %12s %12s %12s\n", "tensor", "min", "max", "threshold", "scale");
  int shown = 0;
  for (const auto& [name, r] : table.ranges) {
    if (++shown > 25) break;
    std::printf("%-40s %12.5g %12.5g %12.5g %12.5g\n", name.size() > 40 ? (name.substr(0, 37) + "...").c_str() : name.c_str(),
                r.min, r.max, r.amax, r.amax / 127.0);
  }
  if (table.ranges.size() > 25) std::printf("... %zu more (--json lists all)\n", table.ranges.size() - 25);
  std::printf("%s calibration of %zu tensors on %lld items (%s)\nwrote %s\n", calibration_method_name(table.method).c_str(),
              table.ranges.size(), static_cast<long long>(table.items), source->describe().c_str(), cache.c_str());
  return kExitOk;
}

// The shared options with the help texts calibration gives them.
std::vector<Option> calibration_command_options(std::vector<Option> options) {
  for (auto& o : options) {
    if (o.name == "--batch") o = {"--batch", "-b", "N", "calibration items per batch (the seed's stream_batch_size; default 100)"};
  }
  return options;
}

}  // namespace

const Subcommand& calibrate_command() {
  static const Subcommand sub{
      {"calibrate", "MODEL.onnx --data DIR [--method entropy|minmax|percentile] [--batch N] [--cache FILE]",
       "Compute activation ranges on calibration data (ONNX Runtime, every float tensor) and write a TensorRT "
       "calibration cache; entropy is TensorRT's EntropyCalibration2 rule.",
       calibration_command_options(shared_options({"--data", "--method", "--batch", "--cache", "--percentile", "--max-item-shape", "--image-size",
                       "--mean", "--std", "--pixel-scale", "--bgr", "--nhwc", "--threads", "--json"})),
       1, 1},
      calibrate_main};
  return sub;
}

}  // namespace piu::cli

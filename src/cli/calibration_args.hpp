// Calibration data options shared by piu calibrate, quantize and deploy: --data, --batch,
// --max-item-shape and the image options, with defaults taken from the model's input.
#pragma once

#include <string>

#include "cli/options.hpp"
#include "piu/quant.hpp"

namespace piu::cli {

// The model's single non-initializer input as declared in its graph (dims <= 0 are -1).
// Throws kUnsupported when the model has more than one input.
TensorInfo single_input(const OnnxModel& model, const std::string& path);

struct CalibrationSetup {
  std::string dir;
  BatchOptions batch;
  ImageInputOptions images;
};

// From --data (required), --batch (default 100, the seed's stream_batch_size), --max-item-shape
// (default: the input's shape without its batch dim when static), --image-size (default: the
// input's static H and W), --mean, --std, --pixel-scale, --bgr and --nhwc (channels from the input).
// `batch_option` names the batch-size option (deploy's --batch lists verification batches).
CalibrationSetup calibration_setup(const Args& args, const TensorInfo& input, const std::string& batch_option = "--batch");
// The calibration source of a setup.
std::unique_ptr<CalibrationSource> open_calibration(const CalibrationSetup& setup);
// CalibrationOptions from --method, --percentile and --threads, with a progress line on stderr.
CalibrationOptions calibration_options(const Args& args);
// Where the TensorRT cache goes: --cache, else the model's stem + ".trt.int8calibration" beside it.
std::string default_cache_path(const std::string& model_path);
// --max-error: "30db" (output SQNR >= 30 dB) or a relative RMS error ("0.03" -> SQNR >= 30.5 dB).
double parse_max_error_db(const std::string& text);

}  // namespace piu::cli

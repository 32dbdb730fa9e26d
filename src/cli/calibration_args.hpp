// Calibration options shared by piu calibrate, quantize and deploy: --data, the batch size,
// --max-item-shape and the image options; what is not given comes from the model's input later.
#pragma once

#include <string>

#include "cli/options.hpp"
#include "piu/jobs_quant.hpp"

namespace piu::cli {

// From --data (required), `batch_option` (calibrate and quantize: --batch; deploy, whose --batch
// lists verification batches: --calibration-batch), --max-item-shape, --image-size, --mean, --std,
// --pixel-scale, --bgr and --nhwc. Malformed values throw kBadInput naming the option.
CalibrationData calibration_data_from(const Args& args, const std::string& batch_option = "--batch");
// CalibrationOptions from --method, --percentile and --threads, with a progress line on stderr
// unless --json.
CalibrationOptions calibration_options(const Args& args);
// --max-error: "30db" (output SQNR >= 30 dB) or a relative RMS error ("0.03" -> SQNR >= 30.5 dB).
double parse_max_error_db(const std::string& text);
// --target: ort or tensorrt (default: QuantizeOptions{}'s); true for tensorrt (symmetric activations).
bool symmetric_activations_from(const Args& args);
// The --target name of an int8 format: "tensorrt" for symmetric activations, else "ort".
std::string target_name(bool symmetric_activations);

}  // namespace piu::cli

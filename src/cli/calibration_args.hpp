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
// --max-error as an SQNR target in dB (parse_max_error_db); errors name the option.
double max_error_db_from(const Args& args);
// --target: ort or tensorrt (default: QuantizeOptions{}'s); true for tensorrt (symmetric activations).
bool symmetric_activations_from(const Args& args);

}  // namespace piu::cli

// piu jobs over calibration data: calibrate and quantize, and the building blocks deploy's int8
// stages share with them (calibration setup, quantization with fallback, output SQNR).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "piu/jobs.hpp"
#include "piu/quant.hpp"

namespace piu {

// Calibration data as a user describes it; what is left unset comes from the model's input.
// The items come from a folder (`dir`) or, when `load_item` or `load_inputs` is set, from a
// caller's function (the seed's calibration_set + load_item_func): `load_item(items[i])` returns
// item i, or a batch of items (one more dim), like a folder's .npy file; `load_inputs(items[i])`
// returns a tensor per input name (an item or a batch each, like a folder's .npz file) for models of
// several inputs; `dir` is then ignored. The function is called on the job's thread, several
// times per item (calibration, then the accuracy check), and may throw: its exception leaves the
// job unchanged (a piu::Error gets the item's name as context).
struct CalibrationData {
  std::string dir;                 // a folder of .npy files (one item or one batch each), .npz files or images
  std::vector<std::string> items;  // with load_item / load_inputs: the names of the items, in order
  std::function<Tensor(const std::string&)> load_item;
  std::function<NamedTensors(const std::string&)> load_inputs;  // used when set, instead of load_item
  int64_t batch_size = 100;               // items per batch (the seed's stream_batch_size)
  std::optional<Shape> max_item_shape;    // default: the input's shape without its batch dim, when static
  int image_height = 0, image_width = 0;  // 0: the input's static H and W
  ImageNormalization norm;
  float pixel_scale = 1.0f / 255.0f;
  bool nhwc = false;  // items are HxWxC
};

// Batching and image decoding of calibration data for a model input.
struct CalibrationSetup {
  std::string dir;
  std::vector<std::string> items;  // with load_item or load_inputs, used instead of dir
  std::function<Tensor(const std::string&)> load_item;
  std::function<NamedTensors(const std::string&)> load_inputs;
  BatchOptions batch;
  ImageInputOptions images;
};

// "ort" (uint8 activations with zero points, for ONNX Runtime) or "tensorrt" (symmetric int8):
// the name users give QuantizeOptions::symmetric_activations.
std::string quantize_target_name(bool symmetric_activations);
// Inverse of quantize_target_name. Throws kBadInput "must be ort or tensorrt, not '...'" (callers
// add the option's name as context).
bool symmetric_activations_for(const std::string& target);
// An accuracy target as users write it: "30db" (output SQNR >= 30 dB) or a relative RMS error
// ("0.03" -> SQNR >= 30.5 dB); returns the SQNR in dB. Throws kBadInput for anything else (callers
// add the option's name as context).
double parse_max_error_db(const std::string& text);

// The model's non-initializer inputs as its graph declares them (dims <= 0 are -1). Throws
// kBadInput naming `path` when it has none.
std::vector<TensorInfo> model_inputs(const OnnxModel& model, const std::string& path);
// `data` completed from the model's `inputs`: per input the item shape and rank; for a one-input
// model also the image size and channels. Throws kBadInput when neither a folder nor a loader is
// given or the batch size is not positive.
CalibrationSetup calibration_setup(const CalibrationData& data, const std::vector<TensorInfo>& inputs);
// Every item of the setup: the folder's files (calibration_from_folder) or the caller's items
// (calibration_from_items), batched as the setup says.
std::unique_ptr<CalibrationSource> calibration_source(const CalibrationSetup& setup);
// Up to 32 items of the setup in two batches of at most 16: what int8 accuracy is measured on.
std::unique_ptr<CalibrationSource> evaluation_source(const CalibrationSetup& setup);
// Quantizes `model` (quantize_qdq); when target.min_sqnr_db > 0 the most sensitive layers stay
// float until the target is met (quantize_with_fallback).
FallbackReport quantize_to_target(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options,
                                  const AccuracyTarget& target, CalibrationSource& eval,
                                  const std::function<void(const std::string&)>& log = {});

struct SqnrMeasurement {
  double sqnr_db = 0;
  int64_t items = 0;
};
// Output SQNR of `candidate_path` against `reference_path` on the first `batches` batches of
// `eval` (from its start), one model in memory at a time.
SqnrMeasurement measure_output_sqnr(const std::string& reference_path, const SessionOptions& reference_session,
                                    const std::string& candidate_path, const SessionOptions& candidate_session,
                                    CalibrationSource& eval, int batches = 2);

// ---------------------------------------------------------------------------------------------
// calibrate
// ---------------------------------------------------------------------------------------------

struct CalibrateJobOptions {
  std::string input;
  CalibrationData data;
  CalibrationOptions calibration;
  std::string cache;  // empty: default_cache_path(input)
};
struct CalibrateJobReport {
  std::string input;
  std::string cache;
  std::string source;  // "128 .npy files in data/"
  CalibrationTable table;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // the first 25 ranges and a summary
};
// The model's stem + ".trt.int8calibration" beside it.
std::string default_cache_path(const std::string& model_path);
// Calibrates the input on the data and writes the TensorRT calibration cache.
CalibrateJobReport calibrate_job(const CalibrateJobOptions& options);

// ---------------------------------------------------------------------------------------------
// quantize
// ---------------------------------------------------------------------------------------------

struct QuantizeJobOptions {
  std::string input;
  std::string output;
  // Ranges: calibrated on `data`, or read from `from_cache` (then `data`, when given, only feeds the
  // accuracy check, and two random batches of two do without it).
  std::optional<CalibrationData> data;
  std::string from_cache;
  CalibrationOptions calibration;
  std::string cache;  // also write the ranges as a TensorRT cache here (empty: no)
  QuantizeOptions quantize;
  double min_sqnr_db = 0;  // > 0: keep the most sensitive layers float until met
  int sensitivity_runs = AccuracyTarget{}.sensitivity_runs;
  int threads = 0;
  bool verify = true;                           // measure the output SQNR against the float model
  std::vector<ShapeSpec> shapes;                // of random evaluation inputs (without data)
  std::vector<IntRange> int_ranges;             // of random integer evaluation inputs (then the model's own)
  std::vector<GivenInput> inputs;               // without data: the SQNR is measured on this input instead
  std::function<void(const std::string&)> log;  // progress lines of the fallback search
};
struct QuantizeJobReport {
  std::string input;
  std::string output;
  std::string from_cache;
  std::string cache;
  bool symmetric_activations = false;
  CalibrationTable table;
  FallbackReport fallback;  // its `quantize` is the final model's report
  double min_sqnr_db = 0;
  bool verified = false;
  double sqnr_db = 0;           // of the written model against the input
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// Calibrates (or reads the ranges), quantizes with fallback to the target, checks, stages, measures
// the output SQNR of the staged file against the input and writes it. Throws kVerificationFailed
// (nothing written) when the target is missed.
QuantizeJobReport quantize_job(const QuantizeJobOptions& options);

}  // namespace piu

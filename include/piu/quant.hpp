// piu quantization: calibration data, activation ranges (min-max, entropy, percentile), the
// TensorRT calibration cache, Q/DQ quantization with an accuracy-driven fallback, and fp16.
//
// Precision is an ONNX-level step: an int8 model is a float model with QuantizeLinear /
// DequantizeLinear (Q/DQ) pairs that ONNX Runtime fuses into its int8 kernels and TensorRT 10+
// reads as explicit quantization; an fp16 model is one whose tensors are float16.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "piu/core.hpp"
#include "piu/model.hpp"
#include "piu/onnx.hpp"

namespace piu {

class Session;

// ---------------------------------------------------------------------------------------------
// Calibration data
// ---------------------------------------------------------------------------------------------

// One batch of calibration data: a tensor per model input, items stacked along a new first dim,
// keyed by input name. The key "" stands for the only input of a one-input model (items from
// .npy files, images, or a loader of single tensors carry no name).
using NamedTensors = std::map<std::string, Tensor>;

// Yields batches of calibration items.
class CalibrationSource {
 public:
  virtual ~CalibrationSource() = default;
  // Number of items, or -1 when unknown.
  virtual int64_t size() const = 0;
  // The next batch: up to the batch size of items, per input stacked along a new first dim (every
  // input holds the same number of items). Empty when all items were read. Throws kBadInput naming
  // the item's file when an item cannot be read, does not fit the item shape, holds NaN/Inf, or
  // names other inputs than the items before it.
  virtual NamedTensors next_inputs() = 0;
  // The same for a source of unnamed single tensors: the batch's only tensor (undefined at the
  // end). Throws kBadInput when the items hold named inputs.
  Tensor next_batch();
  // Starts over from the first item.
  virtual void reset() = 0;
  // "128 .npy files in data/" (for progress lines and reports).
  virtual std::string describe() const = 0;
};

// How one input's items become a batch.
struct ItemLayout {
  // Largest item (the input's shape without the batch dim, e.g. [3, 224, 224]). Smaller items are
  // zero-padded at the end of each dim; larger ones are an error naming the item. Empty: every item
  // must have the shape of the first.
  Shape max_item_shape;
  // Rank of one item; a loaded tensor of one more dim is a batch of items. -1: the rank of
  // max_item_shape when given, else each loaded tensor is one item.
  int64_t item_rank = -1;
};

// How items become a batch (the seed's stream_batch_size and max_item_shape).
struct BatchOptions {
  int64_t batch_size = 100;
  // The layout of unnamed items (key ""), as ItemLayout's fields.
  Shape max_item_shape;
  int64_t item_rank = -1;
  // The layout of named inputs' items, by input name (an input missing here: ItemLayout{}).
  std::map<std::string, ItemLayout> inputs = {};
};

// The batch's tensors in the order of `inputs` (a session's or model's inputs): a named batch must
// hold exactly those names; an unnamed one ("") feeds a one-input model. Floating-point items are
// converted to float32 for a float32 input. Throws kBadInput naming `what` (the source) and the
// input for a missing or unknown name or a dtype the input does not take.
std::vector<Tensor> feeds_for(const NamedTensors& batch, const std::vector<TensorInfo>& inputs,
                              const std::string& what);
// Rows [begin, end) of every tensor of a batch.
NamedTensors slice_items(const NamedTensors& batch, int64_t begin, int64_t end);
// Items in a batch (the first dim of its tensors; 1 for a 0-d tensor; 0 when empty).
int64_t item_count(const NamedTensors& batch);

// How image files become items.
struct ImageInputOptions {
  int width = 0, height = 0;    // resize to this (0: keep the image's own size)
  int channels = 3;             // 3 (RGB or BGR) or 1 (gray)
  bool nhwc = false;            // item layout HxWxC instead of CxHxW
  float scale = 1.0f / 255.0f;  // pixel value * scale, then (x - mean) / std per channel
  ImageNormalization norm;      // mean, std and channel order; mean 0 / std 1 to skip
};

// Items are read one at a time by a caller's function (the seed's calibration_set + load_item_func).
// `load_item` returns one item (rank of max_item_shape, or any rank when that is empty) or a whole
// batch (one more dim), which is split into items.
std::unique_ptr<CalibrationSource> calibration_from_items(std::vector<std::string> items,
                                                          std::function<Tensor(const std::string&)> load_item,
                                                          const BatchOptions& batch);
// The same for a model of several inputs: `load_inputs` returns a tensor per input name, each one
// item or a batch of items (by the input's ItemLayout in `batch.inputs`), the same count for all.
std::unique_ptr<CalibrationSource> calibration_from_named_items(
    std::vector<std::string> items, std::function<NamedTensors(const std::string&)> load_inputs,
    const BatchOptions& batch);
// A folder of .npy files (each one item or one batch, see calibration_from_items), of .npz files
// (an array per input name: named items, see calibration_from_named_items) or of images
// (.jpg/.jpeg/.png/.bmp), read in name order. Throws kBadInput when the folder does not exist, holds
// none of them, or mixes kinds.
std::unique_ptr<CalibrationSource> calibration_from_folder(const std::string& dir, const BatchOptions& batch,
                                                           const ImageInputOptions& images = {});

// ---------------------------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------------------------

enum class CalibrationMethod { kMinMax, kEntropy, kPercentile };
// "minmax", "entropy", "percentile"
std::string calibration_method_name(CalibrationMethod method);
// Inverse of calibration_method_name; throws kBadInput listing the methods.
CalibrationMethod parse_calibration_method(const std::string& name);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kEntropy;
  double percentile = 99.999;  // kPercentile: share of |x| kept below the threshold
  int histogram_bins = 2048;   // bins of the |x| histogram (entropy, percentile)
  // The model runs on ONNX Runtime with every intermediate float tensor as an output; a batch is
  // run in chunks so that those outputs stay below this many bytes (0: one chunk per batch).
  uint64_t max_activation_bytes = uint64_t{256} << 20;
  int threads = 0;  // ONNX Runtime intra-op threads (0: the runtime's choice)
  // Called after each batch with items done so far and the total (-1 when unknown).
  std::function<void(int64_t done, int64_t total)> progress;
};

// The observed range of one tensor and the threshold the method chose.
struct TensorRange {
  float min = 0, max = 0;  // observed over all items
  float amax = 0;          // threshold for symmetric quantization: |x| above it saturates
  // The range asymmetric quantization uses: [min, max] clipped to [-amax, amax], widened to hold 0.
  float lo() const;
  float hi() const;
};

struct CalibrationTable {
  CalibrationMethod method = CalibrationMethod::kEntropy;
  std::map<std::string, TensorRange> ranges;  // by tensor name
  int64_t items = 0;
  int64_t batches = 0;
};

// Runs `model` on ONNX Runtime over every batch of `source` (a tensor per model input, see
// feeds_for; integer inputs such as token ids are fed as they are) and returns the range of every
// float tensor (graph inputs, node outputs; not initializers). Memory does not grow with the number
// of batches: per tensor it keeps the min/max and, for entropy and percentile, one |x| histogram
// whose range grows with its bin width fixed. Throws kBadInput when the source is empty or a batch
// does not fit the model's inputs.
CalibrationTable calibrate(const OnnxModel& model, CalibrationSource& source, const CalibrationOptions& options = {});

// The threshold of one |x| histogram (bins of equal width from 0; bin i covers [i*w, (i+1)*w))
// by TensorRT's EntropyCalibration2 rule: the first bin is set to the second's count, and of the
// thresholds from 128 bins up, the one whose 128-level quantized distribution has the smallest
// KL divergence from the clipped reference wins (the last one on ties).
double entropy_threshold(const std::vector<double>& histogram, double bin_width);
// The left edge of the first bin where the cumulative share reaches `percentile` (as ONNX
// Runtime's PercentileCalibrater does), i.e. `percentile`% of |x| lies below it.
double percentile_threshold(const std::vector<double>& histogram, double bin_width, double percentile);

// TensorRT's calibration cache: a header line "TRT-<version>-<calibrator>" and one line
// "<tensor>: <hex>" per tensor, <hex> being the big-endian bits of the float scale amax / 127.
struct TensorRtCacheOptions {
  int version = 8601;  // the TensorRT version in the header (TensorRT 8.6.1)
};
// Writes the cache atomically. The calibrator named is EntropyCalibration2 for entropy and
// MinMaxCalibration for min-max and percentile (TensorRT has no percentile calibrator). A range
// too small for a normal float scale is written as 0 ("no range").
void write_tensorrt_cache(const CalibrationTable& table, const std::string& path,
                          const TensorRtCacheOptions& options = {});
// Reads a cache back: amax = scale * 127 (min/max are -amax/amax); a zero scale means no range (the
// tensor is left out). Throws kBadInput naming the file and line for a wrong header, a line without
// "name: hex", a scale that is not 8 hex digits, or one that is neither zero nor a normal float in
// [FLT_MIN, 1e30] (denormal, huge, negative, NaN: Q/DQ nodes computing NaN).
CalibrationTable read_tensorrt_cache(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Q/DQ quantization
// ---------------------------------------------------------------------------------------------

// How quantization and fp16 options name a node (exclude_nodes, node_block_list, reports): its
// name, or "op_type#index" (index in the graph's node list) when it has none.
std::string quant_node_key(const onnx::NodeProto& node, size_t index);

struct QuantizeOptions {
  // false (ONNX Runtime CPU): activations uint8 with a zero point, which its u8s8 kernels are
  // fastest with. true (TensorRT): int8 with zero point 0, scale amax / 127, as TensorRT requires.
  bool symmetric_activations = false;
  bool per_channel = true;  // weights: one scale per output channel (else per tensor); always int8 symmetric
  // Nodes (by name; unnamed nodes as "op_type#index") kept in float.
  std::set<std::string> exclude_nodes;
  // Op types whose inputs are quantized. Empty: Conv, ConvTranspose, Gemm, MatMul (weights and
  // activations) and Add, Concat, MaxPool, AveragePool, GlobalAveragePool (activations).
  std::vector<std::string> op_types;
};

struct QuantizeReport {
  int64_t opset_before = 0, opset_after = 0;  // the model is converted to opset 13 when older
  int quantized_nodes = 0;                    // nodes reading Q/DQ'd inputs
  int quantized_weights = 0;                  // initializers stored as int8 (or int32 biases)
  int quantized_activations = 0;              // Q/DQ pairs on activations
  std::vector<std::string> quantizable_nodes; // names of nodes that were or could be quantized
  std::vector<std::string> excluded_nodes;    // those kept in float
  std::vector<std::string> missing_ranges;    // activations left float because the table lacks them
};

// Inserts Q/DQ pairs into `model` using the table's ranges: weights per-channel int8, biases int32
// (scale = input scale * weight scale), activations per tensor on the inputs of the op types
// above; an activation consumed only by a Relu/Clip/LeakyRelu-free chain is quantized where
// runtimes fuse it (after Relu or Clip that follows a Conv, Gemm, MatMul or Add). Converts models
// below opset 13 to 13 (per-channel DequantizeLinear needs it). Throws kBadInput when the model's
// float tensors have no ranges at all, kUnsupported when the opset cannot be converted.
QuantizeReport quantize_qdq(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options = {});

// Signal-to-quantization-noise ratio in dB over all float outputs: 10 log10(sum ref^2 /
// sum (ref - test)^2); +inf when they are equal.
double sqnr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test);

// Accuracy-driven fallback: what the quantized model must reach.
struct AccuracyTarget {
  double min_sqnr_db = 0;  // > 0: output SQNR vs the float model on the evaluation batches
  // Or a task metric (higher is better) computed by the caller on a session of a candidate model;
  // met when metric(candidate) >= min_metric.
  std::function<double(const Session&)> metric;
  double min_metric = 0;
  int eval_batches = 2;  // batches of the source used for SQNR (and sensitivities)
  // Sessions of the model spent on sensitivities: with at most this many candidates each node is
  // measured alone; with more, spans of consecutive nodes are measured and the most sensitive
  // split until this many runs are spent. 0: measure every node alone.
  int sensitivity_runs = 64;
  int threads = 0;  // ONNX Runtime intra-op threads of the evaluation sessions (0: its choice)
};

struct LayerSensitivity {
  std::string node;
  std::string op_type;
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  // output SQNR with every quantizable
                                                              // node but this one quantized (measured)
  bool measured = false;
  // Not measured alone: the output SQNR with its whole span of consecutive nodes kept in float.
  double span_sqnr_db = std::numeric_limits<double>::quiet_NaN();
};

struct FallbackReport {
  double sqnr_all_db = 0;    // every quantizable node quantized
  double sqnr_final_db = 0;  // with the exclusions
  double metric_all = 0, metric_final = 0;
  bool target_met = false;
  std::vector<LayerSensitivity> sensitivities;  // most sensitive first (only when the target was missed)
  std::vector<std::string> excluded;            // nodes kept in float, in the order they were excluded
  QuantizeReport quantize;                      // of the final model
};

// Quantizes `model` like quantize_qdq; when the result misses `target`, ranks the quantizable
// nodes by sensitivity (output SQNR on up to 4 items of the first evaluation batch with that node
// alone kept in float; past target.sensitivity_runs candidates, spans of consecutive nodes are
// measured and the most sensitive split, single nodes found first, then the spans left) and
// keeps the k highest-ranked nodes in float, for the smallest k found by doubling then
// bisecting that meets the target (all of them if nothing less does). `model` is the float model on
// entry and the final quantized model on return. Progress lines go to `log` when set.
FallbackReport quantize_with_fallback(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options,
                                      const AccuracyTarget& target, CalibrationSource& eval_data,
                                      const std::function<void(const std::string&)>& log = {});

// ---------------------------------------------------------------------------------------------
// FP16
// ---------------------------------------------------------------------------------------------

// Ops that stay float32 by default: those ONNX Runtime's CPU provider cannot run in float16 (no
// kernel it can fall back from, or a failing function body) and those whose results routinely
// leave float16's range (sum of squares, product). See src/quant/fp16.cpp for the list and why.
std::vector<std::string> default_fp16_block_list();

struct Fp16Options {
  // Graph inputs and outputs stay float32 (Cast nodes at the boundary) so callers feed and read
  // the same types as before.
  bool keep_io_types = false;
  // Op types that stay float32 (empty: none).
  std::vector<std::string> op_block_list = default_fp16_block_list();
  // Node names (unnamed nodes as "op_type#index") that stay float32.
  std::set<std::string> node_block_list;
};

struct Fp16Report {
  int converted_initializers = 0;
  int converted_nodes = 0;  // nodes computing in float16
  int blocked_nodes = 0;    // nodes left in float32
  int casts = 0;            // Cast nodes inserted
};

// Converts float32 initializers, constants and tensors of `model` to float16, except for nodes in
// the block lists and inputs an op's schema only allows as float32 (e.g. Resize scales); Cast
// nodes are inserted only where a float16 tensor meets a float32 one. Graph input and output names
// never change. Throws kBadInput when node_block_list names a node the main graph lacks.
Fp16Report convert_fp16(OnnxModel& model, const Fp16Options& options = {});

}  // namespace piu

// piu jobs that run models without writing one: inspect, run, bench, compare.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "piu/onnx.hpp"
#include "piu/session.hpp"

namespace piu {

// Where a session's inputs come from.
struct InputOptions {
  // "NAME=FILE.npy", or "FILE.npy" for the first input; inputs not given are random.
  std::vector<std::string> files;
  std::vector<ShapeSpec> shapes;  // dynamic dims of random inputs
  uint64_t seed = 0;              // of random inputs
  // Ranges of random integer inputs (LO <= v < HI); an input without one takes the range of the
  // embedding table it indexes in an ONNX model (index_input_ranges), else [0, 2).
  std::vector<IntRange> int_ranges;
  // The model file the session runs: an ONNX model's own integer ranges are read from it (without
  // its external data). Empty: none.
  std::string model_path;
  // True: the batch passed to make_inputs wins; false: a given tensor's first dim sets the batch of
  // the random ones.
  bool fixed_batch = false;
};
// Inputs for `session` as `options` say, with `batch` as the first dim of random inputs. Throws
// kBadInput for unknown input names, an input given twice, or unreadable files.
std::vector<Tensor> make_inputs(const Session& session, const InputOptions& options, int64_t batch);
// A file name for a tensor name, one to one: characters other than letters, digits, '-', '_' and
// a '.' not in front are percent-escaped ("a/b:0" -> "a%2Fb%3A0", "a_b" stays "a_b").
std::string file_name_for(const std::string& tensor_name);

struct InspectJobReport {
  ModelInfo info;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// Summarizes the model without loading its external weights.
InspectJobReport inspect_job(const std::string& path);

struct RunJobOptions {
  std::string model;
  SessionOptions session;
  InputOptions inputs;
  int64_t batch = 1;
  std::string output_dir;  // each output written as NAME.npy here (empty: none)
  // kDevice (GPU sessions): the inputs are copied to the device first and the outputs come back from
  // device memory after the run (a round trip through device-resident I/O).
  IoPlacement io = IoPlacement::kHost;
};
struct RunJobReport {
  std::string model;
  std::string backend;
  std::vector<TensorInfo> input_infos, output_infos;
  std::vector<Tensor> inputs, outputs;
  std::string output_dir;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // inputs, outputs with min/max/mean and the first values
};
// Runs the model once; checks output_dir before opening the model.
RunJobReport run_job(const RunJobOptions& options);

struct BenchJobOptions {
  std::string model;
  SessionOptions session;
  InputOptions inputs;
  std::vector<int64_t> batches = {1};
  BenchOptions bench;
  // Each line of the text report as soon as it is known (the header, then one row per batch).
  std::function<void(std::string_view line)> progress;
};
struct BenchJobReport {
  std::string model;
  std::string backend;
  std::string device;
  int intra_op_num_threads = 0;
  std::vector<BenchResult> results;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// Benchmarks the model at each batch size on random (or given) inputs.
BenchJobReport bench_job(const BenchJobOptions& options);

struct CompareJobOptions {
  std::string a, b;
  SessionOptions session_a, session_b;
  InputOptions inputs;
  int64_t batch = 1;
  // An output passes when |a - b| <= abs_tol + rel_tol * |b| element-wise, or, when min_sqnr_db
  // > 0, when its SQNR against b is at least that (how reduced precision is judged).
  double abs_tol = 1e-4;
  double rel_tol = 1e-3;
  double min_sqnr_db = 0;
};
struct CompareRow {
  std::string output;
  Shape shape_a, shape_b;
  TensorDiff diff;
  bool pass = true;
};
struct CompareJobReport {
  std::string a, b;
  std::string backend_a, backend_b;
  std::string device_a, device_b;
  double abs_tol = 0, rel_tol = 0, min_sqnr_db = 0;
  std::vector<CompareRow> rows;
  bool pass = true;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// Runs both models on the same inputs (matched by name, else by position) and compares each output.
// The models may run on different backends and devices, and in different float precisions: B's
// float inputs are converted to the float type B declares (a float16 model takes the float32
// inputs rounded), and outputs compare by value.
CompareJobReport compare_job(const CompareJobOptions& options);

}  // namespace piu

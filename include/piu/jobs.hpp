// piu jobs: one library function per piu command (the CLI, deploy and the Python package call
// these and nothing else). Each job takes a plain options struct and returns a report with
// to_json() (the command's --json output) and, where the command prints a summary, to_text().
//
// Every job that writes a model goes the same way (check_verify_and_save): the ONNX checker, the
// result written under temp names beside the output, verified from that file against the input
// one model at a time, then renamed into place; nothing is written when a step fails.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "piu/export.hpp"
#include "piu/onnx.hpp"
#include "piu/passes.hpp"
#include "piu/quant.hpp"
#include "piu/session.hpp"
#include "piu/simplify.hpp"

namespace piu {

// float16 keeps about three significant digits: its results are verified at this relative
// tolerance unless the caller asks for more.
inline constexpr double kFp16RelTol = 1e-2;
// Dynamic dims other than the batch are verified at this size (export, deploy).
inline constexpr int64_t kVerifyDynamicDimSize = 64;

// ---------------------------------------------------------------------------------------------
// Checking, verifying and writing a result
// ---------------------------------------------------------------------------------------------

// VerifyOptions at these batch sizes and relative tolerance, the rest at their defaults.
inline VerifyOptions verify_options_at(std::vector<int64_t> batches, double rel_tol = VerifyOptions{}.rel_tol) {
  VerifyOptions v;
  v.batches = std::move(batches);
  v.rel_tol = rel_tol;
  return v;
}

struct WriteOptions {
  std::string output;  // the file to write; never the input
  bool verify = true;  // run the input and the result on ONNX Runtime and compare their outputs
  VerifyOptions verify_options = verify_options_at({1, 3});
  int threads = 0;  // ONNX Runtime intra-op threads of the verification sessions (0: its choice)
};
// WriteOptions whose verification runs at these batch sizes and relative tolerance.
inline WriteOptions write_options_at(std::vector<int64_t> batches, double rel_tol = VerifyOptions{}.rel_tol) {
  WriteOptions w;
  w.verify_options = verify_options_at(std::move(batches), rel_tol);
  return w;
}

struct WriteReport {
  std::string input;
  std::string output;
  bool verified = false;
  VerifyReport verify;
  std::string checker_warning;  // set when the input itself fails the ONNX checker
};

// Wraps the candidate's session before it is compared (fp16: float32_view).
using CandidateView = std::function<std::unique_ptr<Session>(std::unique_ptr<Session>)>;

// Throws kBadInput when `output` is empty, a folder or the input file itself; kIo when its folder
// does not exist.
void check_output_path(const std::string& input, const std::string& output);
// `shapes` with every dynamic dim but the first set to kVerifyDynamicDimSize.
std::vector<ShapeSpec> with_dynamic_dims_fixed(std::vector<ShapeSpec> shapes);
// Runs `reference_path` (ONNX on ONNX Runtime, TorchScript on LibTorch) and then the ONNX file
// `candidate_path` on ONNX Runtime, one model in memory at a time, both with graph optimization
// off so no runtime rewrite hides a difference, and compares their outputs. `session` gives the
// threads, the device and the reference's backend ("auto": LibTorch for TorchScript file names).
VerifyReport verify_model_files(const std::string& reference_path, const std::string& candidate_path,
                                const VerifyOptions& options, const SessionOptions& session = {},
                                const CandidateView& view = {});
// The same with the reference held in memory.
VerifyReport verify_model_files(const ModelBytes& reference, const std::string& candidate_path,
                                const VerifyOptions& options, const SessionOptions& session = {},
                                const CandidateView& view = {});
// `options` with the integer ranges `model`'s graph implies (index_input_ranges) after the caller's.
// Throws kBadInput when one of the caller's ranges names no input of `model`.
VerifyOptions with_model_ranges(VerifyOptions options, const OnnxModel& model);
// Throws kVerificationFailed "verification failed, nothing written: <the first difference>" unless
// `report` passed.
void require_verified(const VerifyReport& report);
// Writes `result` under temp names beside `output` (its weights leave memory as they are written),
// calls `verify` with that file, then renames it into place. When `verify` throws, the temp files
// are removed and nothing is written.
void stage_verify_commit(OnnxModel&& result, const std::string& output, const SaveOptions& save,
                         const std::function<void(const std::string& staged_path)>& verify);
// Checks `result` with the ONNX checker, stages it under temp names beside options.output (its
// weights leave memory as they are written), verifies that file against `input_path` (unless
// options.verify is off), then renames it into place. Throws kVerificationFailed naming the first
// differing output, kInternal when the result fails the checker while the input passes; nothing is
// written then.
WriteReport check_verify_and_save(const std::string& input_path, OnnxModel&& result, const WriteOptions& options,
                                  const CandidateView& view = {});
// One line per check: output, batch, max abs error, scale, ok or DIFFERS.
std::string format_verify_report(const VerifyReport& report);
// The closing lines of a model-writing command: checker warning, verification, "wrote OUT".
std::string format_write_summary(const WriteReport& written);
// A session over a float16 model that takes and returns float32 where the model has float16
// inputs and outputs, so it compares with the float32 model on the same inputs.
std::unique_ptr<Session> float32_view(std::unique_ptr<Session> inner);

// ---------------------------------------------------------------------------------------------
// optimize, simplify, round-weights, fp16
// ---------------------------------------------------------------------------------------------

struct OptimizeJobOptions {
  std::string input;
  WriteOptions write;
  OptimizeOptions optimize;
};
struct OptimizeJobReport {
  OptimizeReport optimize;
  WriteReport written;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // the passes that changed something, node counts, write summary
};
// Optimizes the input with the listed passes, then checks, verifies and writes it.
OptimizeJobReport optimize_job(const OptimizeJobOptions& options);
// Every registered pass with its description, marking those outside the default list.
std::string format_pass_list();

struct SimplifyJobOptions {
  std::string input;
  WriteOptions write = write_options_at({1, 3, 8});
  SimplifyOptions simplify;
};
struct SimplifyJobReport {
  SimplifyReport simplify;
  WriteReport written;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // op counts that changed, folds skipped, write summary
};
// Simplifies the input, then checks, verifies (at simplify.input_shapes when no verification
// shapes are given) and writes it.
SimplifyJobReport simplify_job(const SimplifyJobOptions& options);

struct RoundWeightsJobOptions {
  std::string input;
  WriteOptions write;
  int digits = 16;  // decimal places kept: values below 5e-17 become 0
};
struct RoundWeightsJobReport {
  RoundReport round;
  WriteReport written;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// Rounds the input's float weights to `digits` decimal places, then checks, verifies and writes it.
RoundWeightsJobReport round_weights_job(const RoundWeightsJobOptions& options);

struct Fp16JobOptions {
  std::string input;
  WriteOptions write = write_options_at({1, 3}, kFp16RelTol);
  Fp16Options fp16;
};
struct Fp16JobReport {
  Fp16Options options;
  Fp16Report fp16;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  WriteReport written;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// Converts the input to float16, then checks, verifies (through float32_view) and writes it.
Fp16JobReport fp16_job(const Fp16JobOptions& options);

// ---------------------------------------------------------------------------------------------
// export
// ---------------------------------------------------------------------------------------------

struct ExportJobOptions {
  std::string input;  // a TorchScript file, or the name of input_bytes
  // When set: the TorchScript module itself (torch.jit.save into a buffer); nothing is read from
  // disk, and LibTorch verifies against these bytes.
  std::shared_ptr<const std::string> input_bytes;
  std::string output;
  ExportOptions export_options;
  bool verify = true;  // against LibTorch
  VerifyOptions verify_options = verify_options_at({1, 4});
  // Shapes to verify at where dims other than the batch are dynamic (default: those dims at 64).
  std::vector<ShapeSpec> verify_shapes;
  int threads = 0;
};
struct ExportJobReport {
  std::string input;
  std::string output;
  int opset = 0;
  ExportReport export_report;
  bool verified = false;
  VerifyReport verify;
  std::string to_json() const;  // what the command prints with --json
  std::string to_text() const;  // what the command prints without --json
};
// A TorchScript export with the ONNX input types the verifier needs (TorchScript declares none).
struct ExportedModel {
  OnnxModel model;
  ExportReport report;
  std::vector<DType> input_dtypes;
};
// Exports `path` to ONNX (see export_torchscript) and records the graph inputs' types.
ExportedModel export_with_input_types(const std::string& path, const ExportOptions& options);
// The same for a module held in memory.
ExportedModel export_with_input_types(const ModelBytes& module, const ExportOptions& options);
// `options` for verifying `exported` against the TorchScript it came from (whose inputs are
// forward()'s argument names): the ranges and given inputs renamed from ONNX input names to
// argument names (either is accepted), the exported model's own ranges (index_input_ranges) added
// after the caller's, each given input checked against the export's input (dtype, rank, static
// dims). Throws kBadInput naming the file or the option when one does not fit.
VerifyOptions for_torchscript_reference(VerifyOptions options, const ExportReport& report, const OnnxModel& exported);
// Exports the input, checks the result, stages it, verifies it against LibTorch running the
// TorchScript file, then renames it into place.
ExportJobReport export_job(const ExportJobOptions& options);
// Every op kind that has a converter (supported_torch_ops), one per line, or as a JSON array.
std::string format_converter_list(bool json);

}  // namespace piu

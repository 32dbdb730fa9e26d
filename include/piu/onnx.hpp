// piu ONNX model I/O: load/save ModelProto with external data (models over 2 GB), inspection.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "piu/core.hpp"

namespace piu {

// The ONNX protobuf namespace piu is built with (piu_onnx: see docs/architecture.md for why).
namespace onnx = ::ONNX_NAMESPACE;

struct LoadOptions {
  // Read external-data tensors into memory (raw_data). When false they stay references (still
  // checked for containment and bounds), which is enough for inspection or for handing the path to
  // a runtime, but not for saving elsewhere.
  bool load_external_data = true;
};

struct SaveOptions {
  enum class ExternalData {
    kAuto,    // external only when the model would not fit a 2 GB protobuf
    kAlways,  // every tensor of at least external_threshold_bytes goes to the data file
    kNever,   // one file; fails with a clear error above 2 GB
  };
  ExternalData external_data = ExternalData::kAuto;
  size_t external_threshold_bytes = 1024;
  // kAuto switches to external data above this serialized size (protobuf's hard limit is 2 GiB).
  uint64_t auto_limit_bytes = (uint64_t{2} << 30) - (uint64_t{64} << 20);
  // Data file name, relative to the model's folder; default "<model file name>.data".
  std::string external_file;
};

// One external-data file a model references.
struct ExternalFile {
  std::string location;  // as written in the model, relative to the model's folder
  uint64_t bytes = 0;    // bytes referenced by the model's tensors
  int tensors = 0;
};

// An ONNX model in memory plus where it came from.
class OnnxModel {
 public:
  OnnxModel();
  explicit OnnxModel(onnx::ModelProto proto, std::string path = {});
  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;
  ~OnnxModel();

  // Loads `path`. External data is read only from inside the model's own folder: absolute paths,
  // '..' components, symlinks resolving outside the folder and offsets/lengths past the end of the
  // data file are kBadInput errors naming the tensor and the file. Throws kBadInput for files that
  // are not ONNX models (empty, truncated, another format, no graph) and kIo for unreadable ones.
  static OnnxModel load(const std::string& path, const LoadOptions& options = {});

  // Saves atomically (temp files renamed at the end); large tensors go to an external data file
  // next to the model per `options`. The in-memory model is unchanged afterwards.
  void save(const std::string& path, const SaveOptions& options = {});

  // The serialized model (all data inline). Throws kUnsupported above 2 GB.
  std::string serialize() const;
  // The same, written to a stream without a second copy in memory. Throws kUnsupported above 2 GB.
  void serialize_to(std::ostream& out) const;

  onnx::ModelProto& proto() { return *proto_; }
  const onnx::ModelProto& proto() const { return *proto_; }
  // The file this model was loaded from (empty when built in memory).
  const std::string& path() const { return path_; }
  // External-data files that were read on load.
  const std::vector<ExternalFile>& external_files() const { return external_files_; }

  // Tensors save() would move to external data (raw data of at least the threshold). Throws
  // kBadInput for tensors still referencing external data that was never loaded.
  std::vector<onnx::TensorProto*> external_candidates(const std::string& path, const SaveOptions& options);

 private:
  std::unique_ptr<onnx::ModelProto> proto_;
  std::string path_;
  std::vector<ExternalFile> external_files_;
};

// Saving in two steps, for results that must be checked on disk before they replace anything:
// the constructor writes the model (and its external data) under temp names in the target's
// folder, releasing each tensor's bytes as they are written, so a large model is never held twice;
// temp_path() is a complete model file a runtime can open; commit() renames everything into place.
// Destroyed without commit(), it removes the temp files and the target is untouched.
class StagedSave {
 public:
  StagedSave(OnnxModel model, std::string path, const SaveOptions& options = {});
  ~StagedSave();
  StagedSave(const StagedSave&) = delete;
  StagedSave& operator=(const StagedSave&) = delete;
  const std::string& temp_path() const;
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ONNX TensorProto element type <-> DType. dtype_from_onnx returns nullopt for types piu cannot
// hold in a Tensor (string, complex, float8, ...).
std::optional<DType> dtype_from_onnx(int32_t elem_type);
int32_t dtype_to_onnx(DType dtype);
// ONNX's own name of an element type ("FLOAT", "INT64", ...).
std::string onnx_elem_type_name(int32_t elem_type);

// Converts a TensorProto holding its data in memory (raw_data or typed fields) to a Tensor.
Tensor tensor_from_proto(const onnx::TensorProto& proto);
// Converts a host tensor to a TensorProto (raw_data).
onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name);

// The values each integer graph input may take as far as the graph says: an input that reaches
// the indices of a Gather on a table held in the model (an embedding: directly or through
// Reshape, Unsqueeze, Squeeze, Flatten, Slice, Transpose, Expand, Identity or an integer Cast) is
// [0, the smallest such table's size along its axis). Inputs without such a use are not listed.
std::vector<IntRange> index_input_ranges(const OnnxModel& model);

// Reads a serialized TensorProto file (as in ONNX's test_data_set_N/input_N.pb).
Tensor read_tensor_pb(const std::string& path, std::string* name = nullptr);

// ---------------------------------------------------------------------------------------------
// Inspection
// ---------------------------------------------------------------------------------------------

struct ValueSummary {
  std::string name;
  std::string dtype;              // "float32", or ONNX's name for types piu cannot hold
  std::vector<std::string> dims;  // "1", "batch" (symbolic), "?" (unknown); empty for unknown rank
  bool rank_known = true;
};

struct ModelInfo {
  std::string path;
  int64_t ir_version = 0;
  std::string producer;                   // "pytorch 1.13.1"
  std::map<std::string, int64_t> opsets;  // domain ("ai.onnx" for the default) -> version
  std::vector<ValueSummary> inputs;
  std::vector<ValueSummary> outputs;
  std::map<std::string, int64_t> op_histogram;  // op type -> count, subgraphs included
  int64_t nodes = 0;
  int64_t initializers = 0;
  int64_t parameters = 0;       // elements over all initializers
  int64_t parameter_bytes = 0;  // bytes over all initializers
  std::vector<ExternalFile> external_files;
};

// Summarizes a model: I/O, opsets, op histogram, parameter counts, external data.
ModelInfo inspect(const OnnxModel& model);
// A human-readable multi-line table of `info`.
std::string format_model_info(const ModelInfo& info);
// A JSON object of `info` (stable keys, for machines).
std::string model_info_json(const ModelInfo& info);

}  // namespace piu

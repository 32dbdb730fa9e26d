// The ort backend, and the ONNX Runtime session both ONNX Runtime backends (ort, tensorrt) open: the
// CPU execution provider, or GPU providers with I/O binding (inputs and outputs in host or device
// memory) and, when asked for, CUDA graphs.
#include <fmt/format.h>
#include <onnxruntime_cxx_api.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "backends/ort/ort_common.hpp"
#include "piu/cuda.hpp"
#include "piu/onnx.hpp"
#include "piu/passes.hpp"
#include "piu/session.hpp"

namespace piu::ort {

namespace {

DType dtype_from_ort(ONNXTensorElementDataType t, const std::string& name, const std::string& path) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
      return DType::kFloat32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
      return DType::kFloat16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
      return DType::kBFloat16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
      return DType::kFloat64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
      return DType::kInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
      return DType::kUInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16:
      return DType::kInt16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
      return DType::kUInt16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
      return DType::kInt32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32:
      return DType::kUInt32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
      return DType::kInt64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64:
      return DType::kUInt64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
      return DType::kBool;
    default:
      throw Error(ErrorCode::kUnsupported, path + ": tensor '" + name + "' has ONNX element type " +
                                               std::to_string(static_cast<int>(t)) +
                                               ", which piu sessions do not support");
  }
}

ONNXTensorElementDataType dtype_to_ort(DType d) {
  switch (d) {
    case DType::kFloat32:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case DType::kFloat16:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    case DType::kBFloat16:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16;
    case DType::kFloat64:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
    case DType::kInt8:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
    case DType::kUInt8:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    case DType::kInt16:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16;
    case DType::kUInt16:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16;
    case DType::kInt32:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case DType::kUInt32:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32;
    case DType::kInt64:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
    case DType::kUInt64:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64;
    case DType::kBool:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

TensorInfo describe(const std::string& name, const Ort::TypeInfo& type, const std::string& path) {
  if (type.GetONNXType() != ONNX_TYPE_TENSOR)
    throw Error(ErrorCode::kUnsupported,
                path + ": '" + name + "' is not a tensor (sequences and maps are not supported)");
  auto info = type.GetTensorTypeAndShapeInfo();
  TensorInfo t;
  t.name = name;
  t.dtype = dtype_from_ort(info.GetElementType(), name, path);
  t.shape = info.GetShape();
  std::vector<const char*> symbolic(t.shape.size(), nullptr);
  info.GetSymbolicDimensions(symbolic.data(), symbolic.size());
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] < 0) t.shape[i] = kDynamicDim;
    t.dim_names.push_back(t.shape[i] < 0 && symbolic[i] ? symbolic[i] : "");
  }
  return t;
}

// On the CPU, two of ONNX Runtime's session options instead of a provider's: cpu_mem_arena and
// mem_pattern (0|1, both on by default). Turning them off keeps the memory of a session fed ever
// new shapes flat (the varying-shape soak, docs/reliability.md); other keys are refused.
void apply_cpu_options(Ort::SessionOptions& so, const std::map<std::string, std::string>& provider_options) {
  for (const auto& [key, value] : provider_options) {
    if (key != "cpu_mem_arena" && key != "mem_pattern")
      throw Error(ErrorCode::kBadInput, "provider options apply to a GPU device (cuda:N), not the CPU: '" + key +
                                            "' (the CPU takes cpu_mem_arena=0|1 and mem_pattern=0|1)");
    if (value != "0" && value != "1")
      throw Error(ErrorCode::kBadInput, "provider option " + key + "=" + value + ": expected 0 or 1");
    if (value == "1") continue;
    if (key == "cpu_mem_arena") so.DisableCpuMemArena();
    else so.DisableMemPattern();
  }
}

Ort::SessionOptions make_options(const SessionOptions& options, AppendProviders append) {
  Ort::SessionOptions so;
  if (options.device.kind == DeviceKind::kCuda) append(so, options);
  else apply_cpu_options(so, options.provider_options);
  so.SetIntraOpNumThreads(options.intra_op_num_threads);
  so.SetInterOpNumThreads(options.inter_op_num_threads);
  switch (options.graph_optimization) {
    case GraphOptimization::kDisabled:
      so.SetGraphOptimizationLevel(ORT_DISABLE_ALL);
      break;
    case GraphOptimization::kBasic:
      so.SetGraphOptimizationLevel(ORT_ENABLE_BASIC);
      break;
    case GraphOptimization::kExtended:
      so.SetGraphOptimizationLevel(ORT_ENABLE_EXTENDED);
      break;
    case GraphOptimization::kAll:
      so.SetGraphOptimizationLevel(ORT_ENABLE_ALL);
      break;
  }
  return so;
}

// Models this large or larger go to ONNX Runtime with their large initializers outside the
// serialized bytes (protobuf refuses to serialize 2 GiB; the margin covers the graph itself).
constexpr size_t kInlineLimit = size_t{1900} << 20;

// A copy of `m` whose main-graph initializers of 1 MiB or more (raw data) are marked external,
// with an OrtValue over each one's bytes in `values` (they point into `m`, which must outlive the
// session's creation: ONNX Runtime copies them while loading).
onnx::ModelProto without_large_initializers(const onnx::ModelProto& m, std::vector<std::string>& names,
                                            std::vector<Ort::Value>& values) {
  constexpr size_t kLarge = size_t{1} << 20;
  static const Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  onnx::ModelProto out;
  out.set_ir_version(m.ir_version());
  *out.mutable_opset_import() = m.opset_import();
  out.set_producer_name(m.producer_name());
  out.set_producer_version(m.producer_version());
  out.set_domain(m.domain());
  out.set_model_version(m.model_version());
  out.set_doc_string(m.doc_string());
  *out.mutable_metadata_props() = m.metadata_props();
  *out.mutable_functions() = m.functions();
  const onnx::GraphProto& g = m.graph();
  onnx::GraphProto& o = *out.mutable_graph();
  o.set_name(g.name());
  o.set_doc_string(g.doc_string());
  *o.mutable_node() = g.node();
  *o.mutable_input() = g.input();
  *o.mutable_output() = g.output();
  *o.mutable_value_info() = g.value_info();
  *o.mutable_sparse_initializer() = g.sparse_initializer();
  *o.mutable_quantization_annotation() = g.quantization_annotation();
  for (const auto& t : g.initializer()) {
    if (t.raw_data().size() < kLarge || t.data_location() == onnx::TensorProto::EXTERNAL) {
      *o.add_initializer() = t;
      continue;
    }
    onnx::TensorProto& e = *o.add_initializer();
    e.set_name(t.name());
    e.set_data_type(t.data_type());
    *e.mutable_dims() = t.dims();
    e.set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] : {std::pair<std::string, std::string>{"location", "piu-in-memory"},
                               {"offset", "0"},
                               {"length", std::to_string(t.raw_data().size())}}) {
      auto* entry = e.add_external_data();
      entry->set_key(k);
      entry->set_value(v);
    }
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    names.push_back(t.name());
    values.push_back(Ort::Value::CreateTensor(cpu, const_cast<char*>(t.raw_data().data()), t.raw_data().size(),
                                              dims.data(), dims.size(),
                                              static_cast<ONNXTensorElementDataType>(t.data_type())));
  }
  return out;
}

class OrtSession final : public Session {
 public:
  OrtSession(const std::string& path, const SessionOptions& options, std::string backend, AppendProviders append)
      : backend_(std::move(backend)) {
    path_ = path;
    set_device(options);
    // Our own loader validates the file first: clear errors for non-ONNX files and external data
    // that points outside the model's folder (ORT would follow it).
    OnnxModel model = OnnxModel::load(path, LoadOptions{/*load_external_data=*/false});
    validate_graph(model);  // the answer optimize gives for cycles and undefined values, not ORT's
    try {
      if (model.external_files().empty()) {
        const std::string bytes = model.serialize();
        model = OnnxModel();  // free our copy before ORT builds its own
        session_ = std::make_unique<Ort::Session>(ort_env(), bytes.data(), bytes.size(), make_options(options, append));
      } else {
        model = OnnxModel();
        session_ = std::make_unique<Ort::Session>(ort_env(), path.c_str(), make_options(options, append));
      }
    } catch (const Ort::Exception& e) {
      throw ort_load_error(e, path);
    }
    describe_io();
  }

  // An in-memory model (all tensors inline). Past protobuf's 2 GiB, its large initializers reach
  // ONNX Runtime as external initializers (copied by it while loading) and the rest as the
  // serialized model, so nothing is written to disk.
  OrtSession(const OnnxModel& model, const SessionOptions& options, std::string backend, AppendProviders append)
      : backend_(std::move(backend)) {
    path_ = model.path().empty() ? "<in-memory model>" : model.path() + " (in memory)";
    set_device(options);
    try {
      Ort::SessionOptions so = make_options(options, append);
      std::string bytes;
      std::vector<std::string> names;
      std::vector<Ort::Value> values;
      if (model.proto().ByteSizeLong() < kInlineLimit) {
        bytes = model.serialize();
      } else {
        const onnx::ModelProto skeleton = without_large_initializers(model.proto(), names, values);
        if (!skeleton.SerializeToString(&bytes)) throw Error(ErrorCode::kInternal, "model serialization failed");
        so.AddExternalInitializers(names, values);
      }
      session_ = std::make_unique<Ort::Session>(ort_env(), bytes.data(), bytes.size(), so);
    } catch (const Ort::Exception& e) {
      // A model read from a user's file (calibration adds outputs to it) is the user's; piu's own
      // rewrites are checked by the ONNX checker and verified before they are opened anywhere else.
      if (!model.path().empty()) throw ort_load_error(e, path_);
      throw ort_error(e, "cannot open " + path_);
    }
    describe_io();
  }

  std::string backend() const override { return backend_; }

 private:
  void set_device(const SessionOptions& options) {
    device_ = options.device;
    // The CUDA provider's CUDA graphs, or TensorRT's (tensorrt backend): fixed buffers either way.
    const auto on = [&](const char* key) {
      const auto it = options.provider_options.find(key);
      return it != options.provider_options.end() && (it->second == "1" || it->second == "true");
    };
    cuda_graph_ = on("enable_cuda_graph") || on("trt_cuda_graph_enable");
    if (device_.kind == DeviceKind::kCuda) cuda_memory_ = Ort::MemoryInfo("Cuda", OrtDeviceAllocator, device_.index, OrtMemTypeDefault);
  }

  void describe_io() {
    try {
      Ort::AllocatorWithDefaultOptions alloc;
      for (size_t i = 0; i < session_->GetInputCount(); ++i)
        inputs_.push_back(
            describe(session_->GetInputNameAllocated(i, alloc).get(), session_->GetInputTypeInfo(i), path_));
      for (size_t i = 0; i < session_->GetOutputCount(); ++i)
        outputs_.push_back(
            describe(session_->GetOutputNameAllocated(i, alloc).get(), session_->GetOutputTypeInfo(i), path_));
    } catch (const Ort::Exception& e) {
      throw ort_error(e, "cannot open " + path_);
    }
    for (const auto& i : inputs_) input_names_.push_back(i.name.c_str());
    for (const auto& o : outputs_) output_names_.push_back(o.name.c_str());
  }

 protected:
  std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs, Device outputs_on) const override {
    try {
      if (device_.kind == DeviceKind::kCpu) return run_on_host(inputs);
      if (cuda_graph_) return run_graph(inputs, outputs_on);
      return run_bound(inputs, outputs_on);
    } catch (const Ort::Exception& e) {
      throw ort_error(e, "running " + path_);
    }
  }

 private:
  static const Ort::MemoryInfo& cpu_memory() {
    static const Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    return cpu;
  }

  // An OrtValue over a tensor's memory (host or this session's device), not a copy.
  Ort::Value value_over(const Tensor& t) const {
    const Ort::MemoryInfo& where = t.device().kind == DeviceKind::kCpu ? cpu_memory() : cuda_memory_;
    return Ort::Value::CreateTensor(where, const_cast<void*>(t.data()), t.nbytes(), t.shape().data(), t.shape().size(),
                                    dtype_to_ort(t.dtype()));
  }

  // A tensor over an output value, which it keeps alive.
  Tensor adopt_output(Ort::Value value, size_t i) const {
    auto holder = std::make_shared<Ort::Value>(std::move(value));
    if (!holder->IsTensor()) throw Error(ErrorCode::kUnsupported, "output '" + outputs_[i].name + "' is not a tensor");
    auto info = holder->GetTensorTypeAndShapeInfo();
    const DType dtype = dtype_from_ort(info.GetElementType(), outputs_[i].name, path_);
    const bool on_device = holder->GetTensorMemoryInfo().GetDeviceType() == OrtMemoryInfoDeviceType_GPU;
    void* data = holder->GetTensorMutableData<void>();
    return Tensor::adopt(std::shared_ptr<void>(holder, data), data, dtype, info.GetShape(),
                         on_device ? device_ : Device{});
  }

  std::vector<Tensor> run_on_host(const std::vector<Tensor>& inputs) const {
    std::vector<Ort::Value> values;
    values.reserve(inputs.size());
    for (const Tensor& t : inputs) values.push_back(value_over(t));
    std::vector<Ort::Value> results = session_->Run(Ort::RunOptions{nullptr}, input_names_.data(), values.data(),
                                                    values.size(), output_names_.data(), output_names_.size());
    std::vector<Tensor> outputs;
    outputs.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) outputs.push_back(adopt_output(std::move(results[i]), i));
    return outputs;
  }

  // I/O binding: inputs are read where they live (ONNX Runtime copies host inputs to the device
  // itself), outputs are written into `outputs_on`'s memory by ONNX Runtime.
  std::vector<Tensor> run_bound(const std::vector<Tensor>& inputs, Device outputs_on) const {
    Ort::IoBinding binding(*session_);
    for (size_t i = 0; i < inputs.size(); ++i) binding.BindInput(input_names_[i], value_over(inputs[i]));
    const Ort::MemoryInfo& out_memory = outputs_on.kind == DeviceKind::kCpu ? cpu_memory() : cuda_memory_;
    for (const char* name : output_names_) binding.BindOutput(name, out_memory);
    session_->Run(Ort::RunOptions{nullptr}, binding);
    std::vector<Ort::Value> results = binding.GetOutputValues();
    std::vector<Tensor> outputs;
    outputs.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) outputs.push_back(adopt_output(std::move(results[i]), i));
    return outputs;
  }

  // CUDA graphs (provider option enable_cuda_graph=1): ONNX Runtime captures the model's kernels on
  // the first run and replays them after; the captured kernels read and write fixed addresses.
  // So the inputs are copied into device buffers made on the first run (whose shapes the graph
  // is then fixed to) and the outputs, written by ONNX Runtime into buffers bound once, are copied
  // out. Runs take turns.
  std::vector<Tensor> run_graph(const std::vector<Tensor>& inputs, Device outputs_on) const {
    std::lock_guard<std::mutex> lock(graph_mutex_);
    if (!graph_binding_) {
      graph_binding_ = std::make_unique<Ort::IoBinding>(*session_);
      for (size_t i = 0; i < inputs.size(); ++i) {
        graph_inputs_.push_back(Tensor::empty(inputs[i].dtype(), inputs[i].shape(), device_));
        graph_binding_->BindInput(input_names_[i], value_over(graph_inputs_.back()));
      }
      for (const char* name : output_names_) graph_binding_->BindOutput(name, cuda_memory_);
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].shape() != graph_inputs_[i].shape() || inputs[i].dtype() != graph_inputs_[i].dtype())
        throw Error(ErrorCode::kBadInput,
                    "input '" + inputs_[i].name + "': the CUDA graph was captured for " +
                        std::string(dtype_name(graph_inputs_[i].dtype())) + " " +
                        shape_to_string(graph_inputs_[i].shape()) + ", given " +
                        std::string(dtype_name(inputs[i].dtype())) + " " + shape_to_string(inputs[i].shape()) +
                        " (a session with enable_cuda_graph runs one shape)");
      cuda::copy(graph_inputs_[i].data(), inputs[i].data(), inputs[i].nbytes());
    }
    session_->Run(Ort::RunOptions{nullptr}, *graph_binding_);
    std::vector<Ort::Value> results = graph_binding_->GetOutputValues();
    std::vector<Tensor> outputs;
    outputs.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      const Tensor bound = adopt_output(std::move(results[i]), i);
      Tensor out = Tensor::empty(bound.dtype(), bound.shape(), outputs_on);
      cuda::copy(out.data(), bound.data(), bound.nbytes());
      outputs.push_back(std::move(out));
    }
    return outputs;
  }

  std::string backend_;
  std::unique_ptr<Ort::Session> session_;
  std::vector<const char*> input_names_;
  std::vector<const char*> output_names_;
  Ort::MemoryInfo cuda_memory_{nullptr};
  bool cuda_graph_ = false;
  mutable std::mutex graph_mutex_;
  mutable std::unique_ptr<Ort::IoBinding> graph_binding_;
  mutable std::vector<Tensor> graph_inputs_;
};

// The ort backend's providers on a CUDA device: CUDA's, with every provider option.
void append_ort_providers(Ort::SessionOptions& so, const SessionOptions& options) {
  append_cuda_provider(so, options.device, options.provider_options);
}

// ONNX files; and, as a last resort, files of a kind no backend claims: ONNX Runtime's loader then
// says what the file is. On the CPU, or on CUDA through ONNX Runtime's CUDA provider (inputs and
// outputs in host or device memory, through I/O binding).
BackendFactory ort_backend() {
  BackendFactory f;
  f.name = "ort";
  f.file_kinds = {".onnx"};
  f.create = [](const std::string& path, const SessionOptions& options) {
    return open_session(path, options, "ort", append_ort_providers);
  };
  f.create_from_model = [](const OnnxModel& model, const SessionOptions& options) {
    return open_session(model, options, "ort", append_ort_providers);
  };
  f.supports = [](const SessionOptions& options) {
    return options.device.kind == DeviceKind::kCpu || options.device.kind == DeviceKind::kCuda;
  };
  f.opens_unclaimed_files = true;
  return f;
}

const bool registered = register_backend(ort_backend());

}  // namespace

std::unique_ptr<Session> open_session(const std::string& path, const SessionOptions& options,
                                      const std::string& backend, AppendProviders append) {
  return std::make_unique<OrtSession>(path, options, backend, append);
}

std::unique_ptr<Session> open_session(const OnnxModel& model, const SessionOptions& options, const std::string& backend,
                                      AppendProviders append) {
  return std::make_unique<OrtSession>(model, options, backend, append);
}

}  // namespace piu::ort

// The ONNX Runtime pieces both ONNX Runtime backends use: the environment, the error funnel and the
// CUDA execution provider (the ort backend's GPU provider, and the tensorrt backend's fallback).
#include "backends/ort/ort_common.hpp"

#include <fmt/format.h>

#include <vector>

namespace piu::ort {

Error ort_error(const Ort::Exception& e, const std::string& context) {
  ErrorCode code = ErrorCode::kBackend;
  switch (e.GetOrtErrorCode()) {
    case ORT_INVALID_ARGUMENT:
    case ORT_INVALID_GRAPH:
    case ORT_INVALID_PROTOBUF:
    case ORT_MODEL_LOADED:
    case ORT_NO_MODEL:
      code = ErrorCode::kBadInput;
      break;
    case ORT_NO_SUCHFILE:
      code = ErrorCode::kIo;
      break;
    case ORT_NOT_IMPLEMENTED:
      code = ErrorCode::kUnsupported;
      break;
    default:
      break;
  }
  return Error(code, context + ": onnxruntime: " + e.what());
}

Ort::Env& ort_env() {
  // ORT errors reach users as piu::Error through ort_error(); its own log would repeat them.
  // Never destroyed: destroying it at exit unloads the CUDA provider library while ONNX Runtime's
  // own statics still point into it (the process then aborts on the way out).
  static Ort::Env* env = new Ort::Env(ORT_LOGGING_LEVEL_FATAL, "piu");
  return *env;
}

std::string ort_message(const Ort::Exception& e) {
  std::string m = e.what();
  while (!m.empty() && (m.back() == '.' || m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

void append_cuda_provider(Ort::SessionOptions& so, const Device& device,
                          const std::map<std::string, std::string>& provider_options) {
  ort_env();  // the provider's functions log through the environment's logger: it must exist first
  const OrtApi& api = Ort::GetApi();
  OrtCUDAProviderOptionsV2* cuda = nullptr;
  try {
    Ort::ThrowOnError(api.CreateCUDAProviderOptions(&cuda));
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kUnsupported,
                fmt::format("device {}: ONNX Runtime {} has no CUDA provider ({}); piu needs ONNX Runtime's GPU build "
                            "(the onnxruntime-gpu runtime: configure with -DONNXRUNTIME_ROOT at it)",
                            device_name(device), Ort::GetVersionString(), ort_message(e)));
  }
  std::unique_ptr<OrtCUDAProviderOptionsV2, void (*)(OrtCUDAProviderOptionsV2*)> owner(cuda,
                                                                                       api.ReleaseCUDAProviderOptions);
  std::map<std::string, std::string> values = provider_options;
  values.emplace("device_id", std::to_string(device.index));
  // float32 means float32: TensorFloat-32 (10-bit mantissa) matmuls and convolutions only when
  // asked for (use_tf32=1); with them outputs differ from the CPU's by ~3e-4 of their scale.
  values.emplace("use_tf32", "0");
  update_provider_options(api.UpdateCUDAProviderOptions, cuda, values, "CUDA");
  try {
    Ort::ThrowOnError(api.SessionOptionsAppendExecutionProvider_CUDA_V2(so, cuda));
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kUnsupported, fmt::format("device {}: ONNX Runtime {} cannot load its CUDA provider: {}",
                                                     device_name(device), Ort::GetVersionString(), ort_message(e)));
  }
}

}  // namespace piu::ort

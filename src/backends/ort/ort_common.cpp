// The ONNX Runtime pieces both ONNX Runtime backends use: the environment, the error funnel and the
// CUDA execution provider (the ort backend's GPU provider, and the tensorrt backend's fallback).
#include "backends/ort/ort_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
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

std::string ort_reason(const Ort::Exception& e) {
  std::string m = e.what();
  // "/onnxruntime_src/onnxruntime/core/graph/graph.cc:1441 onnxruntime::Graph::Graph(...) <reason>",
  // "model_load_utils.h:46 void onnxruntime::f(...) <reason>" or "tensorprotoutils.cc:1534 Function
  // <reason>": the reason alone is what a user can act on.
  static const std::regex location(R"(^\S+\.(cc|h):\d+ )");
  std::smatch match;
  if (std::regex_search(m, match, location)) {
    size_t i = static_cast<size_t>(match.length(0));
    const size_t first_space = m.find(' ', i);
    const size_t second_space = first_space == std::string::npos ? first_space : m.find(' ', first_space + 1);
    const size_t paren = m.find('(', i);
    if (paren != std::string::npos && paren < second_space) {  // a signature: skip to its matching ')'
      int depth = 0;
      for (i = paren; i < m.size(); ++i) {
        if (m[i] == '(') ++depth;
        if (m[i] == ')' && --depth == 0) break;
      }
      i = std::min(m.size(), i + 1);
    } else {
      i = first_space == std::string::npos ? m.size() : first_space;
    }
    while (i < m.size() && m[i] == ' ') ++i;
    if (i < m.size()) m.erase(0, i);
  }
  for (char& c : m)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!m.empty() && (m.back() == '.' || m.back() == ' ')) m.pop_back();
  return m;
}

Error ort_load_error(const Ort::Exception& e, const std::string& model_name) {
  switch (e.GetOrtErrorCode()) {
    case ORT_FAIL:  // ORT's graph checks (Graph::Resolve, tensor size checks) fail with ORT_FAIL
    case ORT_INVALID_ARGUMENT:
    case ORT_INVALID_GRAPH:
    case ORT_INVALID_PROTOBUF:
    case ORT_NO_MODEL:
    case ORT_MODEL_LOADED:
      return Error(ErrorCode::kBadInput, model_name + ": ONNX Runtime rejects the model: " + ort_reason(e));
    case ORT_NOT_IMPLEMENTED:
      return Error(ErrorCode::kUnsupported, model_name + ": ONNX Runtime cannot run it: " + ort_reason(e));
    case ORT_NO_SUCHFILE:
      return Error(ErrorCode::kIo, model_name + ": " + ort_reason(e));
    default:  // ORT_RUNTIME_EXCEPTION, ORT_ENGINE_ERROR, ORT_EP_FAIL: the runtime or its provider failed
      return Error(ErrorCode::kBackend, "cannot open " + model_name + ": onnxruntime: " + ort_reason(e));
  }
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

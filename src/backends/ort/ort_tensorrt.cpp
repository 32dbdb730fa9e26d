// The tensorrt backend: ONNX files through ONNX Runtime's TensorRT execution provider, with ONNX
// Runtime's CUDA provider after it for the nodes TensorRT does not take. CUDA devices only; asked
// for by name (--backend tensorrt), never picked by "auto": building an engine takes minutes.
//
// Provider options by ONNX Runtime's names: trt_* go to the TensorRT provider (trt_fp16_enable,
// trt_engine_cache_enable, trt_profile_min_shapes, ...: tensorrt_provider_options builds them from
// the seed's parameters), all others to the CUDA provider; device_id comes from the device.
#include <fmt/format.h>

#include <vector>

#include "backends/ort/ort_common.hpp"
#include "piu/tensorrt.hpp"

namespace piu::ort {

namespace {

bool is_tensorrt_option(const std::string& key) { return key.starts_with("trt_"); }

// TensorRT's provider first, then CUDA's: ONNX Runtime gives each node to the first provider that
// takes it.
void append_tensorrt_providers(Ort::SessionOptions& so, const SessionOptions& options) {
  ort_env();  // the providers' functions log through the environment's logger
  std::map<std::string, std::string> tensorrt, cuda;
  for (const auto& [key, value] : options.provider_options) (is_tensorrt_option(key) ? tensorrt : cuda)[key] = value;
  tensorrt["device_id"] = std::to_string(options.device.index);
  const OrtApi& api = Ort::GetApi();
  OrtTensorRTProviderOptionsV2* raw = nullptr;
  try {
    Ort::ThrowOnError(api.CreateTensorRTProviderOptions(&raw));
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kUnsupported,
                fmt::format("ONNX Runtime {} has no TensorRT provider ({})", Ort::GetVersionString(), ort_message(e)));
  }
  std::unique_ptr<OrtTensorRTProviderOptionsV2, void (*)(OrtTensorRTProviderOptionsV2*)> owner(
      raw, api.ReleaseTensorRTProviderOptions);
  update_provider_options(api.UpdateTensorRTProviderOptions, raw, tensorrt, "TensorRT");
  try {
    Ort::ThrowOnError(api.SessionOptionsAppendExecutionProvider_TensorRT_V2(so, raw));
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kUnsupported,
                fmt::format("device {}: ONNX Runtime {} cannot load its TensorRT provider: {}",
                            device_name(options.device), Ort::GetVersionString(), ort_message(e)));
  }
  append_cuda_provider(so, options.device, cuda);
}

// Refuses the CPU, then anything TensorRT lacks (check_tensorrt_health's one line), before the
// model is read.
void require_tensorrt(const SessionOptions& options) {
  if (options.device.kind != DeviceKind::kCuda)
    throw Error(ErrorCode::kBadInput, "backend 'tensorrt' runs on a CUDA device (--device cuda or cuda:N), not " +
                                          device_name(options.device));
  const TensorRtHealth health = check_tensorrt_health();
  if (!health.ok) throw Error(ErrorCode::kUnsupported, health.message());
}

BackendFactory tensorrt_backend() {
  BackendFactory f;
  f.name = "tensorrt";
  f.file_kinds = {".onnx"};
  f.chosen_by_name_only = true;
  f.create = [](const std::string& path, const SessionOptions& options) {
    require_tensorrt(options);
    return open_session(path, options, "tensorrt", append_tensorrt_providers);
  };
  f.create_from_model = [](const OnnxModel& model, const SessionOptions& options) {
    require_tensorrt(options);
    return open_session(model, options, "tensorrt", append_tensorrt_providers);
  };
  return f;
}

const bool registered = register_backend(tensorrt_backend());

}  // namespace

}  // namespace piu::ort

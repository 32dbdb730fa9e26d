// Versions of piu and of the components this build runs with (piu --version).
#include "piu/version.hpp"

#include <dlfcn.h>
#include <google/protobuf/stubs/common.h>
#include <onnx/common/version.h>
#include <onnxruntime_c_api.h>

#include <algorithm>

#include "piu/session.hpp"
#include "piu/tensorrt.hpp"

#define PIU_STRINGIFY_(x) #x
#define PIU_STRINGIFY(x) PIU_STRINGIFY_(x)

namespace piu {

std::string version() { return PIU_VERSION; }

std::vector<ComponentVersion> component_versions() {
  std::vector<ComponentVersion> out;
  // The execution providers the runtime library was built with ("CUDA, CPU" for the GPU build).
  std::string providers;
  const OrtApi* api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
  char** names = nullptr;
  int count = 0;
  if (OrtStatus* status = api ? api->GetAvailableProviders(&names, &count) : nullptr) {
    api->ReleaseStatus(status);
  } else if (api) {
    for (int i = 0; i < count; ++i) {
      std::string name = names[i];
      if (const size_t at = name.find("ExecutionProvider"); at != std::string::npos) name.erase(at);
      providers += (i ? ", " : "") + name;
    }
    if (OrtStatus* status = api->ReleaseAvailableProviders(names, count)) api->ReleaseStatus(status);
  }
  out.push_back({"ONNX Runtime", OrtGetApiBase()->GetVersionString(),
                 "runtime library; C API " + std::to_string(ORT_API_VERSION) + " headers; providers: " + providers});
  out.push_back({"ONNX", ONNX_VERSION_STRING, "C++ library, namespace " PIU_STRINGIFY(ONNX_NAMESPACE)});
  out.push_back({"protobuf", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION), ""});
  // Loads libnvinfer only; what else the tensorrt backend needs is check_tensorrt_health's (piu doctor).
  const std::string tensorrt = tensorrt_version();
  out.push_back({"TensorRT", tensorrt.empty() ? "not found" : tensorrt,
                 tensorrt.empty() ? "no libnvinfer.so.10, .11 or .8 on the library path; piu doctor says what the "
                                    "tensorrt backend needs"
                                  : "libnvinfer, loaded at run time; piu doctor says whether the tensorrt backend "
                                    "can run"});
  const auto plugins = available_plugins();
  if (std::find(plugins.begin(), plugins.end(), "torch") == plugins.end()) {
#ifdef PIU_WITHOUT_TORCH
    out.push_back({"LibTorch", "not built", PIU_WITHOUT_TORCH});
#else
    out.push_back({"LibTorch", "not built", "configured with -DPIU_WITH_TORCH=OFF"});
#endif
  } else {
    try {
      load_plugin("torch");
      // The plugin states the LibTorch it was compiled against (src/backends/torch/torch_version.cpp).
      using VersionFn = const char* (*)();
      auto fn = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "piu_torch_version"));
      out.push_back({"LibTorch", fn ? fn() : "unknown", "torch plugin"});
    } catch (const Error& e) {  // built, but the plugin is missing or does not load here
      out.push_back({"LibTorch", "unavailable", e.what()});
    }
  }
  return out;
}

}  // namespace piu

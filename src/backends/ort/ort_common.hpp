// What the two ONNX Runtime backends share: "ort" (the CPU provider, or CUDA's) and "tensorrt"
// (TensorRT's provider, CUDA's as its fallback). One environment, one error funnel, one session
// class; each backend only says which execution providers a CUDA session gets.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "piu/session.hpp"

namespace piu {
class OnnxModel;
}

namespace piu::ort {

// The one funnel from ONNX Runtime errors to piu::Error: `context` then ONNX Runtime's message,
// with a code from ONNX Runtime's (invalid model or argument: kBadInput, missing file: kIo, ...).
Error ort_error(const Ort::Exception& e, const std::string& context);

// ONNX Runtime's message on one line, without the source location and function it names
// ("graph.cc:1441 onnxruntime::Graph::Graph(...)") or its closing period.
std::string ort_reason(const Ort::Exception& e);

// The funnel for errors while ONNX Runtime creates a session from a user's model (`model_name`: the
// file): what it rejects in the model (ORT_FAIL from its graph checks, invalid graph, argument or
// protobuf) is kBadInput "<model>: ONNX Runtime rejects the model: <reason>", ops it does not
// implement kUnsupported; failures of the runtime itself (runtime exception, engine or provider
// failure) stay kBackend.
Error ort_load_error(const Ort::Exception& e, const std::string& model_name);

// The process's ONNX Runtime environment, created on first use and never destroyed (see there).
Ort::Env& ort_env();

// ONNX Runtime's message without its closing period, to sit inside ours.
std::string ort_message(const Ort::Exception& e);

// Passes `values` to one of ONNX Runtime's Update*ProviderOptions functions (`update`) for
// `options`; throws kBadInput "<provider> provider options: <ONNX Runtime's reason>" when it refuses.
template <typename Update, typename Options>
void update_provider_options(Update update, Options* options, const std::map<std::string, std::string>& values,
                             std::string_view provider) {
  std::vector<const char*> keys, vals;
  for (const auto& [k, v] : values) {
    keys.push_back(k.c_str());
    vals.push_back(v.c_str());
  }
  try {
    Ort::ThrowOnError(update(options, keys.data(), vals.data(), keys.size()));
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kBadInput, std::string(provider) + " provider options: " + ort_message(e));
  }
}

// Adds ONNX Runtime's CUDA execution provider for `device` with `provider_options` (ONNX Runtime's
// names; device_id comes from `device`; use_tf32 is 0 unless given). Throws kUnsupported naming
// the runtime when it has no usable CUDA provider (a CPU build, or the provider library or the
// CUDA libraries it needs missing), and kBadInput for options it refuses.
void append_cuda_provider(Ort::SessionOptions& so, const Device& device,
                          const std::map<std::string, std::string>& provider_options);

// How a backend adds its execution providers for a CUDA device (options.device) to ONNX Runtime's
// session options. Never called for the CPU.
using AppendProviders = void (*)(Ort::SessionOptions& so, const SessionOptions& options);

// An ONNX Runtime session over the ONNX file at `path` (or an in-memory model), reporting `backend`
// as its backend name, with `append`'s providers on a CUDA device. Throws as Session::open does.
std::unique_ptr<Session> open_session(const std::string& path, const SessionOptions& options,
                                      const std::string& backend, AppendProviders append);
std::unique_ptr<Session> open_session(const OnnxModel& model, const SessionOptions& options, const std::string& backend,
                                      AppendProviders append);

}  // namespace piu::ort

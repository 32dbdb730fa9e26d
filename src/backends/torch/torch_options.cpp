// The torch plugin's backend options: one table of keys, each with the values it accepts.
#include "backends/torch/torch_options.hpp"

#include <algorithm>

namespace piu::torch_util {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

bool parse_flag(const std::string& key, const std::string& value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  throw Error(ErrorCode::kBadInput, "backend option " + key + "=" + value + ": expected 0 or 1");
}

DType parse_float_dtype(const std::string& value) {
  if (value == "float32" || value == "fp32") return DType::kFloat32;
  if (value == "float16" || value == "fp16" || value == "half") return DType::kFloat16;
  if (value == "bfloat16" || value == "bf16") return DType::kBFloat16;
  throw Error(ErrorCode::kBadInput, "backend option dtype=" + value + ": expected float32, float16 or bfloat16");
}

}  // namespace

const std::vector<std::string>& torchscript_option_keys() {
  static const std::vector<std::string> keys = {"channels_last", "cuda_graph", "cudnn_benchmark", "dtype", "tf32"};
  return keys;
}

const std::vector<std::string>& aoti_option_keys() {
  // A compiled package fixes its dtypes and layouts; what is left is the math of the LibTorch
  // kernels it calls (convolutions, matmuls) and capturing its run in a CUDA graph (for the one
  // shape of the first run, as for TorchScript).
  static const std::vector<std::string> keys = {"cuda_graph", "cudnn_benchmark", "tf32"};
  return keys;
}

BackendOptions parse_backend_options(const std::string& backend, const SessionOptions& options,
                                     const std::vector<std::string>& known) {
  BackendOptions out;
  if (options.provider_options.empty()) return out;
  if (options.device.kind == DeviceKind::kCpu)
    throw Error(ErrorCode::kBadInput, "provider options apply to a GPU device (cuda:N), not the CPU");
  for (const auto& [key, value] : options.provider_options) {
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw Error(ErrorCode::kBadInput,
                  "unknown " + backend + " backend option '" + key + "' (known: " + joined(known) + ")");
    if (key == "dtype")
      out.dtype = parse_float_dtype(value);
    else if (key == "channels_last")
      out.channels_last = parse_flag(key, value);
    else if (key == "cuda_graph")
      out.cuda_graph = parse_flag(key, value);
    else if (key == "tf32")
      out.tf32 = parse_flag(key, value);
    else if (key == "cudnn_benchmark")
      out.cudnn_benchmark = parse_flag(key, value);
  }
  return out;
}

}  // namespace piu::torch_util

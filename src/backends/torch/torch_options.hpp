// The torch plugin's backend options (SessionOptions::provider_options), parsed and validated once
// when a session opens. Torch-free: the values are piu types.
#pragma once

#include <string>
#include <vector>

#include "piu/core.hpp"
#include "piu/session.hpp"

namespace piu::torch_util {

struct BackendOptions {
  DType dtype = DType::kFloat32;  // dtype=float32|float16|bfloat16: weights and float inputs cast
  bool channels_last = false;     // channels_last=0|1: 4-D weights and inputs in NHWC memory
  bool cuda_graph = false;        // cuda_graph=0|1: capture on the first run, replay after
  bool tf32 = false;              // tf32=0|1: TensorFloat-32 in float32 convolutions and matmuls
  bool cudnn_benchmark = false;   // cudnn_benchmark=0|1: cuDNN times its algorithms per shape
};

// Parses `options.provider_options` for `backend` ("torch" or "aoti"), which accepts the keys in
// `known`. Throws kBadInput for options given on the CPU (they apply to a GPU device), an unknown
// key (naming the known ones) or a bad value (naming the accepted ones).
BackendOptions parse_backend_options(const std::string& backend, const SessionOptions& options,
                                     const std::vector<std::string>& known);

// The keys each backend accepts.
const std::vector<std::string>& torchscript_option_keys();
const std::vector<std::string>& aoti_option_keys();

}  // namespace piu::torch_util

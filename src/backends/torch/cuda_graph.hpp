// A model's forward pass captured in one CUDA graph and replayed: the torch plugin's backends
// (TorchScript and AOTInductor) run through it with the backend option cuda_graph=1. The CUDA types
// stay in cuda_graph.cpp, which compiles them only against a LibTorch with CUDA (PIU_TORCH_CUDA).
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "piu/core.hpp"

namespace piu::torch_util {

class CudaGraph {
 public:
  // The forward pass over tensors on the graph's device; returns its outputs, flattened.
  using Forward = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;
  // Turns a source tensor (staged(): on the device or page-locked host memory) into what the model
  // takes (its device, dtype and memory layout).
  using Prepare = std::function<at::Tensor(const at::Tensor&)>;

  // A graph for `model` (named in messages) on `device`, whose inputs are `input_names`. Throws
  // kUnsupported when the plugin was compiled without LibTorch's CUDA headers (PIU_TORCH_CUDA).
  // `relaxed_capture` lets the forward pass make CUDA calls that are unsafe during capture (event
  // queries) from this thread; otherwise they fail the capture.
  CudaGraph(std::string model, const Device& device, std::vector<std::string> input_names,
            bool relaxed_capture = false);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // The first call makes fixed input tensors like prepare(sources) (same shapes, dtypes, layouts),
  // runs `forward` a few times on a side stream (warmup) and captures it into the graph; every call
  // copies `sources` into the fixed inputs, replays the graph on the current stream and returns
  // copies of its outputs in `outputs_on`'s memory, ready when it returns. Calls take turns. Sources
  // of another shape or dtype than the first call's throw kBadInput naming the captured ones; a model
  // that cannot be captured throws kUnsupported with LibTorch's reason (on every later call too).
  // A TorchScript module whose capture fails is captured again with the executor's optimizations
  // off (the kernels eager PyTorch launches, without fusions compiled at run time).
  std::vector<Tensor> run(const std::vector<at::Tensor>& sources, const Prepare& prepare, const Forward& forward,
                          const Device& outputs_on);

 private:
  struct State;
  std::string capture(State& s, const Forward& forward, bool optimize) const;
  std::string model_;
  Device device_;
  std::vector<std::string> input_names_;
  bool relaxed_capture_ = false;
  std::mutex mutex_;
  std::unique_ptr<State> state_;
};

}  // namespace piu::torch_util

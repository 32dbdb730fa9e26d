// CUDA graph capture and replay of a model's forward pass (see cuda_graph.hpp). Graphs read and
// write fixed addresses: the inputs are copied into tensors made on the first run, the outputs the
// capture produced are rewritten by every replay and copied out before the next one starts.
#include "backends/torch/cuda_graph.hpp"

#include <torch/version.h>

#include "backends/torch/torch_io.hpp"
#include "backends/torch/torch_util.hpp"

#ifdef PIU_TORCH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#endif

namespace piu::torch_util {

#ifdef PIU_TORCH_CUDA

namespace {

// Runs before capture, so that one-time work (cuDNN and cuBLAS handles and workspaces, TorchScript's
// profiling runs and fusions, lazy module setup) is not in the graph. PyTorch's own recipe uses 3.
constexpr int kWarmupRuns = 3;

// Captures with errors for unsafe CUDA calls confined to this thread (LibTorch >= 2.1 lets us say
// so), so other threads' sessions may allocate and copy meanwhile; `relaxed` allows such calls
// (AOTInductor's runtime queries the event of its previous run before each run).
template <typename Graph>
void begin_capture(Graph& graph, bool relaxed) {
  if constexpr (requires { graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal); })
    graph.capture_begin({0, 0}, relaxed ? cudaStreamCaptureModeRelaxed : cudaStreamCaptureModeThreadLocal);
  else
    graph.capture_begin();
}

}  // namespace

struct CudaGraph::State {
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  std::vector<at::Tensor> inputs;   // fixed: the captured kernels read them
  std::vector<at::Tensor> outputs;  // fixed: every replay rewrites them
  std::vector<c10::ScalarType> source_dtypes;
  std::vector<std::vector<int64_t>> source_shapes;
  std::string failure;  // why capture failed, for every later call
};

CudaGraph::CudaGraph(std::string model, const Device& device, std::vector<std::string> input_names,
                     bool relaxed_capture)
    : model_(std::move(model)),
      device_(device),
      input_names_(std::move(input_names)),
      relaxed_capture_(relaxed_capture) {}

// Warms `forward` up and captures one call of it into a new graph in `s`, on the current (side)
// stream; returns "" or LibTorch's reason why capture failed. With `optimize` false the TorchScript
// executor runs the module's graph as it is (no profiling runs, no fused kernels compiled at run
// time): the same kernels eager PyTorch would launch, which capture where the executor's may not.
std::string CudaGraph::capture(State& s, const Forward& forward, bool optimize) const {
  const torch::jit::GraphOptimizerEnabledGuard executor(optimize);
  for (int i = 0; i < kWarmupRuns; ++i) forward(s.inputs);
  s.graph = std::make_unique<at::cuda::CUDAGraph>();
  bool capturing = false;
  try {
    begin_capture(*s.graph, relaxed_capture_);
    capturing = true;
    s.outputs = forward(s.inputs);
    capturing = false;
    s.graph->capture_end();
    return "";
  } catch (const std::exception& e) {
    if (capturing) {
      try {
        s.graph->capture_end();  // ends the invalidated capture, so the stream works again
      } catch (const std::exception&) {
      }
    }
    s.graph.reset();
    s.outputs.clear();
    return reason_line(exception_text(e));
  }
}

CudaGraph::~CudaGraph() = default;

std::vector<Tensor> CudaGraph::run(const std::vector<at::Tensor>& sources, const Prepare& prepare,
                                   const Forward& forward, const Device& outputs_on) {
  std::lock_guard<std::mutex> lock(mutex_);
  const c10::cuda::CUDAGuard device_guard(static_cast<c10::DeviceIndex>(device_.index));
  const at::cuda::CUDAStream current = at::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device_.index));
  if (state_ && !state_->failure.empty()) throw Error(ErrorCode::kUnsupported, state_->failure);
  if (!state_) {
    auto s = std::make_unique<State>();
    for (const at::Tensor& source : sources) {
      const at::Tensor prepared = prepare(source);
      s->inputs.push_back(at::empty_like(prepared).copy_(prepared));  // empty_like keeps the layout
      s->source_dtypes.push_back(source.scalar_type());
      s->source_shapes.push_back(source.sizes().vec());
    }
    // Warmup and capture on a side stream (capture cannot use the default stream), after the copies
    // above; the current stream's work goes on after the side stream's. Once per session, so plain
    // waits will do (and keep the headers needed to the CUDA runtime's).
    const at::cuda::CUDAStream side = at::cuda::getStreamFromPool(false, static_cast<c10::DeviceIndex>(device_.index));
    current.synchronize();
    {
      const c10::cuda::CUDAStreamGuard on_side(side);
      // A model that fails here fails the same way without a graph: its error goes out as it is,
      // and the next call tries again. A capture that fails with the executor's optimizations is
      // tried once more without them.
      std::string reason = capture(*s, forward, /*optimize=*/true);
      if (!reason.empty()) {
        const std::string plain = capture(*s, forward, /*optimize=*/false);
        if (!plain.empty()) {
          s->failure = model_ + ": cuda_graph=1: LibTorch cannot capture the model in a CUDA graph: " + reason +
                       (plain == reason ? "" : " (without the executor's optimizations: " + plain + ")");
          state_ = std::move(s);
          throw Error(ErrorCode::kUnsupported, state_->failure);
        }
      }
    }
    side.synchronize();
    state_ = std::move(s);
  }
  State& s = *state_;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i].sizes().vec() == s.source_shapes[i] && sources[i].scalar_type() == s.source_dtypes[i]) continue;
    const auto describe = [](c10::ScalarType t, at::IntArrayRef sizes) {
      return std::string(dtype_name(from_torch(t))) + " " + shape_to_string(Shape(sizes.begin(), sizes.end()));
    };
    throw Error(ErrorCode::kBadInput, "input '" + input_names_.at(i) + "': the CUDA graph of " + model_ +
                                          " was captured for " + describe(s.source_dtypes[i], s.source_shapes[i]) +
                                          ", given " + describe(sources[i].scalar_type(), sources[i].sizes()) +
                                          " (a session with cuda_graph=1 runs one shape)");
  }
  // copy_ converts to the fixed input's dtype and layout on the way.
  for (size_t i = 0; i < sources.size(); ++i) s.inputs[i].copy_(sources[i], /*non_blocking=*/true);
  s.graph->replay();
  std::vector<Tensor> out;
  out.reserve(s.outputs.size());
  for (const at::Tensor& o : s.outputs)  // on the device: a copy, or the next replay overwrites it
    out.push_back(to_piu(outputs_on.kind == DeviceKind::kCpu ? o : o.clone(at::MemoryFormat::Contiguous), outputs_on));
  return out;
}

#else  // LibTorch without CUDA: no graphs

struct CudaGraph::State {};

CudaGraph::CudaGraph(std::string model, const Device&, std::vector<std::string>, bool) {
  throw Error(ErrorCode::kUnsupported, model + ": cuda_graph=1: the torch plugin was built against LibTorch " +
                                           TORCH_VERSION + " without CUDA, so it has no CUDA graphs");
}

CudaGraph::~CudaGraph() = default;

std::vector<Tensor> CudaGraph::run(const std::vector<at::Tensor>&, const Prepare&, const Forward&, const Device&) {
  throw Error(ErrorCode::kInternal, model_ + ": CUDA graphs are not built in");
}

#endif

}  // namespace piu::torch_util

// The LibTorch backend: runs TorchScript modules (torch.jit.trace / torch.jit.script output) on the
// CPU or on a CUDA device. Built into the plugin libpiu_torch.so, so that only commands that open a
// TorchScript file load LibTorch.
//
// On CUDA (SessionOptions::device cuda:N) the module's tensors are loaded onto the device and the
// module is frozen; host inputs reach it through page-locked memory, device inputs are read where
// they are. Backend options (provider_options): dtype (weights and float inputs cast; outputs come
// in the module's dtype), channels_last (4-D weights and inputs), cuda_graph (capture on the first
// run, replay after), tf32 and cudnn_benchmark (LibTorch's process-wide switches: the last session
// opened sets them).
#include <ATen/Parallel.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <memory>
#include <mutex>

#include "backends/torch/cuda_graph.hpp"
#include "backends/torch/torch_io.hpp"
#include "backends/torch/torch_options.hpp"
#include "backends/torch/torch_util.hpp"
#include "piu/session.hpp"

namespace piu {

namespace {

using torch_util::BackendOptions;

class TorchSession final : public Session {
 public:
  // Opens the file `path`, or `bytes` when given (`path` then only names them).
  TorchSession(const std::string& path, const SessionOptions& options, const std::string* bytes = nullptr) {
    path_ = path;
    device_ = options.device;
    // Options first, then the device: a wrong option is the same mistake with or without a GPU.
    options_ = torch_util::parse_backend_options("torch", options, torch_util::torchscript_option_keys());
    torch_util::require_device(device_);
    module_ = torch_util::load_module(path, bytes, torch_util::torch_device(device_));
    if (device_.kind == DeviceKind::kCpu)
      prepare_for_cpu(options);
    else
      prepare_for_cuda(options);
    describe_io();
    if (options_.cuda_graph) {
      std::vector<std::string> names;
      for (const auto& i : inputs_) names.push_back(i.name);
      graph_ = std::make_unique<torch_util::CudaGraph>(path_, device_, names);
    }
  }

  std::string backend() const override { return "torch"; }

 protected:
  std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs, Device outputs_on) const override {
    c10::InferenceMode guard;
    try {
      if (device_.kind == DeviceKind::kCpu) {
        std::vector<at::Tensor> args;
        // Borrowed, then cloned: a module that writes to its input cannot change the caller's.
        for (const Tensor& t : inputs) args.push_back(torch_util::borrow(t).clone());
        return to_piu(forward(args), outputs_on);
      }
      const c10::DeviceGuard device_guard(torch_util::torch_device(device_));
      std::vector<at::Tensor> sources;
      for (const Tensor& t : inputs) sources.push_back(torch_util::staged(t, device_));
      const auto prepare = [this](const at::Tensor& source) { return prepared(source); };
      const auto run = [this](const std::vector<at::Tensor>& args) { return forward(args); };
      if (graph_) return graph_->run(sources, prepare, run, outputs_on);
      std::vector<at::Tensor> args;
      for (const at::Tensor& s : sources) args.push_back(prepared(s));
      return to_piu(forward(args), outputs_on);
    } catch (const std::exception& e) {
      throw torch_util::run_error(e, path_);
    }
  }

 private:
  // What production inference with LibTorch does on the CPU (torch.jit.optimize_for_inference):
  // freeze the parameters into the graph, fold Conv+BN, fuse what the CPU kernels fuse. Unless the
  // user asks for the module as it is (graph optimizations disabled).
  void prepare_for_cpu(const SessionOptions& options) {
    if (options.graph_optimization != GraphOptimization::kDisabled) {
      try {
        module_ = torch::jit::optimize_for_inference(module_);
      } catch (const c10::Error&) {
        // Modules that cannot be frozen (e.g. attributes mutated in forward) run as they are.
      }
    }
    if (options.intra_op_num_threads > 0) at::set_num_threads(options.intra_op_num_threads);
    if (options.inter_op_num_threads > 0) {
      static std::once_flag once;  // LibTorch allows setting it once per process
      std::call_once(once, [&] { at::set_num_interop_threads(options.inter_op_num_threads); });
    }
  }

  // On CUDA: weights cast and laid out as the options say, then frozen (Conv+BN folded, parameters
  // constants of the graph). optimize_for_inference is not used: its rewrites are for CPU kernels.
  void prepare_for_cuda(const SessionOptions& options) {
    {
      torch::NoGradGuard no_grad;
      const auto adjust = [&](at::Tensor t) {
        if (options_.dtype != DType::kFloat32 && at::isFloatingType(t.scalar_type()))
          t.set_data(t.to(torch_util::to_torch(options_.dtype)));
        if (options_.channels_last && t.dim() == 4) t.set_data(t.contiguous(at::MemoryFormat::ChannelsLast));
      };
      for (const at::Tensor& p : module_.parameters()) adjust(p);
      for (const at::Tensor& b : module_.buffers()) adjust(b);
    }
    torch_util::apply_cuda_switches(options_);
    if (options.graph_optimization != GraphOptimization::kDisabled) {
      try {
        module_ = torch::jit::freeze(module_);
      } catch (const c10::Error&) {
        // As on the CPU: a module that cannot be frozen runs as it is.
      }
    }
    for (const auto& m : module_.modules())
      for (const auto& method : m.get_methods()) {
        set_convolution_flags(method.graph()->block(), *method.graph());
        keep_integer_scalars_on_the_host(method.graph()->block(), *method.graph());
      }
  }

  // Loading onto the device moves every tensor constant of the code there, including the 0-d
  // integers a trace records for size arithmetic (`h // patch` becomes floor_divide(NumToTensor(size),
  // 8) and then aten::Int): on the device that arithmetic ends in a copy back to the host every run,
  // a synchronization that also makes the run impossible to capture in a CUDA graph (a traced
  // ViT-B/16: "operation not permitted when stream is capturing"). 0-d integer constants go back to
  // the host: element-wise ops take host scalars beside device tensors, and size arithmetic stays on
  // the host as in eager PyTorch.
  static void keep_integer_scalars_on_the_host(torch::jit::Block* block, torch::jit::Graph& graph) {
    std::vector<torch::jit::Node*> moved;
    for (torch::jit::Node* node : block->nodes()) {
      for (torch::jit::Block* inner : node->blocks()) keep_integer_scalars_on_the_host(inner, graph);
      if (node->kind() != c10::prim::Constant || node->outputs().size() != 1) continue;
      const auto value = torch::jit::toIValue(node->output());
      if (!value || !value->isTensor()) continue;
      const at::Tensor& t = value->toTensor();
      if (t.dim() == 0 && !t.is_cpu() && at::isIntegralType(t.scalar_type(), /*includeBool=*/true))
        moved.push_back(node);
    }
    for (torch::jit::Node* node : moved) {
      torch::jit::WithInsertPoint here(node);
      torch::jit::Value* host = graph.insertConstant(torch::jit::toIValue(node->output())->toTensor().cpu());
      node->output()->replaceAllUsesWith(host);
      node->destroy();
    }
  }

  // A traced convolution is aten::_convolution with cuDNN's switches as constants (benchmark,
  // deterministic, cudnn_enabled, allow_tf32): the values the tracing process had, TensorFloat-32
  // on by PyTorch's default. They win over the process-wide switches, so the session's tf32 and
  // cudnn_benchmark options are written into them (found on the GPU machine: a traced ResNet-18
  // differed from the CPU by 3.3e-4 of its output scale with tf32 off).
  void set_convolution_flags(torch::jit::Block* block, torch::jit::Graph& graph) const {
    static const c10::Symbol convolution = c10::Symbol::fromQualString("aten::_convolution");
    for (torch::jit::Node* node : block->nodes()) {
      for (torch::jit::Block* inner : node->blocks()) set_convolution_flags(inner, graph);
      if (node->kind() != convolution || node->inputs().size() != 13) continue;
      torch::jit::WithInsertPoint here(node);
      node->replaceInput(9, graph.insertConstant(options_.cudnn_benchmark));
      node->replaceInput(12, graph.insertConstant(options_.tf32));
    }
  }

  void describe_io() {
    const auto& schema = module_.get_method("forward").function().getSchema();
    const auto& args = schema.arguments();
    for (size_t i = 1; i < args.size(); ++i) {  // argument 0 is `self`
      TensorInfo info;
      info.name = args[i].name();
      // A number argument (a sample rate: `sr: int`) is fed as a 0-d tensor of its kind, as the
      // exporter declares it; forward() gets the number.
      const c10::TypeKind kind = args[i].type()->kind();
      if (kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType || kind == c10::TypeKind::BoolType) {
        info.dtype = kind == c10::TypeKind::IntType     ? DType::kInt64
                     : kind == c10::TypeKind::FloatType ? DType::kFloat32
                                                        : DType::kBool;
        number_args_.push_back(kind);
        inputs_.push_back(info);  // shape {}: rank known, a scalar
        continue;
      }
      if (!args[i].type()->cast<c10::TensorType>())
        throw Error(ErrorCode::kUnsupported, path_ + ": forward() argument '" + args[i].name() + "' is a " +
                                                 args[i].type()->annotation_str() +
                                                 "; the torch backend feeds tensors and numbers only");
      info.rank_known = false;  // TorchScript records no input shapes
      number_args_.push_back(c10::TypeKind::TensorType);
      inputs_.push_back(info);
    }
    const auto& returns = schema.returns();
    size_t n_out = 1;
    std::vector<std::string> keys;  // a returned dict's keys (segmentation models return {"out": ...})
    if (returns.size() == 1) {
      if (auto tuple = returns[0].type()->cast<c10::TupleType>()) n_out = tuple->elements().size();
      if (returns[0].type()->cast<c10::DictType>()) {
        const auto graph = module_.get_method("forward").graph();
        const torch::jit::Node* made = graph->outputs()[0]->node();
        if (made->kind() == c10::prim::DictConstruct) {
          for (size_t i = 0; i + 1 < made->inputs().size(); i += 2) {
            const auto key = torch::jit::toIValue(made->inputs()[i]);
            keys.push_back(key && key->isString() ? key->toStringRef() : "output_" + std::to_string(i / 2));
          }
          n_out = keys.size();
        }
      }
    }
    for (size_t i = 0; i < n_out; ++i) {
      TensorInfo info;
      info.name = !keys.empty() ? keys[i] : n_out == 1 ? "output" : "output_" + std::to_string(i);
      info.rank_known = false;
      outputs_.push_back(info);
    }
  }

  // A source tensor (staged(): on the device, or page-locked on the host) as the module takes it:
  // on its device, float inputs in its dtype, 4-D inputs channels-last when asked. No copy when it
  // is that already (a device input is read in place).
  at::Tensor prepared(const at::Tensor& source) const {
    const c10::ScalarType dtype = options_.dtype != DType::kFloat32 && at::isFloatingType(source.scalar_type())
                                      ? torch_util::to_torch(options_.dtype)
                                      : source.scalar_type();
    const at::MemoryFormat format =
        options_.channels_last && source.dim() == 4 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Preserve;
    return source.to(torch_util::torch_device(device_), dtype, /*non_blocking=*/true, /*copy=*/false, format);
  }

  // The module's forward pass; its outputs (a tensor, a tuple's or a dict's values in order) flattened.
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& args) const {
    std::vector<c10::IValue> values(args.begin(), args.end());
    for (size_t i = 0; i < values.size() && i < number_args_.size(); ++i) {
      const c10::TypeKind kind = number_args_[i];
      if (kind == c10::TypeKind::TensorType) continue;
      if (args[i].numel() != 1)
        throw Error(ErrorCode::kBadInput, path_ + ": forward() argument '" + inputs_[i].name + "' is a number; got " +
                                              std::to_string(args[i].numel()) + " values");
      if (kind == c10::TypeKind::IntType) values[i] = args[i].item<int64_t>();
      else if (kind == c10::TypeKind::FloatType) values[i] = args[i].item<double>();
      else values[i] = args[i].item<bool>();
    }
    const c10::IValue result = const_cast<torch::jit::Module&>(module_).forward(values);
    std::vector<c10::IValue> items;
    if (result.isTuple())
      items = result.toTupleRef().elements().vec();
    else if (result.isGenericDict())
      for (const auto& kv : result.toGenericDict()) items.push_back(kv.value());  // insertion order
    else
      items.push_back(result);
    std::vector<at::Tensor> out;
    for (size_t i = 0; i < items.size(); ++i) {
      // A returned number (a loop's count) as a 0-d tensor, typed as the exporter types it.
      if (items[i].isInt()) items[i] = at::scalar_tensor(items[i].toInt(), at::kLong);
      else if (items[i].isDouble()) items[i] = at::scalar_tensor(items[i].toDouble(), at::kFloat);
      else if (items[i].isBool()) items[i] = at::scalar_tensor(items[i].toBool(), at::kBool);
      if (!items[i].isTensor())
        throw Error(ErrorCode::kUnsupported, path_ + ": output " + std::to_string(i) + " is a " + items[i].tagKind() +
                                                 "; the torch backend returns tensors and numbers only");
      out.push_back(items[i].toTensor());
    }
    return out;
  }

  static std::vector<Tensor> to_piu(const std::vector<at::Tensor>& outputs, const Device& outputs_on) {
    std::vector<Tensor> out;
    out.reserve(outputs.size());
    for (const at::Tensor& t : outputs) out.push_back(torch_util::to_piu(t, outputs_on));
    return out;
  }

  torch::jit::Module module_;
  std::vector<c10::TypeKind> number_args_;  // per input: TensorType, or the number type forward() takes
  BackendOptions options_;
  std::unique_ptr<torch_util::CudaGraph> graph_;  // with cuda_graph=1
};

// TorchScript files by name, and any other zip archive but an AOTInductor package (.pt2, the aoti
// backend's) by content: torch.jit.save writes zip archives.
BackendFactory torch_backend() {
  BackendFactory f;
  f.name = "torch";
  f.file_kinds = torchscript_file_kinds();
  f.create = [](const std::string& path, const SessionOptions& options) -> std::unique_ptr<Session> {
    return std::make_unique<TorchSession>(path, options);
  };
  f.create_from_bytes = [](const ModelBytes& model, const SessionOptions& options) -> std::unique_ptr<Session> {
    return std::make_unique<TorchSession>(model.name, options, model.bytes.get());
  };
  f.recognizes = [](const std::string& path) { return !path.ends_with(".pt2") && torch_util::looks_like_zip(path); };
  return f;
}

const bool registered = register_backend(torch_backend());

}  // namespace

}  // namespace piu

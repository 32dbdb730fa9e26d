// The LibTorch backend (CPU): runs TorchScript modules (torch.jit.trace / torch.jit.script output).
// Built into the plugin libpiu_torch.so, so that only commands that open a TorchScript file load
// LibTorch.
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cstring>
#include <fstream>
#include <mutex>

#include "backends/torch/torch_util.hpp"
#include "piu/session.hpp"

namespace piu {

namespace {

using torch_util::first_line;
using torch_util::from_torch;
using torch_util::looks_like_zip;
using torch_util::to_torch;

class TorchSession final : public Session {
 public:
  // Opens the file `path`, or `bytes` when given (`path` then only names them).
  TorchSession(const std::string& path, const SessionOptions& options, const std::string* bytes = nullptr) {
    path_ = path;
    if (options.device.kind != DeviceKind::kCpu)
      throw Error(ErrorCode::kUnsupported, "the torch backend runs on the CPU only for now");
    module_ = torch_util::load_module(path, bytes);
    // What production inference with LibTorch does (torch.jit.optimize_for_inference): freeze the
    // parameters into the graph, fold Conv+BN, fuse what the CPU kernels fuse. Unless the user asks
    // for the module as it is (graph optimizations disabled).
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

    const auto& schema = module_.get_method("forward").function().getSchema();
    const auto& args = schema.arguments();
    for (size_t i = 1; i < args.size(); ++i) {  // argument 0 is `self`
      if (!args[i].type()->cast<c10::TensorType>())
        throw Error(ErrorCode::kUnsupported, path + ": forward() argument '" + args[i].name() + "' is a " +
                                                 args[i].type()->annotation_str() +
                                                 "; the torch backend feeds tensors only");
      TensorInfo info;
      info.name = args[i].name();
      info.rank_known = false;  // TorchScript records no input shapes
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

  std::string backend() const override { return "torch"; }

 protected:
  std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs, Device) const override {
    c10::InferenceMode guard;
    std::vector<c10::IValue> args;
    args.reserve(inputs.size());
    for (const auto& t : inputs) {
      std::vector<int64_t> sizes(t.shape().begin(), t.shape().end());
      // Borrowed, not copied; cloned so a module that writes to its input cannot change the caller's.
      args.emplace_back(
          torch::from_blob(const_cast<void*>(t.data()), sizes, torch::TensorOptions().dtype(to_torch(t.dtype())))
              .clone());
    }
    c10::IValue result;
    try {
      result = const_cast<torch::jit::Module&>(module_).forward(args);
    } catch (const c10::Error& e) {
      throw Error(ErrorCode::kBackend, path_ + ": libtorch: " + first_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kBackend, path_ + ": libtorch: " + first_line(e.what()));
    }
    std::vector<c10::IValue> values;
    if (result.isTuple())
      values = result.toTupleRef().elements().vec();
    else if (result.isGenericDict())
      for (const auto& kv : result.toGenericDict()) values.push_back(kv.value());  // insertion order
    else
      values.push_back(result);
    std::vector<Tensor> out;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].isTensor())
        throw Error(ErrorCode::kUnsupported, path_ + ": output " + std::to_string(i) + " is a " +
                                                 values[i].tagKind() + "; the torch backend returns tensors only");
      auto t = std::make_shared<at::Tensor>(values[i].toTensor().contiguous());
      const Shape shape(t->sizes().begin(), t->sizes().end());
      void* data = t->data_ptr();
      out.push_back(Tensor::adopt(std::shared_ptr<void>(t, data), data, from_torch(t->scalar_type()), shape));
    }
    return out;
  }

 private:
  torch::jit::Module module_;
};

// TorchScript files by name, and any zip archive (torch.jit.save writes one) by content.
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
  f.recognizes = looks_like_zip;
  return f;
}

const bool registered = register_backend(torch_backend());

}  // namespace

}  // namespace piu

// The AOTInductor backend ("aoti"): runs packages that torch._inductor.aoti_compile_and_package
// writes (.pt2: a zip archive holding the model compiled to a shared library, its weights and its
// call spec), through LibTorch's AOTIModelPackageLoader (LibTorch 2.6 or newer). A package runs on
// the device kind it was compiled for. Registered by the torch plugin beside the torch backend.
#include <torch/version.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "backends/torch/cuda_graph.hpp"
#include "backends/torch/pytree_spec.hpp"
#include "backends/torch/torch_io.hpp"
#include "backends/torch/torch_options.hpp"
#include "backends/torch/torch_util.hpp"
#include "piu/session.hpp"

#if __has_include(<torch/csrc/inductor/aoti_package/model_package_loader.h>)
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#define PIU_AOTI_LOADER 1
#endif

namespace piu {

namespace {

#ifdef PIU_AOTI_LOADER

using Loader = torch::inductor::AOTIModelPackageLoader;
constexpr const char* kModelName = "model";  // what aoti_compile_and_package names a package's model

// The package's metadata, read without loading its library where this LibTorch's loader can
// (load_metadata_from_package); empty otherwise (then it is checked after loading).
template <typename L>
std::unordered_map<std::string, std::string> metadata_before_loading(const std::string& path) {
  if constexpr (requires { L::load_metadata_from_package(path, std::string(kModelName)); })
    return L::load_metadata_from_package(path, kModelName);
  else
    return {};
}

// A loader for the package's model on `device`. A loader that takes no device index (older
// LibTorch) loads CUDA packages on the current device, which is cuda:0 here.
template <typename L>
std::unique_ptr<L> load_package(const std::string& path, const Device& device) {
  constexpr bool takes_device = std::is_constructible_v<L, std::string, std::string, bool, size_t, c10::DeviceIndex>;
  if constexpr (takes_device) {
    const auto index = static_cast<c10::DeviceIndex>(device.kind == DeviceKind::kCpu ? -1 : device.index);
    return std::make_unique<L>(path, kModelName, /*run_single_threaded=*/false, /*num_runners=*/1, index);
  } else {
    if (device.kind == DeviceKind::kCuda && device.index != 0)
      throw Error(ErrorCode::kUnsupported,
                  path + ": LibTorch " TORCH_VERSION " loads AOTInductor packages on cuda:0 only");
    return std::make_unique<L>(path, kModelName);
  }
}

#endif

class AotiSession final : public Session {
 public:
  AotiSession(const std::string& path, const SessionOptions& options) {
    path_ = path;
    device_ = options.device;
    options_ = torch_util::parse_backend_options("aoti", options, torch_util::aoti_option_keys());
    if (!torch_util::looks_like_zip(path))
      throw Error(ErrorCode::kBadInput, path +
                                            ": not an AOTInductor package (a zip archive written by "
                                            "torch._inductor.aoti_compile_and_package)");
#ifndef PIU_AOTI_LOADER
    throw Error(ErrorCode::kUnsupported,
                path +
                    ": AOTInductor packages need LibTorch 2.6 or newer (its AOTIModelPackageLoader, "
                    "torch/csrc/inductor/aoti_package/model_package_loader.h); the torch plugin was built against "
                    "LibTorch " TORCH_VERSION);
#else
    torch_util::silence_warnings();
    // A package reads its inputs as the shapes it was compiled for, whatever they are, unless its
    // generated checks (dtype, every dim, device) are switched on: a few comparisons per run, read
    // once per package on its first run. A user's AOTI_RUNTIME_CHECK_INPUTS=0 is kept.
    setenv("AOTI_RUNTIME_CHECK_INPUTS", "1", /*overwrite=*/0);
    try {
      check_device(metadata_before_loading<Loader>(path));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw not_a_package(e);
    }
    torch_util::require_device(device_);
    if (device_.kind == DeviceKind::kCuda) torch_util::apply_cuda_switches(options_);
    try {
      loader_ = load_package<Loader>(path, device_);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw not_a_package(e);
    }
    check_device(loader_->get_metadata());
    describe_io();
    if (options_.cuda_graph) {
      std::vector<std::string> names;
      for (const auto& i : inputs_) names.push_back(i.name);
      // Relaxed: the package's runtime queries the event of its previous run before each run.
      graph_ = std::make_unique<torch_util::CudaGraph>(path_, device_, names, /*relaxed_capture=*/true);
    }
#endif
  }

  std::string backend() const override { return "aoti"; }

 protected:
  std::vector<Tensor> run_validated(const std::vector<Tensor>& inputs, Device outputs_on) const override {
#ifdef PIU_AOTI_LOADER
    c10::InferenceMode guard;
    try {
      const c10::DeviceGuard device_guard(torch_util::torch_device(device_));
      std::vector<at::Tensor> sources;
      for (const Tensor& t : inputs) sources.push_back(torch_util::staged(t, device_));
      const c10::Device device = torch_util::torch_device(device_);
      const auto prepare = [&](const at::Tensor& s) { return s.to(device, s.scalar_type(), true); };
      if (graph_) {
        const auto run = [this](const std::vector<at::Tensor>& args) { return loader_->run(args); };
        return graph_->run(sources, prepare, run, outputs_on);
      }
      std::vector<at::Tensor> args;
      for (const at::Tensor& s : sources) args.push_back(prepare(s));
      std::vector<Tensor> out;
      for (const at::Tensor& t : loader_->run(args)) out.push_back(torch_util::to_piu(t, outputs_on));
      return out;
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      // The runtime prints its reason (e.g. "input_handles[0]: unmatched dim value at 0, expected: 2,
      // but got: 1") and returns a bare failure code, which LibTorch turns into "API call failed".
      if (torch_util::exception_text(e).find("API call failed") != std::string::npos)
        throw Error(ErrorCode::kBackend, path_ +
                                             ": the AOTInductor runtime refused the run (its reason is printed "
                                             "above; inputs must have the dtypes, shapes and device the "
                                             "package was compiled for)");
      throw torch_util::run_error(e, path_);
    }
#else
    (void)inputs;
    (void)outputs_on;
    throw Error(ErrorCode::kInternal, path_ + ": AOTInductor is not built in");
#endif
  }

 private:
#ifdef PIU_AOTI_LOADER
  Error not_a_package(const std::exception& e) const {
    return Error(ErrorCode::kBadInput,
                 path_ + ": LibTorch cannot load it as an AOTInductor package: " +
                     torch_util::first_line(torch_util::exception_text(e)) +
                     " (piu runs the .pt2 files torch._inductor.aoti_compile_and_package writes; torch.export.save's "
                     "hold a program still to be compiled)");
  }

  // A package runs on the device kind it was compiled for: the session's device must be of it.
  void check_device(const std::unordered_map<std::string, std::string>& metadata) const {
    const auto it = metadata.find("AOTI_DEVICE_KEY");
    if (it == metadata.end()) return;
    const std::string& compiled_for = it->second;  // "cpu", "cuda"
    const bool matches = compiled_for == (device_.kind == DeviceKind::kCpu ? "cpu" : "cuda");
    if (matches) return;
    if (compiled_for != "cpu" && compiled_for != "cuda")
      throw Error(ErrorCode::kUnsupported, path_ + " is compiled for " + compiled_for + ", which piu does not run");
    throw Error(ErrorCode::kBadInput, path_ + " is an AOTInductor package compiled for " + compiled_for +
                                          " and runs there only; the session asks for " + device_name(device_) +
                                          " (--device " + (compiled_for == "cpu" ? "cpu" : "cuda:N") + ")");
  }

  // The call spec records the pytree of the inputs (args, kwargs) and of the outputs; the model runs
  // on their leaves. Shapes and dtypes are not recorded: LibTorch's runner checks them.
  void describe_io() {
    std::vector<std::string> spec;
    try {
      spec = loader_->get_call_spec();
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kBadInput, path_ + ": cannot read the package's call spec: " +
                                            torch_util::first_line(torch_util::exception_text(e)));
    }
    if (spec.size() != 2)
      throw Error(ErrorCode::kBadInput, path_ + ": the package's call spec has " + std::to_string(spec.size()) +
                                            " entries, expected 2 (inputs and outputs)");
    for (const std::string& name : torch_util::pytree_leaf_names(spec[0], "input", path_ + ": input spec")) {
      TensorInfo info;
      info.name = name;
      info.rank_known = false;
      inputs_.push_back(info);
    }
    for (const std::string& name : torch_util::pytree_leaf_names(spec[1], "output", path_ + ": output spec")) {
      TensorInfo info;
      info.name = name;
      info.rank_known = false;
      outputs_.push_back(info);
    }
  }

  std::unique_ptr<Loader> loader_;
  std::unique_ptr<torch_util::CudaGraph> graph_;  // with cuda_graph=1
#endif
  torch_util::BackendOptions options_;
};

// AOTInductor packages by name: .pt2 (torch.export.save writes .pt2 files too, which the session
// then says it cannot run).
BackendFactory aoti_backend() {
  BackendFactory f;
  f.name = "aoti";
  f.file_kinds = {".pt2"};
  f.create = [](const std::string& path, const SessionOptions& options) -> std::unique_ptr<Session> {
    return std::make_unique<AotiSession>(path, options);
  };
  return f;
}

const bool registered = register_backend(aoti_backend());

}  // namespace

}  // namespace piu

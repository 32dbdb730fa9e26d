// Session: input validation shared by every backend, and the backend registry.
#include "piu/session.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

namespace piu {

namespace {

std::vector<BackendFactory>& registry() {
  static std::vector<BackendFactory> factories;
  return factories;
}
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

// A copy of the registry, so factories run without holding the lock.
std::vector<BackendFactory> registry_snapshot() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  return registry();
}

std::string known_backends() {
  std::string known;
  for (const auto& n : registered_backends()) known += (known.empty() ? "" : ", ") + n;
  return known;
}

std::string input_names(const std::vector<TensorInfo>& infos) {
  std::string s;
  for (const auto& i : infos) s += (s.empty() ? "" : ", ") + i.name;
  return s.empty() ? "(none)" : s;
}

}  // namespace

bool register_backend(BackendFactory factory) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  for (const auto& f : registry())
    if (f.name == factory.name) throw Error(ErrorCode::kInternal, "backend '" + factory.name + "' registered twice");
  registry().push_back(std::move(factory));
  return true;
}

std::vector<std::string> registered_backends() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& f : registry()) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> available_plugins() {
  std::vector<std::string> out;
#ifdef PIU_PLUGINS
  std::string list = PIU_PLUGINS;  // "torch,tensorrt", set by the build
  for (size_t start = 0; start <= list.size();) {
    const size_t end = std::min(list.find(',', start), list.size());
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
#endif
  return out;
}

bool load_plugin(const std::string& name) {
  static std::mutex m;
  static std::set<std::string> loaded;
  std::lock_guard<std::mutex> lock(m);
  if (loaded.count(name)) return true;
  const auto plugins = available_plugins();
  if (std::find(plugins.begin(), plugins.end(), name) == plugins.end()) return false;
  // Beside libpiu.so first (the build and install layouts), then the loader's search path.
  Dl_info info{};
  std::vector<std::string> candidates;
  const std::string file = "libpiu_" + name + ".so";
  if (dladdr(reinterpret_cast<void*>(&load_plugin), &info) && info.dli_fname)
    candidates.push_back((std::filesystem::path(info.dli_fname).parent_path() / file).string());
  candidates.push_back(file);
  std::string errors;
  for (const auto& c : candidates) {
    if (c.find('/') != std::string::npos && !std::filesystem::exists(c)) continue;
    if (dlopen(c.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
      loaded.insert(name);
      return true;
    }
    errors += std::string(errors.empty() ? "" : "; ") + dlerror();
  }
  throw Error(ErrorCode::kBackend, "cannot load the " + name + " plugin (" + file + "): " + errors);
}

std::unique_ptr<Session> Session::open(const std::string& path, const SessionOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(ErrorCode::kIo, "cannot open " + path + ": no such file");
  std::vector<BackendFactory> factories = registry_snapshot();
  const auto registered = [&](const std::string& name) {
    return std::any_of(factories.begin(), factories.end(), [&](const auto& f) { return f.name == name; });
  };
  if (options.backend != "auto" && !registered(options.backend) && load_plugin(options.backend))
    factories = registry_snapshot();
  if (options.backend == "auto" &&
      std::none_of(factories.begin(), factories.end(), [&](const auto& f) { return f.score(path, options) > 0; })) {
    for (const auto& p : available_plugins())  // a file no loaded backend opens may be a plugin's
      if (!registered(p)) load_plugin(p);
    factories = registry_snapshot();
  }
  if (options.backend != "auto") {
    for (const auto& f : factories)
      if (f.name == options.backend) {
        if (f.score(path, options) <= 0)
          throw Error(ErrorCode::kBadInput, "backend '" + f.name + "' cannot open " + path);
        return f.create(path, options);
      }
    throw Error(ErrorCode::kBadInput,
                "unknown backend '" + options.backend + "' (built with: " + known_backends() + ")");
  }
  const BackendFactory* best = nullptr;
  int best_score = 0;
  for (const auto& f : factories) {
    const int s = f.score(path, options);
    if (s > best_score) {
      best_score = s;
      best = &f;
    }
  }
  if (!best) throw Error(ErrorCode::kBadInput, "no backend opens " + path + " (built with: " + known_backends() + ")");
  return best->create(path, options);
}

std::unique_ptr<Session> Session::open(const OnnxModel& model, const SessionOptions& options) {
  for (const auto& f : registry_snapshot())
    if (f.create_from_model && (options.backend == "auto" || options.backend == f.name))
      return f.create_from_model(model, options);
  throw Error(ErrorCode::kBadInput, "no backend '" + options.backend + "' opens in-memory ONNX models");
}

size_t Session::input_index(const std::string& name) const {
  for (size_t i = 0; i < inputs_.size(); ++i)
    if (inputs_[i].name == name) return i;
  throw Error(ErrorCode::kBadInput,
              "model " + path_ + " has no input named '" + name + "' (inputs: " + input_names(inputs_) + ")");
}

std::vector<Tensor> Session::run(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != inputs_.size())
    throw Error(ErrorCode::kBadInput, "model " + path_ + " takes " + std::to_string(inputs_.size()) + " input(s) (" +
                                          input_names(inputs_) + "), given " + std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& want = inputs_[i];
    const Tensor& have = inputs[i];
    if (!have.defined()) throw Error(ErrorCode::kBadInput, "input '" + want.name + "' is an undefined tensor");
    if (!want.rank_known) continue;  // the model declares no shape or type (TorchScript): the runtime checks
    if (have.dtype() != want.dtype)
      throw Error(ErrorCode::kBadInput, "input '" + want.name + "' expects dtype " +
                                            std::string(dtype_name(want.dtype)) + ", given " +
                                            std::string(dtype_name(have.dtype())));
    bool ok = have.rank() == want.shape.size();
    for (size_t d = 0; ok && d < want.shape.size(); ++d) ok = want.shape[d] < 0 || want.shape[d] == have.dim(d);
    if (!ok)
      throw Error(ErrorCode::kBadInput, "input '" + want.name + "' expects shape " + shape_to_string(want.shape) +
                                            " (-1 = any), given " + shape_to_string(have.shape()));
  }
  return run_validated(inputs);
}

std::vector<Tensor> Session::run_named(const std::map<std::string, Tensor>& inputs) const {
  std::vector<Tensor> ordered(inputs_.size());
  for (const auto& [name, tensor] : inputs) ordered[input_index(name)] = tensor;
  for (size_t i = 0; i < ordered.size(); ++i)
    if (!ordered[i].defined())
      throw Error(ErrorCode::kBadInput, "input '" + inputs_[i].name + "' of model " + path_ + " was not given");
  return run(ordered);
}

}  // namespace piu

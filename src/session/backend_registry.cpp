// The backend registry: backends register a factory with the file kinds they open; Session::open
// picks one for a path from those, loading plugin backends (libpiu_<name>.so) on first need.
#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/checked.hpp"
#include "piu/session.hpp"

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

bool ends_with_any(const std::string& path, const std::vector<std::string>& endings) {
  return std::any_of(endings.begin(), endings.end(), [&](const std::string& e) { return path.ends_with(e); });
}

bool declares_or_recognizes(const BackendFactory& f, const std::string& path) {
  return ends_with_any(path, f.file_kinds) || (f.recognizes && f.recognizes(path));
}

// True when some backend in `factories` declares the file's kind or recognizes its content.
bool claimed(const std::vector<BackendFactory>& factories, const std::string& path) {
  return std::any_of(factories.begin(), factories.end(),
                     [&](const BackendFactory& f) { return declares_or_recognizes(f, path); });
}

// How well backend f fits a file: 3 = a kind it declares, 2 = content it recognizes, 1 = a file no
// backend claims that it tries anyway, 0 = it cannot open it (or not with these options).
int fit(const BackendFactory& f, const std::vector<BackendFactory>& factories, const std::string& path,
        const SessionOptions& options) {
  if (f.supports && !f.supports(options)) return 0;
  if (ends_with_any(path, f.file_kinds)) return 3;
  if (f.recognizes && f.recognizes(path)) return 2;
  return f.opens_unclaimed_files && !claimed(factories, path) ? 1 : 0;
}

// The registry after loading the plugins a path may need: the one `backend` names, and every plugin
// when no registered backend claims the file (it may be a plugin's kind).
std::vector<BackendFactory> factories_for(const std::string& path, const std::string& backend) {
  std::vector<BackendFactory> factories = registry_snapshot();
  const auto registered = [&](const std::string& name) {
    return std::any_of(factories.begin(), factories.end(), [&](const auto& f) { return f.name == name; });
  };
  if (backend != "auto" && !registered(backend) && load_plugin(backend)) factories = registry_snapshot();
  if (!claimed(factories, path)) {
    for (const auto& p : available_plugins())
      if (!registered(p)) load_plugin(p);
    factories = registry_snapshot();
  }
  return factories;
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

std::vector<std::string> backend_names() {
  std::set<std::string> names;
  for (const auto& n : registered_backends()) names.insert(n);
  for (const auto& n : available_plugins()) names.insert(n);
  for (const auto& [backend, plugin] : plugin_backends()) names.insert(backend);
  return {names.begin(), names.end()};
}

namespace {

// The items of a comma-separated list ("a,b" -> {"a", "b"}), empty items dropped.
std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= list.size();) {
    const size_t end = std::min(list.find(',', start), list.size());
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The plugin that registers backend `name`: the plugin of that name, or the one plugin_backends()
// names; "" when no plugin of this build does.
std::string plugin_registering(const std::string& name) {
  const auto plugins = available_plugins();
  if (std::find(plugins.begin(), plugins.end(), name) != plugins.end()) return name;
  for (const auto& [backend, plugin] : plugin_backends())
    if (backend == name) return plugin;
  return "";
}

}  // namespace

std::vector<std::string> available_plugins() {
#ifdef PIU_PLUGINS
  return split_list(PIU_PLUGINS);  // "torch,tensorrt", set by the build
#else
  return {};
#endif
}

std::vector<std::pair<std::string, std::string>> plugin_backends() {
  std::vector<std::pair<std::string, std::string>> out;
#ifdef PIU_PLUGIN_BACKENDS
  for (const std::string& item : split_list(PIU_PLUGIN_BACKENDS)) {  // "aoti:torch", set by the build
    const size_t colon = item.find(':');
    if (colon != std::string::npos) out.emplace_back(item.substr(0, colon), item.substr(colon + 1));
  }
#endif
  return out;
}

bool load_plugin(const std::string& backend) {
  static std::mutex m;
  static std::set<std::string> loaded;
  const std::string name = plugin_registering(backend);
  if (name.empty()) return false;
  std::lock_guard<std::mutex> lock(m);
  if (loaded.count(name)) return true;
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

const std::vector<std::string>& torchscript_file_kinds() {
  static const std::vector<std::string> kinds = {".pt", ".pth", ".ts", ".torchscript", ".jit"};
  return kinds;
}

bool is_torchscript_path(const std::string& path) { return ends_with_any(path, torchscript_file_kinds()); }

namespace {

// Thread counts past 4x the machine's cores only make threads (100,000 asked for gave 20,609 of
// them): refused for every caller (CLI, Python, library) before a backend starts its pools.
void check_thread_options(const SessionOptions& options) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const std::pair<const char*, int> counts[] = {{"intra_op_num_threads", options.intra_op_num_threads},
                                                {"inter_op_num_threads", options.inter_op_num_threads}};
  for (const auto& [name, n] : counts) {
    if (n < 0)
      throw Error(ErrorCode::kBadInput,
                  std::string(name) + " " + std::to_string(n) + " is negative (0 = let the runtime choose)");
    if (n > 4 * cores)
      throw Error(ErrorCode::kBadInput, std::string(name) + " " + std::to_string(n) + " is more than 4 x the " +
                                            std::to_string(cores) + " cores of this machine (at most " +
                                            std::to_string(4 * cores) + ")");
  }
}

}  // namespace

std::unique_ptr<Session> Session::open(const std::string& path, const SessionOptions& options) {
  check_thread_options(options);
  check_regular_file(path);
  const std::vector<BackendFactory> factories = factories_for(path, options.backend);
  if (options.backend != "auto") {
    for (const auto& f : factories)
      if (f.name == options.backend) {
        if (fit(f, factories, path, options) == 0)
          throw Error(ErrorCode::kBadInput, "backend '" + f.name + "' cannot open " + path);
        return f.create(path, options);
      }
    throw Error(ErrorCode::kBadInput,
                "unknown backend '" + options.backend + "' (built with: " + known_backends() + ")");
  }
  const BackendFactory* best = nullptr;
  int best_fit = 0;
  for (const auto& f : factories) {
    if (f.chosen_by_name_only) continue;
    const int s = fit(f, factories, path, options);
    if (s > best_fit) {
      best_fit = s;
      best = &f;
    }
  }
  if (!best) throw Error(ErrorCode::kBadInput, "no backend opens " + path + " (built with: " + known_backends() + ")");
  return best->create(path, options);
}

std::unique_ptr<Session> Session::open(const OnnxModel& model, const SessionOptions& options) {
  check_thread_options(options);
  for (const auto& f : registry_snapshot())
    if (f.create_from_model && (options.backend == f.name || (options.backend == "auto" && !f.chosen_by_name_only)))
      return f.create_from_model(model, options);
  throw Error(ErrorCode::kBadInput, "no backend '" + options.backend + "' opens in-memory ONNX models");
}

bool is_zip_archive(std::string_view bytes) { return bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4); }

std::unique_ptr<Session> Session::open(const ModelBytes& model, const SessionOptions& options) {
  check_thread_options(options);
  if (!model.bytes) throw Error(ErrorCode::kInternal, model.name + ": no bytes");
  std::string backend = options.backend;
  if (backend == "auto") backend = is_zip_archive(*model.bytes) ? "torch" : "ort";
  auto find = [&]() -> std::optional<BackendFactory> {
    for (auto& f : registry_snapshot())
      if (f.name == backend) return f;
    return std::nullopt;
  };
  std::optional<BackendFactory> f = find();
  if (!f && load_plugin(backend)) f = find();
  if (!f) throw Error(ErrorCode::kBadInput, "unknown backend '" + backend + "' (built with: " + known_backends() + ")");
  if (!f->create_from_bytes)
    throw Error(ErrorCode::kBadInput, "backend '" + backend + "' cannot open " + model.name + " from memory");
  return f->create_from_bytes(model, options);
}

namespace {
template <typename Open>
std::unique_ptr<Session> open_built(const Open& open) {
  try {
    return open();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kBadInput) throw;
    throw Error(ErrorCode::kInternal, std::string("a model piu built is refused (a piu bug): ") + e.what());
  }
}
}  // namespace

std::unique_ptr<Session> open_built_model(const std::string& path, const SessionOptions& options) {
  return open_built([&] { return Session::open(path, options); });
}

std::unique_ptr<Session> open_built_model(const OnnxModel& model, const SessionOptions& options) {
  return open_built([&] { return Session::open(model, options); });
}

}  // namespace piu

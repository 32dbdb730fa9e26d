// check_tensorrt_health: what the tensorrt backend needs, found by loading it (dlopen), and by
// reading which libraries ONNX Runtime's TensorRT provider library was linked against (the
// DT_NEEDED entries of its ELF dynamic section), so that the TensorRT asked for is the one that
// provider will load, not a guess.
#include <dlfcn.h>
#include <elf.h>
#include <fmt/format.h>
#include <onnxruntime_c_api.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "piu/cuda.hpp"
#include "piu/tensorrt.hpp"

namespace piu {

namespace {

namespace fs = std::filesystem;

constexpr const char* kProviderLibrary = "libonnxruntime_providers_tensorrt.so";
constexpr const char* kSharedProviderLibrary = "libonnxruntime_providers_shared.so";
// What ONNX Runtime 1.31's GPU build links (libnvinfer.so.10, checked in its wheel); asked for when
// there is no provider library to read it from.
constexpr int kDefaultTensorRtMajor = 10;

// Reads a fixed-size record at `offset`; false past the end of the file.
template <class T>
bool read_at(std::ifstream& in, uint64_t offset, T& out) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&out), sizeof out));
}

// The DT_NEEDED entries of a 64-bit ELF shared library ("libnvinfer.so.10", ...), in order; empty
// when the file is not one or cannot be read.
std::vector<std::string> needed_libraries(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!read_at(in, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_shentsize != sizeof(Elf64_Shdr))
    return {};
  const auto section = [&](uint64_t index, Elf64_Shdr& out) {
    return index < header.e_shnum && read_at(in, header.e_shoff + index * sizeof(Elf64_Shdr), out);
  };
  std::vector<std::string> needed;
  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr dynamic{}, strings{};
    if (!section(i, dynamic) || dynamic.sh_type != SHT_DYNAMIC) continue;
    if (!section(dynamic.sh_link, strings)) return {};
    for (uint64_t j = 0; j < dynamic.sh_size / sizeof(Elf64_Dyn); ++j) {
      Elf64_Dyn entry{};
      if (!read_at(in, dynamic.sh_offset + j * sizeof(Elf64_Dyn), entry) || entry.d_tag == DT_NULL) break;
      if (entry.d_tag != DT_NEEDED || entry.d_un.d_val >= strings.sh_size) continue;
      in.clear();
      in.seekg(static_cast<std::streamoff>(strings.sh_offset + entry.d_un.d_val));
      std::string name;
      std::getline(in, name, '\0');
      needed.push_back(name);
    }
    break;
  }
  return needed;
}

// The major version in a soname ("libnvinfer.so.10" with stem "libnvinfer": 10), or -1.
int soname_major(const std::string& soname, const std::string& stem) {
  const std::string prefix = stem + ".so.";
  if (soname.rfind(prefix, 0) != 0 || soname.size() == prefix.size()) return -1;
  int major = 0;
  for (size_t i = prefix.size(); i < soname.size() && soname[i] != '.'; ++i) {
    if (soname[i] < '0' || soname[i] > '9') return -1;
    major = major * 10 + (soname[i] - '0');
  }
  return major;
}

// The library in this process, or loaded now (lazily, its symbols private). Never unloaded: ONNX
// Runtime's provider library binds to it by soname when it loads.
void* load(const std::string& soname) {
  if (void* handle = dlopen(soname.c_str(), RTLD_LAZY | RTLD_NOLOAD)) return handle;
  return dlopen(soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
}

// getInferLibVersion's integer as "major.minor.patch": TensorRT 10 and later encode it as
// major * 10000 + minor * 100 + patch, earlier versions as major * 1000 + minor * 100 + patch.
std::string decode_version(int32_t v) {
  const int32_t major = v >= 100000 ? v / 10000 : v / 1000;
  const int32_t rest = v >= 100000 ? v % 10000 : v % 1000;
  return fmt::format("{}.{}.{}", major, rest / 100, rest % 100);
}

struct LoadedTensorRt {
  std::string soname;   // "" when none loads
  std::string version;  // "unknown" when it lacks getInferLibVersion
};

// The first libnvinfer of these major versions that loads.
LoadedTensorRt load_libnvinfer(std::vector<int> majors) {
  for (int m : {10, 11, 8})
    if (std::find(majors.begin(), majors.end(), m) == majors.end()) majors.push_back(m);
  for (int m : majors) {
    const std::string soname = "libnvinfer.so." + std::to_string(m);
    if (void* handle = load(soname)) {
      using VersionFn = int32_t (*)();
      auto fn = reinterpret_cast<VersionFn>(dlsym(handle, "getInferLibVersion"));
      return {soname, fn ? decode_version(fn()) : "unknown"};
    }
  }
  return {};
}

// The libonnxruntime this process loaded (where its provider libraries must be).
std::string onnxruntime_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&OrtGetApiBase), &info) && info.dli_fname) return info.dli_fname;
  return "";
}

// 1. ONNX Runtime's TensorRT provider library; returns the libraries it needs.
std::vector<std::string> check_provider(TensorRtHealth& h) {
  h.onnxruntime_library = onnxruntime_library();
  const fs::path folder = fs::path(h.onnxruntime_library).parent_path();
  std::error_code ec;
  if (!fs::exists(folder / kProviderLibrary, ec)) {
    h.missing.push_back(fmt::format(
        "ONNX Runtime {} has no TensorRT provider ({} is not beside {}): install ONNX Runtime's GPU build (the "
        "onnxruntime-gpu runtime) and configure piu with -DONNXRUNTIME_ROOT at it",
        OrtGetApiBase()->GetVersionString(), kProviderLibrary, h.onnxruntime_library));
    return {};
  }
  h.provider_library = (folder / kProviderLibrary).string();
  if (!fs::exists(folder / kSharedProviderLibrary, ec))
    h.missing.push_back(
        fmt::format("{} not found beside {}: ONNX Runtime's GPU build ships it with its provider "
                    "libraries; put it there",
                    kSharedProviderLibrary, h.onnxruntime_library));
  return needed_libraries(h.provider_library);
}

// 2. CUDA. `cuda_major` names the CUDA the provider was built for ("13"), "" when unknown.
void check_cuda(TensorRtHealth& h, std::string& cuda_major) {
  std::string why;
  h.cuda = cuda::available(&why);
  h.cuda_version = cuda::runtime_version();
  if (cuda_major.empty() && !h.cuda_version.empty()) cuda_major = h.cuda_version.substr(0, h.cuda_version.find('.'));
  if (h.cuda) return;
  if (h.cuda_version.empty())
    h.missing.push_back(
        fmt::format("CUDA: {}: install an NVIDIA driver and the CUDA {}runtime and put its lib folder "
                    "on LD_LIBRARY_PATH",
                    why, cuda_major.empty() ? "" : cuda_major + " "));
  else  // `why` names the runtime already ("CUDA runtime 13.0: ...")
    h.missing.push_back(fmt::format("{}{}: the tensorrt backend needs an NVIDIA GPU and its driver",
                                    why.starts_with("CUDA") ? "" : "CUDA: ", why));
}

// 3. TensorRT of the major version the provider needs, and its ONNX parser.
void check_tensorrt(TensorRtHealth& h, int major, const std::string& cuda_major) {
  h.libnvinfer = "libnvinfer.so." + std::to_string(major);
  const LoadedTensorRt found = load_libnvinfer({major});
  h.found_libnvinfer = found.soname;
  h.version = found.version;
  const std::string install =
      fmt::format("install TensorRT {}{} (NVIDIA's tar or deb packages) and put its lib folder on LD_LIBRARY_PATH",
                  major, cuda_major.empty() ? "" : " for CUDA " + cuda_major);
  if (found.soname.empty()) {
    h.missing.push_back(h.libnvinfer + " not found: " + install);
    return;
  }
  if (found.soname != h.libnvinfer) {
    h.missing.push_back(
        fmt::format("{} not found (TensorRT {} is there as {}; ONNX Runtime's TensorRT provider "
                    "needs TensorRT {}): {}",
                    h.libnvinfer, found.version, found.soname, major, install));
    return;
  }
  const std::string parser = "libnvonnxparser.so." + std::to_string(major);
  h.onnx_parser = load(parser) != nullptr;
  if (!h.onnx_parser)
    h.missing.push_back(
        fmt::format("{} not found beside TensorRT {}: install TensorRT's ONNX parser (in NVIDIA's "
                    "TensorRT {} packages) and put its folder on LD_LIBRARY_PATH",
                    parser, found.version, major));
  h.plugins = load("libnvinfer_plugin.so." + std::to_string(major)) != nullptr;
}

}  // namespace

std::string TensorRtHealth::message() const {
  if (ok) return "";
  std::string m = "TensorRT unavailable: ";
  for (size_t i = 0; i < missing.size(); ++i) m += (i ? "; " : "") + missing[i];
  return m;
}

std::string TensorRtHealth::to_json() const {
  nlohmann::ordered_json j;
  j["ok"] = ok;
  j["version"] = version;
  j["libnvinfer"] = libnvinfer;
  j["found_libnvinfer"] = found_libnvinfer;
  j["onnx_parser"] = onnx_parser;
  j["plugins"] = plugins;
  j["onnxruntime_library"] = onnxruntime_library;
  j["provider_library"] = provider_library;
  j["cuda"] = cuda;
  j["cuda_version"] = cuda_version;
  j["missing"] = missing;
  j["message"] = message();
  return j.dump();
}

TensorRtHealth check_tensorrt_health() {
  TensorRtHealth h;
  try {
    const std::vector<std::string> needed = check_provider(h);
    int major = kDefaultTensorRtMajor;
    std::string cuda_major;
    for (const auto& lib : needed) {
      if (const int m = soname_major(lib, "libnvinfer"); m >= 0) major = m;
      if (const int m = soname_major(lib, "libcudart"); m >= 0) cuda_major = std::to_string(m);
    }
    check_cuda(h, cuda_major);
    check_tensorrt(h, major, cuda_major);
    // 4. The provider's other libraries (cuDNN, cuBLAS, ...): the ones above and ONNX Runtime's
    // own are checked already; the driver's (libcuda) only when CUDA itself is there.
    for (const auto& lib : needed) {
      const bool checked = lib.starts_with("libnvinfer") || lib.starts_with("libnvonnxparser") ||
                           lib.starts_with("libcudart") || lib.starts_with("libonnxruntime") ||
                           (lib.starts_with("libcuda.so") && !h.cuda);
      if (!checked && !load(lib))
        h.missing.push_back(
            fmt::format("{} not found (ONNX Runtime's TensorRT provider needs it): install it and put "
                        "its folder on LD_LIBRARY_PATH",
                        lib));
    }
  } catch (const std::exception& e) {  // a filesystem or formatting failure: report, never throw
    h.missing.push_back(std::string("cannot check TensorRT: ") + e.what());
  }
  h.ok = h.missing.empty();
  return h;
}

std::string tensorrt_version() { return load_libnvinfer({}).version; }

}  // namespace piu

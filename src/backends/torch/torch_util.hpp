// What the torch plugin's files share: element types between LibTorch and piu, and loading a
// TorchScript file with errors users can act on.
#pragma once

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/script.h>
#include <torch/version.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "core/checked.hpp"
#include "core/pickle_check.hpp"
#include "core/zip.hpp"
#include "piu/core.hpp"
#include "piu/session.hpp"  // is_zip_archive

namespace piu::torch_util {

inline c10::ScalarType to_torch(DType d) {
  switch (d) {
    case DType::kFloat32: return c10::kFloat;
    case DType::kFloat16: return c10::kHalf;
    case DType::kBFloat16: return c10::kBFloat16;
    case DType::kFloat64: return c10::kDouble;
    case DType::kInt8: return c10::kChar;
    case DType::kUInt8: return c10::kByte;
    case DType::kInt16: return c10::kShort;
    case DType::kInt32: return c10::kInt;
    case DType::kInt64: return c10::kLong;
    case DType::kBool: return c10::kBool;
    default:
      throw Error(ErrorCode::kUnsupported, "LibTorch has no tensor type for " + std::string(dtype_name(d)));
  }
}

inline DType from_torch(c10::ScalarType t) {
  switch (t) {
    case c10::kFloat: return DType::kFloat32;
    case c10::kHalf: return DType::kFloat16;
    case c10::kBFloat16: return DType::kBFloat16;
    case c10::kDouble: return DType::kFloat64;
    case c10::kChar: return DType::kInt8;
    case c10::kByte: return DType::kUInt8;
    case c10::kShort: return DType::kInt16;
    case c10::kInt: return DType::kInt32;
    case c10::kLong: return DType::kInt64;
    case c10::kBool: return DType::kBool;
    default:
      throw Error(ErrorCode::kUnsupported,
                  std::string("LibTorch tensor type ") + c10::toString(t) + " has no piu tensor type");
  }
}

inline std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// An exception's message; LibTorch's without the C++ backtrace it appends.
inline std::string exception_text(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

// Whether a LibTorch message is an error raised inside the TorchScript interpreter (its header line).
inline bool is_interpreter_failure(const std::string& text) {
  return text.find("The following operation failed in the TorchScript interpreter") != std::string::npos;
}

// The line of a LibTorch message that says what went wrong: for an error raised inside the
// TorchScript interpreter (a header, the module's code, then the reason) its last non-empty line,
// trimmed, past the advice LibTorch appends to CUDA errors; for others the first line.
inline std::string reason_line(const std::string& text) {
  if (!is_interpreter_failure(text)) return first_line(text);
  static const char* const advice[] = {"CUDA kernel errors might be", "For debugging consider passing",
                                       "Compile with `TORCH_USE_CUDA_DSA`", "Search for `cuda"};
  std::string last;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const size_t start = text.find_first_not_of(" \t\r", begin);
    bool is_advice = false;
    for (const char* a : advice)
      if (start < end && text.compare(start, std::char_traits<char>::length(a), a) == 0) is_advice = true;
    if (start < end && !is_advice) last = text.substr(start, end - start);
    begin = end + 1;
  }
  return last.empty() ? first_line(text) : last;
}

// The one funnel from LibTorch's errors while running a model to piu::Error: kBackend with the first
// line of LibTorch's message, after `context` (the model's path). piu's own errors pass unchanged.
// The module's own code failing on the inputs it was given (its TorchScript raising, or a kernel
// refusing an argument it computed: "slice step must be positive") is kBadInput with the error's
// last line, which names it; piu did nothing wrong there.
inline Error run_error(const std::exception& e, const std::string& context) {
  if (const auto* piu_error = dynamic_cast<const Error*>(&e)) return *piu_error;
  const std::string text = exception_text(e);
  if (is_interpreter_failure(text))
    return Error(ErrorCode::kBadInput, context + ": the module failed on these inputs: " + reason_line(text));
  return Error(ErrorCode::kBackend, context + ": libtorch: " + first_line(text));
}

// Drops LibTorch's warnings (deprecations, resized outputs): they are not the user's business, and
// piu's errors say what went wrong.
inline void silence_warnings() {
  static struct Silent : c10::WarningHandler {
#if TORCH_VERSION_MAJOR >= 2
    void process(const c10::Warning&) override {}
#else
    void process(const c10::SourceLocation&, const std::string&, const bool) override {}
#endif
  } silent;
#if TORCH_VERSION_MAJOR >= 2
  c10::WarningUtils::set_warning_handler(&silent);
#else
  c10::Warning::set_warning_handler(&silent);
#endif
}

// A TorchScript archive held in memory, read for LibTorch. LibTorch's MemoryReadAdapter copies
// whatever range its zip reader asks for, and a damaged archive asks past the end (pointer
// overflow, read out of bounds: fuzz/crashes/torchscript/); this one returns only the bytes there,
// and the zip reader then refuses the archive.
class BoundedReadAdapter : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BoundedReadAdapter(const std::string& bytes) : bytes_(bytes) {}
  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/ = "") const override {
    if (pos >= bytes_.size()) return 0;
    n = static_cast<size_t>(std::min<uint64_t>(n, bytes_.size() - pos));
    std::memcpy(buf, bytes_.data() + pos, n);
    return n;
  }

 private:
  const std::string& bytes_;
};

inline bool looks_like_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return is_zip_archive(std::string_view(magic, static_cast<size_t>(in.gcount())));
}

// The op libraries named in PIU_TORCH_LIBRARIES (paths separated by ':'), loaded once: LibTorch
// registers the ops of such a library (torchvision's nms, roi_align, ... in torchvision/_C.so) as it
// loads, and only then can it load modules that call them.
inline void load_op_libraries() {
  static const bool loaded = [] {
    const char* list = std::getenv("PIU_TORCH_LIBRARIES");
    std::stringstream paths(list ? list : "");
    for (std::string path; std::getline(paths, path, ':');)
      if (!path.empty() && !dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL))
        throw Error(ErrorCode::kBadInput, "PIU_TORCH_LIBRARIES: cannot load " + path + ": " + dlerror());
    return true;
  }();
  (void)loaded;
}

// torch::jit::load in eval mode, from the file `path` or, when `bytes` is given, from those bytes
// (`path` then only names them), every tensor the file holds (weights and the code's constants)
// placed on `device`. Throws kBadInput for files that are not zip archives, archives with an entry
// failing its CRC-32 (LibTorch's reader checks none: a corrupt weight would load) or a pickle whose
// opcodes state lengths past its end (LibTorch allocates them before reading: pickle_check.hpp),
// zip archives without TorchScript code (torch.save() checkpoints, state_dicts) and anything else
// LibTorch refuses, naming the file.
inline torch::jit::Module load_module(const std::string& path, const std::string* bytes = nullptr,
                                      c10::Device device = c10::kCPU) {
  silence_warnings();
  load_op_libraries();
  if (!bytes) check_regular_file(path);  // a FIFO would block the zip sniffing below
  const bool zip = bytes ? is_zip_archive(*bytes) : looks_like_zip(path);
  if (!zip)
    throw Error(ErrorCode::kBadInput,
                path + ": not a TorchScript file (a TorchScript module is a zip archive written by torch.jit.save)");
  const ZipSource source{path, "TorchScript archive"};
  auto check_archive = [&source](std::string_view archive) {
    check_zip_crcs(archive, source);
    check_archive_pickles(archive, source);
  };
  if (bytes)
    check_archive(*bytes);
  else
    with_mapped_zip_file(source, check_archive);
  torch::jit::Module module;
  try {
    if (bytes) {
      // LibTorch copies what it reads out of the buffer; the adapter only lends it.
      auto reader = std::make_shared<BoundedReadAdapter>(*bytes);
      module = torch::jit::load(std::shared_ptr<caffe2::serialize::ReadAdapterInterface>(reader), device);
    } else {
      module = torch::jit::load(path, device);
    }
  } catch (const std::exception& e) {  // c10::Error, or torch::jit::ErrorReport for code calling unknown ops
    std::string what = exception_text(e);
    what.erase(0, what.find_first_not_of('\n'));
    if (what.find("Unknown builtin op: ") != std::string::npos) {
      const std::string library =
          what.find("op: torchvision::") != std::string::npos ? "torchvision's _C library" : "the library defining it";
      throw Error(ErrorCode::kBadInput, path + ": LibTorch cannot load it: " + first_line(what) + " (load " + library +
                                            " with PIU_TORCH_LIBRARIES=FILE)");
    }
    if (what.find("constants.pkl") != std::string::npos || what.find("code/") != std::string::npos ||
        what.find("bytecode") != std::string::npos)
      throw Error(ErrorCode::kBadInput,
                  path + ": a zip archive without TorchScript code — a torch.save() checkpoint or state_dict? piu "
                         "needs a TorchScript module (torch.jit.trace or torch.jit.script, then torch.jit.save), or "
                         "the model class to build one");
    throw Error(ErrorCode::kBadInput, path + ": LibTorch cannot load it: " + first_line(what));
  }
  module.eval();
  return module;
}

}  // namespace piu::torch_util

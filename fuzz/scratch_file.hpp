// The fuzz input written to a file, for the readers that take a path (.npy, .npz, ONNX, images,
// calibration caches, TorchScript): one folder per process, the file removed after each input.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace piu::fuzz {

// The path of a folder private to this process under $PIU_FUZZ_TMP, else /dev/shm (memory:
// libFuzzer runs millions of inputs), else the system's temp folder. ScratchFile creates and
// removes it around each input, so nothing is left behind when libFuzzer ends a process with _Exit.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    namespace fs = std::filesystem;
    const char* env = std::getenv("PIU_FUZZ_TMP");
    fs::path base = env && *env ? fs::path(env) : fs::path("/dev/shm");
    std::error_code ec;
    if (!fs::is_directory(base, ec)) base = fs::temp_directory_path();
    return base / ("piu-fuzz-" + std::to_string(::getpid()));
  }();
  return folder;
}

// Writes `data` to scratch_folder()/name; the file (and anything the reader was led to create
// beside it) is gone when the object is.
class ScratchFile {
 public:
  ScratchFile(const uint8_t* data, size_t size, std::string_view name) : path_(scratch_folder() / name) {
    std::filesystem::create_directories(scratch_folder());
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_folder(), ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace piu::fuzz

// Replays fuzz inputs through a harness without libFuzzer, with any compiler: every file of the
// folders (or the files) named on the command line, in sorted order. CTest runs it over
// fuzz/corpus/<name>/ and fuzz/crashes/<name>/, so a crash once found stays a test. A crash or an
// exception other than piu::Error ends the process (the harness lets them through); the file being
// run is printed first so the log names it.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg))
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
    }  // a missing folder is an empty one (git keeps no empty crashes/<name>/)
  }
  if (files.empty()) {
    std::fprintf(stderr, "no input files in the folders given\n");
    return 1;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::fprintf(stderr, "%s\n", file.c_str());
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "%zu inputs replayed, none crashed\n", files.size());
  return 0;
}

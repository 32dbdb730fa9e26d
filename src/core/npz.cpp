// NumPy .npz reading: a zip archive of .npy files, stored (numpy.savez) or deflated
// (numpy.savez_compressed, through zlib where the build found it), zip64 included (numpy writes it
// for large arrays).
#include <fstream>
#include <set>
#include <sstream>

#include "core/checked.hpp"
#include "core/npy_internal.hpp"
#include "core/zip.hpp"
#include "piu/core.hpp"

namespace piu {

namespace {

[[noreturn]] void bad_npz(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::kBadInput, path + ": not a valid .npz file: " + why);
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> read_npz(const std::string& path) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read " + path + ": no such file or not readable");
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<std::string, Tensor>> out;
  std::set<std::string> names;
  const ZipSource source{path, ".npz file"};
  for (const ZipEntry& e : zip_entries(file, source)) {
    if (e.name.size() < 5 || e.name.compare(e.name.size() - 4, 4, ".npy") != 0)
      bad_npz(path, "entry '" + e.name + "' is not an .npy array");
    std::string name = e.name.substr(0, e.name.size() - 4);
    if (!names.insert(name).second) bad_npz(path, "array '" + name + "' is stored twice");
    std::istringstream bytes(zip_entry_bytes(file, e, source));
    out.push_back({name, read_npy_stream(bytes, e.size, path + ":" + e.name)});
  }
  if (out.empty()) bad_npz(path, "it holds no arrays");
  return out;
}

}  // namespace piu

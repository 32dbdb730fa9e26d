// NumPy .npz reading: a zip archive of .npy files, stored (numpy.savez) or deflated
// (numpy.savez_compressed, through zlib where the build found it), zip64 included (numpy writes it
// for large arrays).
#if PIU_HAVE_ZLIB
#include <zlib.h>
#endif

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "core/npy_internal.hpp"
#include "piu/core.hpp"

namespace piu {

namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kLocalEntry = 0x04034b50;
constexpr uint32_t kZip64Unknown = 0xffffffff;

[[noreturn]] void bad_npz(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::kBadInput, path + ": not a valid .npz file: " + why);
}

uint64_t le(const std::string& bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  return v;
}

struct Entry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, size = 0, local_offset = 0;
};

// The central directory's entries (zip64 sizes and offsets read from their extra fields).
std::vector<Entry> central_directory(const std::string& file, const std::string& path) {
  if (file.size() < 22) bad_npz(path, "too short for a zip archive");
  size_t eocd = std::string::npos;
  const size_t lowest = file.size() > 22 + 65535 ? file.size() - 22 - 65535 : 0;
  for (size_t at = file.size() - 22 + 1; at-- > lowest;)
    if (le(file, at, 4) == kEndOfCentralDirectory) {
      eocd = at;
      break;
    }
  if (eocd == std::string::npos) bad_npz(path, "no zip end-of-central-directory record");
  uint64_t count = le(file, eocd + 10, 2), offset = le(file, eocd + 16, 4);
  if ((count == 0xffff || offset == kZip64Unknown) && eocd >= 20 && le(file, eocd - 20, 4) == kZip64EndLocator) {
    const uint64_t end64 = le(file, eocd - 20 + 8, 8);
    if (end64 + 56 > file.size() || le(file, end64, 4) != kZip64End) bad_npz(path, "bad zip64 end record");
    count = le(file, end64 + 32, 8);
    offset = le(file, end64 + 48, 8);
  }
  std::vector<Entry> entries;
  size_t at = offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (at + 46 > file.size() || le(file, at, 4) != kCentralEntry) bad_npz(path, "truncated central directory");
    Entry e;
    e.method = static_cast<uint16_t>(le(file, at + 10, 2));
    e.crc = static_cast<uint32_t>(le(file, at + 16, 4));
    e.compressed = le(file, at + 20, 4);
    e.size = le(file, at + 24, 4);
    const size_t name_len = le(file, at + 28, 2), extra_len = le(file, at + 30, 2), comment_len = le(file, at + 32, 2);
    e.local_offset = le(file, at + 42, 4);
    if (at + 46 + name_len + extra_len > file.size()) bad_npz(path, "truncated central directory");
    e.name = file.substr(at + 46, name_len);
    // The zip64 extra field holds, in order, the fields whose 32-bit value is 0xffffffff.
    for (size_t x = at + 46 + name_len; x + 4 <= at + 46 + name_len + extra_len;) {
      const uint64_t id = le(file, x, 2), len = le(file, x + 2, 2);
      size_t field = x + 4;
      if (id == 1) {
        for (uint64_t* v : {&e.size, &e.compressed, &e.local_offset})
          if (*v == kZip64Unknown && field + 8 <= x + 4 + len) {
            *v = le(file, field, 8);
            field += 8;
          }
      }
      x += 4 + len;
    }
    entries.push_back(e);
    at += 46 + name_len + extra_len + comment_len;
  }
  return entries;
}

// The zip CRC-32 (polynomial 0xedb88320) of `bytes`.
uint32_t crc32_of(const std::string& bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xffffffffu;
  for (char ch : bytes) crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

// An entry's uncompressed bytes.
std::string entry_bytes(const std::string& file, const Entry& e, const std::string& path) {
  const std::string where = path + ":" + e.name;
  if (e.local_offset + 30 > file.size() || le(file, e.local_offset, 4) != kLocalEntry)
    bad_npz(path, "entry '" + e.name + "' has no local header");
  const uint64_t data = e.local_offset + 30 + le(file, e.local_offset + 26, 2) + le(file, e.local_offset + 28, 2);
  if (data > file.size() || e.compressed > file.size() - data) bad_npz(path, "entry '" + e.name + "' is truncated");
  if (e.size > std::numeric_limits<uint32_t>::max() || e.compressed > std::numeric_limits<uint32_t>::max())
    throw Error(ErrorCode::kUnsupported, where + ": entries over 4 GiB are not supported");
  std::string out;
  if (e.method == 0) {
    if (e.compressed != e.size) bad_npz(path, "stored entry '" + e.name + "' has two sizes");
    out = file.substr(data, e.size);
  } else if (e.method == 8) {
#if PIU_HAVE_ZLIB
    // Deflate expands at most 1032:1, so a larger stated size is a lie: refused before it is
    // allocated (a 400-byte file claiming 4 GB, found by fuzz_npz: fuzz/crashes/npz/).
    if (e.size > e.compressed * 1032 + 1024)
      bad_npz(path, "entry '" + e.name + "' claims " + std::to_string(e.size) + " bytes from " +
                        std::to_string(e.compressed) + " compressed bytes");
    out.resize(e.size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error(ErrorCode::kInternal, "zlib: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(file.data() + data));
    z.avail_in = static_cast<uInt>(e.compressed);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(e.size);
    const int status = inflate(&z, Z_FINISH);
    const uint64_t produced = z.total_out;
    inflateEnd(&z);
    if (status != Z_STREAM_END || produced != e.size) bad_npz(path, "entry '" + e.name + "' does not inflate");
#else
    throw Error(ErrorCode::kUnsupported, where + ": compressed (numpy.savez_compressed) archives need zlib, which "
                                         "this build of piu lacks; save with numpy.savez");
#endif
  } else {
    throw Error(ErrorCode::kUnsupported,
                where + ": zip compression method " + std::to_string(e.method) + " is not supported (stored or deflate)");
  }
  if (crc32_of(out) != e.crc) bad_npz(path, "entry '" + e.name + "' fails its CRC check");
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> read_npz(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read " + path + ": no such file or not readable");
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<std::string, Tensor>> out;
  std::set<std::string> names;
  for (const Entry& e : central_directory(file, path)) {
    if (e.name.size() < 5 || e.name.compare(e.name.size() - 4, 4, ".npy") != 0)
      bad_npz(path, "entry '" + e.name + "' is not an .npy array");
    std::string name = e.name.substr(0, e.name.size() - 4);
    if (!names.insert(name).second) bad_npz(path, "array '" + name + "' is stored twice");
    std::istringstream bytes(entry_bytes(file, e, path));
    out.push_back({name, read_npy_stream(bytes, e.size, path + ":" + e.name)});
  }
  if (out.empty()) bad_npz(path, "it holds no arrays");
  return out;
}

}  // namespace piu

// Zip archives in memory (see zip.hpp): PKWARE's APPNOTE layout, central directory first.
#if PIU_HAVE_ZLIB
#include <zlib.h>
#endif
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/checked.hpp"
#include "core/zip.hpp"
#include "piu/core.hpp"

namespace piu {

namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kLocalEntry = 0x04034b50;
constexpr uint32_t kZip64Unknown = 0xffffffff;

[[noreturn]] void bad_zip(const ZipSource& source, const std::string& why) {
  throw Error(ErrorCode::kBadInput, source.path + ": not a valid " + source.kind + ": " + why);
}

uint64_t le(std::string_view bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  return v;
}

// The zip CRC-32 (polynomial 0xedb88320) of `bytes`: zlib's where the build has it.
uint32_t crc32_of(std::string_view bytes) {
#if PIU_HAVE_ZLIB
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t at = 0; at < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - at, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<uint32_t>(crc);
#else
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
#endif
}

// The entry's data as it lies in the archive (compressed or not), bounds checked.
std::string_view entry_data(std::string_view archive, const ZipEntry& e, const ZipSource& source) {
  if (e.local_offset > archive.size() || archive.size() - e.local_offset < 30 ||
      le(archive, e.local_offset, 4) != kLocalEntry)
    bad_zip(source, "entry '" + e.name + "' has no local header");
  const uint64_t data = e.local_offset + 30 + le(archive, e.local_offset + 26, 2) + le(archive, e.local_offset + 28, 2);
  if (data > archive.size() || e.compressed > archive.size() - data)
    bad_zip(source, "entry '" + e.name + "' is truncated");
  return archive.substr(data, e.compressed);
}

}  // namespace

std::vector<ZipEntry> zip_entries(std::string_view file, const ZipSource& source) {
  if (file.size() < 22) bad_zip(source, "too short for a zip archive");
  size_t eocd = std::string::npos;
  const size_t lowest = file.size() > 22 + 65535 ? file.size() - 22 - 65535 : 0;
  for (size_t at = file.size() - 22 + 1; at-- > lowest;)
    if (le(file, at, 4) == kEndOfCentralDirectory) {
      eocd = at;
      break;
    }
  if (eocd == std::string::npos) bad_zip(source, "no zip end-of-central-directory record");
  uint64_t count = le(file, eocd + 10, 2), offset = le(file, eocd + 16, 4);
  if ((count == 0xffff || offset == kZip64Unknown) && eocd >= 20 && le(file, eocd - 20, 4) == kZip64EndLocator) {
    const uint64_t end64 = le(file, eocd - 20 + 8, 8);
    if (end64 > file.size() || file.size() - end64 < 56 || le(file, end64, 4) != kZip64End)
      bad_zip(source, "bad zip64 end record");
    count = le(file, end64 + 32, 8);
    offset = le(file, end64 + 48, 8);
  }
  std::vector<ZipEntry> entries;
  uint64_t at = offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (at > file.size() || file.size() - at < 46 || le(file, at, 4) != kCentralEntry)
      bad_zip(source, "truncated central directory");
    ZipEntry e;
    e.method = static_cast<uint16_t>(le(file, at + 10, 2));
    e.crc = static_cast<uint32_t>(le(file, at + 16, 4));
    e.compressed = le(file, at + 20, 4);
    e.size = le(file, at + 24, 4);
    const size_t name_len = le(file, at + 28, 2), extra_len = le(file, at + 30, 2), comment_len = le(file, at + 32, 2);
    e.local_offset = le(file, at + 42, 4);
    if (file.size() - at - 46 < name_len + extra_len) bad_zip(source, "truncated central directory");
    e.name = std::string(file.substr(at + 46, name_len));
    // The zip64 extra field holds, in order, the fields whose 32-bit value is 0xffffffff.
    for (size_t x = at + 46 + name_len; x + 4 <= at + 46 + name_len + extra_len;) {
      const uint64_t id = le(file, x, 2), len = le(file, x + 2, 2);
      size_t field = x + 4;
      if (id == 1) {
        for (uint64_t* v : {&e.size, &e.compressed, &e.local_offset})
          if (*v == kZip64Unknown && field + 8 <= x + 4 + len && field + 8 <= file.size()) {
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

std::string zip_entry_bytes(std::string_view file, const ZipEntry& e, const ZipSource& source) {
  const std::string where = source.path + ":" + e.name;
  const std::string_view data = entry_data(file, e, source);
  if (e.size > std::numeric_limits<uint32_t>::max() || e.compressed > std::numeric_limits<uint32_t>::max())
    throw Error(ErrorCode::kUnsupported, where + ": entries over 4 GiB are not supported");
  std::string out;
  if (e.method == 0) {
    if (e.compressed != e.size) bad_zip(source, "stored entry '" + e.name + "' has two sizes");
    out = std::string(data);
  } else if (e.method == 8) {
    // Deflate expands at most 1032:1: a header claiming more is refused before its size is allocated.
    if (e.size / 1032 > e.compressed + 1)
      bad_zip(source, "entry '" + e.name + "' claims " + std::to_string(e.size) + " bytes from " +
                          std::to_string(e.compressed) + " compressed, more than deflate can expand");
#if PIU_HAVE_ZLIB
    out.resize(e.size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error(ErrorCode::kInternal, "zlib: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(e.compressed);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(e.size);
    const int status = inflate(&z, Z_FINISH);
    const uint64_t produced = z.total_out;
    inflateEnd(&z);
    if (status != Z_STREAM_END || produced != e.size) bad_zip(source, "entry '" + e.name + "' does not inflate");
#else
    throw Error(ErrorCode::kUnsupported, where + ": compressed zip entries need zlib, which this build of piu lacks");
#endif
  } else {
    throw Error(ErrorCode::kUnsupported, where + ": zip compression method " + std::to_string(e.method) +
                                             " is not supported (stored or deflate)");
  }
  if (crc32_of(out) != e.crc) bad_zip(source, "entry '" + e.name + "' fails its CRC check (the file is corrupt)");
  return out;
}

void check_zip_crcs(std::string_view archive, const ZipSource& source) {
  for (const ZipEntry& e : zip_entries(archive, source)) {
    if (e.method == 0) {  // stored: checked where it lies
      const std::string_view data = entry_data(archive, e, source);
      if (e.compressed != e.size) bad_zip(source, "stored entry '" + e.name + "' has two sizes");
      if (crc32_of(data) != e.crc) bad_zip(source, "entry '" + e.name + "' fails its CRC check (the file is corrupt)");
    } else {
      zip_entry_bytes(archive, e, source);
    }
  }
}

void check_zip_file_crcs(const ZipSource& source) {
  with_mapped_zip_file(source, [&source](std::string_view archive) { check_zip_crcs(archive, source); });
}

void with_mapped_zip_file(const ZipSource& source, const std::function<void(std::string_view)>& check) {
  check_regular_file(source.path);
  const int fd = ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot read " + source.path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    bad_zip(source, "the file is empty");
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw Error(ErrorCode::kIo, "cannot read " + source.path + ": " + std::strerror(errno));
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{map, size};
  check(std::string_view(static_cast<const char*>(map), size));
}

}  // namespace piu

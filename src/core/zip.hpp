// Reading zip archives in memory: the central directory (zip64 included), an entry's bytes (stored,
// or deflated through zlib where the build found it) and the CRC-32 of every entry. Used by the
// .npz reader and, before LibTorch reads a TorchScript archive (its reader checks no CRC), by the
// torch plugin. Internal to libpiu.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace piu {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint32_t crc = 0;
  uint64_t compressed = 0, size = 0, local_offset = 0;
};

// Where a zip archive came from, for messages: "PATH: not a valid KIND: why".
struct ZipSource {
  std::string path;
  std::string kind;  // ".npz file", "TorchScript archive"
};

// The archive's entries from its central directory. Throws kBadInput naming the source when the
// archive is truncated or has no end record.
std::vector<ZipEntry> zip_entries(std::string_view archive, const ZipSource& source);
// An entry's uncompressed bytes, CRC checked. Throws kBadInput naming the entry when it is
// truncated, does not inflate or fails its CRC; kUnsupported for other compression methods and
// entries over 4 GiB (and for deflate without zlib).
std::string zip_entry_bytes(std::string_view archive, const ZipEntry& entry, const ZipSource& source);
// Checks the CRC-32 of every entry (stored entries in place, without a copy). Throws kBadInput
// "PATH: not a valid KIND: entry 'x' fails its CRC check (the file is corrupt)".
void check_zip_crcs(std::string_view archive, const ZipSource& source);
// check_zip_crcs on a file, mapped read-only (check_regular_file first; kIo when it cannot be read).
void check_zip_file_crcs(const ZipSource& source);
// Calls `check` with the whole file source.path mapped read-only, unmapped afterwards (also when
// `check` throws). check_regular_file first; kIo when it cannot be read, kBadInput when it is empty.
void with_mapped_zip_file(const ZipSource& source, const std::function<void(std::string_view)>& check);

}  // namespace piu

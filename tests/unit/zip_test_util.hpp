// Zip archives built in memory for the tests of piu's zip readers.
#pragma once

#include <cstdint>
#include <string>

namespace piu::test {

// A one-entry stored zip archive holding `content` with the CRC `crc`.
inline std::string stored_zip(const std::string& name, const std::string& content, uint32_t crc) {
  auto le = [](std::string& s, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  // The fields the local header and the central directory entry share, from "version needed"
  // to the extra field's length: stored (method 0), no flags, no time, no extra field.
  auto entry_fields = [&](std::string& s) {
    le(s, 20, 2);
    le(s, 0, 2);
    le(s, 0, 2);
    le(s, 0, 4);
    le(s, crc, 4);
    le(s, content.size(), 4);
    le(s, content.size(), 4);
    le(s, name.size(), 2);
    le(s, 0, 2);
  };
  std::string z;
  le(z, 0x04034b50, 4);
  entry_fields(z);
  z += name + content;
  const size_t central = z.size();
  le(z, 0x02014b50, 4);
  le(z, 20, 2);  // version made by
  entry_fields(z);
  le(z, 0, 2);
  le(z, 0, 2);
  le(z, 0, 2);
  le(z, 0, 4);
  le(z, 0, 4);
  z += name;
  const size_t central_size = z.size() - central;
  le(z, 0x06054b50, 4);
  le(z, 0, 2);
  le(z, 0, 2);
  le(z, 1, 2);
  le(z, 1, 2);
  le(z, central_size, 4);
  le(z, central, 4);
  le(z, 0, 2);
  return z;
}

// The CRC-32 zip stores (reflected polynomial 0xEDB88320), to build valid archives.
inline uint32_t zip_crc32(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (const char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

}  // namespace piu::test

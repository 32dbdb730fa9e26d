// Image bytes checked before stb_image decodes them (see image_checks.hpp).
#include "session/image_checks.hpp"

#include <cstdint>
#include <vector>

namespace piu::image_checks {

namespace {

uint8_t byte_at(std::string_view bytes, size_t pos) { return static_cast<uint8_t>(bytes[pos]); }

uint32_t big_endian(std::string_view bytes, size_t pos, int count) {
  uint32_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | byte_at(bytes, pos + static_cast<size_t>(i));
  return value;
}

std::string hex_marker(uint8_t marker) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("FF") + kDigits[marker >> 4] + kDigits[marker & 15];
}

// The DHT segment's payload (after its length), T.81 B.2.4.2: tables of Tc|Th (one byte), L1..L16
// (the number of codes of each length), then the sum(L) symbol bytes. stb_image 2.27 builds its
// tables in arrays of 256 codes without checking the sum (fuzz/crashes/image/stb_jpeg_huffman_*).
std::string huffman_problem(std::string_view payload) {
  size_t pos = 0;
  while (pos < payload.size()) {
    const size_t left = payload.size() - pos;
    if (left < 17)
      return "Huffman table cut short (" + std::to_string(left) + " bytes left in its segment, its header is 17)";
    const uint8_t class_and_id = byte_at(payload, pos);
    if ((class_and_id >> 4) > 1 || (class_and_id & 15) > 3)
      return "Huffman table of class " + std::to_string(class_and_id >> 4) + " and id " +
             std::to_string(class_and_id & 15) + " (class 0 or 1, id 0 to 3)";
    size_t codes = 0;
    for (size_t i = 1; i <= 16; ++i) codes += byte_at(payload, pos + i);
    if (codes > 256) return "Huffman table with " + std::to_string(codes) + " codes (at most 256)";
    if (left - 17 < codes)
      return "Huffman table of " + std::to_string(codes) + " codes with only " + std::to_string(left - 17) +
             " symbol bytes in its segment";
    pos += 17 + codes;
  }
  return "";
}

}  // namespace

bool looks_like_jpeg(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size() && byte_at(bytes, pos) == 0xFF) ++pos;
  return pos > 0 && pos < bytes.size() && byte_at(bytes, pos) == 0xD8;
}

std::string jpeg_problem(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size() && byte_at(bytes, pos) == 0xFF) ++pos;
  ++pos;  // SOI
  // Markers are found as stb_image finds them: an 0xFF, any fill 0xFF, then the marker byte. Bytes in
  // between (entropy-coded data after SOS, padding) are skipped; in entropy-coded data 0xFF is
  // followed only by 0x00 (a stuffed byte) or a restart marker, neither a segment.
  while (pos < bytes.size()) {
    if (byte_at(bytes, pos++) != 0xFF) continue;
    while (pos < bytes.size() && byte_at(bytes, pos) == 0xFF) ++pos;
    if (pos >= bytes.size()) break;
    const size_t at = pos - 1;
    const uint8_t marker = byte_at(bytes, pos++);
    if (marker == 0xD9) break;                                                             // EOI
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no segment
    const std::string segment = "segment " + hex_marker(marker) + " at byte " + std::to_string(at);
    if (bytes.size() - pos < 2) return segment + " is cut short before its length";
    const size_t length = big_endian(bytes, pos, 2);  // counts its own two bytes
    if (length < 2) return segment + " has a length of " + std::to_string(length) + " (at least 2)";
    if (length > bytes.size() - pos)
      return segment + " of " + std::to_string(length) + " bytes runs past the end of the file (" +
             std::to_string(bytes.size() - pos) + " bytes left)";
    if (marker == 0xC4)
      if (std::string problem = huffman_problem(bytes.substr(pos + 2, length - 2)); !problem.empty())
        return problem + " (" + segment + ")";
    pos += length;
  }
  return "";
}

bool drop_empty_png_idat_chunks(std::string& bytes) {
  static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (std::string_view(bytes).substr(0, 8) != kSignature) return false;
  std::vector<size_t> empty_idat;  // offsets of the chunks to leave out
  size_t pos = 8;
  while (bytes.size() - pos >= 12) {  // length, type, data, CRC
    const uint32_t length = big_endian(bytes, pos, 4);
    if (length > bytes.size() - pos - 12) break;  // stb_image refuses this chunk; nothing past it is read
    const std::string_view type = std::string_view(bytes).substr(pos + 4, 4);
    if (length == 0 && type == "IDAT") empty_idat.push_back(pos);
    pos += 12 + length;
    if (type == "IEND") break;
  }
  if (empty_idat.empty()) return false;
  std::string kept;
  kept.reserve(bytes.size() - 12 * empty_idat.size());
  size_t from = 0;
  for (const size_t chunk : empty_idat) {
    kept.append(bytes, from, chunk - from);
    from = chunk + 12;
  }
  kept.append(bytes, from, std::string::npos);
  bytes = std::move(kept);
  return true;
}

}  // namespace piu::image_checks

// Checks of image bytes before stb_image sees them. stb_image 2.27 (Debian's libstb-dev, compiled
// into piu) has undefined behaviour on some malformed files (docs/reliability.md, fuzz findings #6
// and #7); piu checks or repairs those shapes itself and never hands them to the decoder.
#pragma once

#include <string>
#include <string_view>

namespace piu::image_checks {

// True when stb_image takes `bytes` for a JPEG: 0xFF, any more 0xFF fill bytes, then 0xD8 (SOI).
bool looks_like_jpeg(std::string_view bytes);

// The first problem of a JPEG's marker segments, as one line ("Huffman table with 300 codes (at most
// 256)"), or "" when there is none. Walks every segment to EOI, also those between the scans of a
// progressive JPEG: a segment whose length runs past the file, and every DHT segment (T.81 B.2.4.2):
// each table's class (0 or 1) and id (0 to 3), its 16 code counts summing to at most 256, and its
// symbols within the segment. Call only when looks_like_jpeg(bytes).
std::string jpeg_problem(std::string_view bytes);

// Leaves out a PNG's zero-length IDAT chunks (valid PNG, and no pixel data in them): for one before
// any data, stb_image 2.27 memcpy's into its still-null buffer. Returns whether it dropped any. The
// chunks are walked to IEND or to the first one running past the end; what follows is kept as is.
// Bytes that are not a PNG are left alone.
bool drop_empty_png_idat_chunks(std::string& bytes);

}  // namespace piu::image_checks

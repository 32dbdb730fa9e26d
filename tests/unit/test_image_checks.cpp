// The image bytes piu checks before stb_image decodes them (src/session/image_checks.cpp): JPEG
// Huffman tables (fuzz finding #6) and zero-length PNG IDAT chunks (finding #7).
#include <filesystem>
#include <fstream>
#include <string>

#include "piu/model.hpp"
#include "session/image_checks.hpp"
#include "test_util.hpp"

namespace {

using piu::image_checks::drop_empty_png_idat_chunks;
using piu::image_checks::jpeg_problem;
using piu::image_checks::looks_like_jpeg;
using piu::test::expect_bad_input;
using namespace std::string_literals;

const std::filesystem::path kSource = PIU_SOURCE_DIR;

// fuzz/crashes/image/stb_jpeg_huffman_index_257-*: a DHT whose 16 counts sum to 649.
const std::string kHuffman649 =
    "\xff\xd8\xff\xe0\x00\x10\x63\x63\x63\x63\x63\x63\x22\x00\x02\x11\x01\x03\x11\x01\xff\xc4\x00\x15\x00\x01\x01"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x63\x63\xff\xc2\x00\x11\x08\x00\x00"s;

// A DHT segment: 0xFFC4, its length, then the tables given.
std::string dht(const std::string& tables) {
  const size_t length = tables.size() + 2;
  return "\xff\xc4"s + static_cast<char>(length >> 8) + static_cast<char>(length & 0xff) + tables;
}

// One table of class/id `class_and_id` with `count` codes of length 8, symbols 0, 1, ...
std::string table(char class_and_id, int count, int symbols) {
  std::string t(1, class_and_id);
  t += std::string(7, '\0') + static_cast<char>(count) + std::string(8, '\0');
  for (int i = 0; i < symbols; ++i) t += static_cast<char>(i);
  return t;
}

TEST(ImageChecks, JpegHuffmanTables) {
  ASSERT_TRUE(looks_like_jpeg(kHuffman649));
  EXPECT_TRUE(looks_like_jpeg("\xff\xff\xff\xd8"s));  // fill bytes before SOI, as stb_image reads them
  EXPECT_FALSE(looks_like_jpeg("\x89PNG"s));
  EXPECT_EQ(jpeg_problem(kHuffman649), "Huffman table with 649 codes (at most 256) (segment FFC4 at byte 20)");
  const std::string soi = "\xff\xd8"s, eoi = "\xff\xd9"s;
  EXPECT_EQ(jpeg_problem(soi + dht(table(0x00, 3, 3) + table(0x13, 200, 200)) + eoi), "");
  EXPECT_EQ(jpeg_problem(soi + dht(table(0x20, 1, 1)) + eoi),
            "Huffman table of class 2 and id 0 (class 0 or 1, id 0 to 3) (segment FFC4 at byte 2)");
  EXPECT_EQ(jpeg_problem(soi + dht(table(0x04, 1, 1)) + eoi),
            "Huffman table of class 0 and id 4 (class 0 or 1, id 0 to 3) (segment FFC4 at byte 2)");
  EXPECT_EQ(jpeg_problem(soi + dht(table(0x01, 5, 2)) + eoi),
            "Huffman table of 5 codes with only 2 symbol bytes in its segment (segment FFC4 at byte 2)");
  EXPECT_EQ(jpeg_problem(soi + dht(std::string(10, '\0')) + eoi),
            "Huffman table cut short (10 bytes left in its segment, its header is 17) (segment FFC4 at byte 2)");
  EXPECT_EQ(jpeg_problem(soi + "\xff\xc4\x00\x40\x00"s),
            "segment FFC4 at byte 2 of 64 bytes runs past the end of the file (3 bytes left)");
  EXPECT_EQ(jpeg_problem(soi + "\xff\xe0\x00\x01"s), "segment FFE0 at byte 2 has a length of 1 (at least 2)");
  // After the first scan (progressive JPEGs define tables between scans): entropy-coded bytes with a
  // stuffed 0xFF00 and a restart marker are skipped, the next DHT is checked.
  const std::string scan = "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"s + "\x12\xff\x00\x34\xff\xd0\x56"s;
  EXPECT_EQ(jpeg_problem(soi + scan + dht(table(0x00, 1, 1)) + scan + eoi), "");
  EXPECT_EQ(jpeg_problem(soi + scan + dht(table(0x10, 1, 0)) + eoi),
            "Huffman table of 1 codes with only 0 symbol bytes in its segment (segment FFC4 at byte 19)");
  // Nothing after EOI is read.
  EXPECT_EQ(jpeg_problem(soi + eoi + dht(table(0x20, 1, 1))), "");
}

// A PNG chunk (the CRC is not checked here).
std::string chunk(const std::string& type, const std::string& data) {
  const size_t n = data.size();
  std::string c = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                   static_cast<char>(n)};
  return c + type + data + "CRC!";
}

TEST(ImageChecks, PngZeroLengthIdatChunksAreLeftOut) {
  const std::string signature = "\x89PNG\r\n\x1a\n"s, ihdr = chunk("IHDR", std::string(13, '\1'));
  const std::string idat = chunk("IDAT", "abc"), iend = chunk("IEND", "");
  std::string png = signature + ihdr + chunk("IDAT", "") + idat + chunk("IDAT", "") + iend;
  EXPECT_TRUE(drop_empty_png_idat_chunks(png));
  EXPECT_EQ(png, signature + ihdr + idat + iend);
  EXPECT_FALSE(drop_empty_png_idat_chunks(png));
  // After IEND, or after a chunk running past the end, nothing is changed.
  std::string tail = signature + ihdr + idat + iend + chunk("IDAT", "");
  EXPECT_FALSE(drop_empty_png_idat_chunks(tail));
  std::string cut = signature + ihdr + "\x00\x00\x10\x00IDAT"s + chunk("IDAT", "");
  EXPECT_FALSE(drop_empty_png_idat_chunks(cut));
  std::string jpeg = kHuffman649;
  EXPECT_FALSE(drop_empty_png_idat_chunks(jpeg));
}

// Every seed of the image fuzzer decodes; each PNG seed with zero-length IDAT chunks added decodes
// to the same pixels; the fuzzer's JPEG finding is refused with its one line.
TEST(ImageChecks, LoadImage) {
  piu::test::TempDir dir;
  int pngs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource / "fuzz/corpus/image")) {
    const piu::Image image = piu::load_image(entry.path().string());
    EXPECT_GT(image.width, 0) << entry.path();
    if (entry.path().extension() != ".png") continue;
    std::string png = piu::read_file(entry.path().string());
    const size_t first_idat = png.find("IDAT") - 4;
    png.insert(first_idat, chunk("IDAT", "").replace(8, 4, "\x35\xaf\x06\x1e"));  // crc32("IDAT")
    const std::string padded = dir / ("padded_" + entry.path().filename().string());
    std::ofstream(padded, std::ios::binary) << png;
    const piu::Image same = piu::load_image(padded);
    EXPECT_EQ(same.pixels, image.pixels) << padded;
    ++pngs;
  }
  EXPECT_EQ(pngs, 5);
  const std::string bad = dir / "huffman.jpg";
  std::ofstream(bad, std::ios::binary) << kHuffman649;
  expect_bad_input([&] { piu::load_image(bad); },
                   {bad + ": cannot decode image: not a valid JPEG: Huffman table with 649 codes (at most 256)"});
}

}  // namespace

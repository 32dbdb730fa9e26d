// Image decoding (stb_image) and the preprocessing helpers behind ImageClassifier.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#include "core/checked.hpp"
#include "piu/model.hpp"
#include "session/image_checks.hpp"

namespace piu {

namespace {

// Images of more pixels than this are refused before decoding (PIL's MAX_IMAGE_PIXELS, about
// 9459x9459); the environment variable PIU_MAX_IMAGE_PIXELS sets another limit.
constexpr uint64_t kDefaultMaxImagePixels = 89'478'485;

// The limit in force: PIU_MAX_IMAGE_PIXELS when set (kBadInput unless a positive integer), else the default.
uint64_t max_image_pixels() {
  const char* text = std::getenv("PIU_MAX_IMAGE_PIXELS");
  if (text == nullptr || *text == '\0') return kDefaultMaxImagePixels;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text, text + std::strlen(text), value);
  if (ec != std::errc() || *ptr != '\0' || value == 0)
    throw Error(ErrorCode::kBadInput, "PIU_MAX_IMAGE_PIXELS='" + std::string(text) + "' is not a positive integer");
  return value;
}

// The file's bytes, made safe for stb_image 2.27 (image_checks.hpp): a JPEG with a marker segment
// it mishandles is refused (kBadInput naming the file), a PNG loses its zero-length IDAT chunks.
std::string image_bytes(const std::string& path) {
  check_regular_file(path);
  std::error_code error;  // an unreadable file is read_file's kIo below
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > static_cast<uintmax_t>(std::numeric_limits<int>::max()))  // stb_image takes an int length
    throw Error(ErrorCode::kBadInput, path + ": an image file of " + std::to_string(size) + " bytes (at most 2 GiB)");
  std::string bytes = read_file(path);
  if (image_checks::looks_like_jpeg(bytes)) {
    if (const std::string problem = image_checks::jpeg_problem(bytes); !problem.empty())
      throw Error(ErrorCode::kBadInput, path + ": cannot decode image: not a valid JPEG: " + problem);
  }
  image_checks::drop_empty_png_idat_chunks(bytes);
  return bytes;
}

}  // namespace

Image load_image(const std::string& path) {
  const std::string bytes = image_bytes(path);
  const auto* encoded = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());
  int w = 0, h = 0, c = 0;
  // The header's size is checked before decoding: a 420 KB PNG can declare 12000x12000 pixels.
  if (stbi_info_from_memory(encoded, length, &w, &h, &c) == 0)
    throw Error(ErrorCode::kBadInput, path + ": cannot decode image: " + stbi_failure_reason());
  const uint64_t pixels = static_cast<uint64_t>(w) * static_cast<uint64_t>(h);
  if (const uint64_t cap = max_image_pixels(); pixels > cap)
    throw Error(ErrorCode::kBadInput, path + ": image of " + std::to_string(w) + "x" + std::to_string(h) + " = " +
                                          std::to_string(pixels) + " pixels is over the limit of " +
                                          std::to_string(cap) + " (PIU_MAX_IMAGE_PIXELS to allow more)");
  std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(encoded, length, &w, &h, &c, 3),
                                                 stbi_image_free);
  if (!data) {
    const char* why = stbi_failure_reason();  // null for some failures (fuzz/crashes/image/)
    throw Error(ErrorCode::kBadInput, path + ": cannot decode image: " + (why ? why : "corrupt or unsupported"));
  }
  if (w <= 0 || h <= 0)  // a header of zero rows or columns decodes to no pixels
    throw Error(ErrorCode::kBadInput,
                path + ": the image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  Image img;
  img.width = w;
  img.height = h;
  img.channels = 3;
  img.pixels.assign(data.get(), data.get() + static_cast<size_t>(w) * h * 3);
  return img;
}

Image resize_image(const Image& src, int width, int height) {
  if (width <= 0 || height <= 0) throw Error(ErrorCode::kBadInput, "resize_image to a non-positive size");
  if (src.width <= 0 || src.height <= 0 || src.channels <= 0 ||
      src.pixels.size() != static_cast<size_t>(src.width) * src.height * src.channels)
    throw Error(ErrorCode::kBadInput, "resize_image of an empty or inconsistent image");
  Image dst;
  dst.width = width;
  dst.height = height;
  dst.channels = src.channels;
  dst.pixels.resize(static_cast<size_t>(width) * height * src.channels);
  // Half-pixel centers, as in PIL/OpenCV bilinear resizing.
  const float sx = static_cast<float>(src.width) / width, sy = static_cast<float>(src.height) / height;
  for (int y = 0; y < height; ++y) {
    const float fy = std::clamp((y + 0.5f) * sy - 0.5f, 0.0f, static_cast<float>(src.height - 1));
    const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, src.height - 1);
    const float wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      const float fx = std::clamp((x + 0.5f) * sx - 0.5f, 0.0f, static_cast<float>(src.width - 1));
      const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, src.width - 1);
      const float wx = fx - x0;
      for (int c = 0; c < src.channels; ++c) {
        auto px = [&](int yy, int xx) {
          return static_cast<float>(src.pixels[(static_cast<size_t>(yy) * src.width + xx) * src.channels + c]);
        };
        const float v =
            (1 - wy) * ((1 - wx) * px(y0, x0) + wx * px(y0, x1)) + wy * ((1 - wx) * px(y1, x0) + wx * px(y1, x1));
        dst.pixels[(static_cast<size_t>(y) * width + x) * src.channels + c] =
            static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return dst;
}

Tensor image_to_tensor(const Image& image, const ImageNormalization& norm) {
  if (image.channels != 3) throw Error(ErrorCode::kBadInput, "image_to_tensor expects 3 channels");
  Tensor t = Tensor::zeros(DType::kFloat32, {1, 3, image.height, image.width});
  float* out = t.data_as<float>();
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  for (int c = 0; c < 3; ++c) {
    const int src_c = norm.bgr ? 2 - c : c;
    const float scale = 1.0f / (255.0f * norm.std[src_c]), shift = norm.mean[src_c] / norm.std[src_c];
    for (size_t i = 0; i < plane; ++i) out[c * plane + i] = image.pixels[i * 3 + src_c] * scale - shift;
  }
  return t;
}

}  // namespace piu

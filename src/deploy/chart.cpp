// The latency chart of a deploy report: grouped bars (before / after) per batch size, drawn into
// an RGB buffer with stb_easy_font's glyph quads for text and encoded by stb_image_write.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "piu/deploy.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace piu {

namespace {

struct Rgb {
  uint8_t r, g, b;
};

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kInk{40, 40, 40};
constexpr Rgb kGrid{225, 225, 225};
constexpr Rgb kBefore{158, 158, 158};
constexpr Rgb kAfter{31, 119, 180};

class Canvas {
 public:
  Canvas(int width, int height) : width_(width), height_(height), pixels_(size_t(width) * height * 3, 255) {}

  void fill(double x0, double y0, double x1, double y1, Rgb c) {
    const int ax = std::clamp(static_cast<int>(std::lround(std::min(x0, x1))), 0, width_);
    const int bx = std::clamp(static_cast<int>(std::lround(std::max(x0, x1))), 0, width_);
    const int ay = std::clamp(static_cast<int>(std::lround(std::min(y0, y1))), 0, height_);
    const int by = std::clamp(static_cast<int>(std::lround(std::max(y0, y1))), 0, height_);
    for (int y = ay; y < by; ++y)
      for (int x = ax; x < bx; ++x) {
        uint8_t* p = &pixels_[(size_t(y) * width_ + x) * 3];
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
      }
  }

  // Text with its top-left corner at (x, y); `scale` multiplies stb_easy_font's ~7 px glyphs.
  void text(double x, double y, const std::string& s, double scale, Rgb c) {
    std::vector<char> buffer(s.size() * 1024 + 1024);  // up to ~16 quads of 64 bytes per char
    std::string copy = s;
    unsigned char color[4] = {c.r, c.g, c.b, 255};
    const int quads = stb_easy_font_print(0, 0, copy.data(), color, buffer.data(), static_cast<int>(buffer.size()));
    struct Vertex {
      float x, y, z;
      unsigned char rgba[4];
    };
    const auto* v = reinterpret_cast<const Vertex*>(buffer.data());
    for (int q = 0; q < quads; ++q) {
      const Vertex& a = v[q * 4];
      const Vertex& b = v[q * 4 + 2];
      fill(x + a.x * scale, y + a.y * scale, x + b.x * scale, y + b.y * scale, c);
    }
  }

  static double text_width(const std::string& s, double scale) {
    std::string copy = s;
    return stb_easy_font_width(copy.data()) * scale;
  }

  std::string png() const {
    std::string out;
    auto append = [](void* context, void* data, int size) {
      static_cast<std::string*>(context)->append(static_cast<const char*>(data), size_t(size));
    };
    stbi_write_png_to_func(append, &out, width_, height_, 3, pixels_.data(), width_ * 3);
    return out;
  }

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;
};

// The smallest 1/2/5 x 10^k at or above v.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

// Bar values: three significant digits or so.
std::string format_ms(double ms) {
  return fmt::format("{:.{}f}", ms, ms >= 100 ? 0 : ms >= 10 ? 1 : ms >= 1 ? 2 : 3);
}

}  // namespace

std::string render_latency_chart_png(const std::vector<LatencyPoint>& latency, const std::string& title) {
  const int groups = std::max<int>(1, static_cast<int>(latency.size()));
  const int width = std::max(520, 120 + groups * 180), height = 360;
  const double left = 70, right = width - 20, top = 66, bottom = height - 56;
  Canvas c(width, height);
  c.fill(0, 0, width, height, kWhite);
  c.text(8, 10, title, 2, kInk);

  double max_ms = 0;
  for (const auto& p : latency) max_ms = std::max({max_ms, p.before_p50_ms, p.after_p50_ms});
  const double y_max = nice_ceiling(max_ms * 1.1);
  auto y_of = [&](double ms) { return bottom - (bottom - top) * ms / y_max; };

  // Grid and y labels (5 steps), then the axes.
  const double step = y_max / 5;
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  for (int i = 0; i <= 5; ++i) {
    const double ms = step * i, y = y_of(ms);
    c.fill(left, y, right, y + 1, kGrid);
    const std::string label = fmt::format("{:.{}f}", ms, decimals);
    c.text(left - 12 - Canvas::text_width(label, 2), y - 6, label, 2, kInk);
  }
  c.text(8, 40, "p50 ms", 2, kInk);
  c.fill(left, top, left + 1, bottom + 1, kInk);
  c.fill(left, bottom, right, bottom + 1, kInk);

  // Legend.
  const double lx = right - 200;
  c.fill(lx, 38, lx + 14, 52, kBefore);
  c.text(lx + 20, 39, "before", 2, kInk);
  c.fill(lx + 110, 38, lx + 124, 52, kAfter);
  c.text(lx + 130, 39, "after", 2, kInk);

  const double slot = (right - left) / groups, bar = std::min(64.0, slot * 0.4);
  for (int g = 0; g < static_cast<int>(latency.size()); ++g) {
    const auto& p = latency[g];
    const double cx = left + slot * (g + 0.5);
    const double pairs[2][2] = {{cx - bar - 2, p.before_p50_ms}, {cx + 2, p.after_p50_ms}};
    for (int k = 0; k < 2; ++k) {
      const double x0 = pairs[k][0], ms = pairs[k][1];
      c.fill(x0, y_of(ms), x0 + bar, bottom, k == 0 ? kBefore : kAfter);
      const std::string v = format_ms(ms);
      c.text(x0 + bar / 2 - Canvas::text_width(v, 2) / 2, y_of(ms) - 18, v, 2, kInk);
    }
    const std::string label = "batch " + std::to_string(p.batch);
    c.text(cx - Canvas::text_width(label, 2) / 2, bottom + 8, label, 2, kInk);
    if (p.before_p50_ms > 0) {
      const std::string ratio = fmt::format("{:.2f}x", p.after_p50_ms / p.before_p50_ms);
      c.text(cx - Canvas::text_width(ratio, 2) / 2, bottom + 28, ratio, 2, kAfter);
    }
  }
  return c.png();
}

}  // namespace piu

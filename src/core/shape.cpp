#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>

#include "core/checked.hpp"
#include "piu/core.hpp"

namespace piu {

std::string shape_to_string(const Shape& shape) {
  if (shape.empty()) return "[]";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

bool is_static(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) return false;
  return true;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(ErrorCode::kBadInput, "shape " + shape_to_string(shape) + " has a dynamic dim");
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw Error(ErrorCode::kBadInput, "shape " + shape_to_string(shape) + " overflows int64");
    n *= d;
  }
  return n;
}

size_t checked_nbytes(DType dtype, const Shape& shape, std::string_view what) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const uint64_t elem = dtype_size(dtype);
  for (int64_t d : shape)
    if (d < 0)
      throw Error(ErrorCode::kBadInput, std::string(what) + ": shape " + shape_to_string(shape) +
                                            (d == kDynamicDim ? " has a dynamic dim" : " has a negative dim"));
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  uint64_t bytes = elem;
  for (int64_t d : shape) {
    if (bytes > kMax / static_cast<uint64_t>(d))
      throw Error(ErrorCode::kBadInput, std::string(what) + ": shape " + shape_to_string(shape) + " of " +
                                            std::string(dtype_name(dtype)) + " needs more than 2^63 bytes");
    bytes *= static_cast<uint64_t>(d);
  }
  return static_cast<size_t>(bytes);
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad_shape(std::string_view text, const std::string& why) {
  throw Error(ErrorCode::kBadInput, "bad shape '" + std::string(text) + "': " + why +
                                        " (expected e.g. 1x3x224x224, -1,3,224,224, input:1x3x224x224, "
                                        "ids:-1x128:int64 or ids:[batch, seq]:int64)");
}

}  // namespace

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }

// A dim name: a letter or '_', then letters, digits or '_'.
bool is_dim_name(std::string_view tok) {
  if (tok.empty() || !is_name_start(tok.front())) return false;
  return std::all_of(tok.begin(), tok.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Dims separated by 'x' or ','; with `names`, a dim may be a name (a dynamic dim that equally named
// dims of other inputs share): dims holding names are separated by ',' only, since a name may hold
// an 'x' ("max_len"). `names` receives one entry per dim ("" where unnamed), or none when no dim is named.
Shape parse_dims(std::string_view text, std::vector<std::string>* names) {
  std::string_view s = trim(text);
  if (!s.empty() && s.front() == '[') {
    if (s.back() != ']') bad_shape(text, "unbalanced '['");
    s = trim(s.substr(1, s.size() - 2));
  }
  Shape shape;
  if (s.empty() || s == "scalar") {
    if (trim(text).empty()) bad_shape(text, "empty");
    return shape;
  }
  const bool named = names && std::any_of(s.begin(), s.end(), [](char c) { return c != 'x' && is_name_start(c); });
  const char* separators = named ? "," : "x,";
  std::vector<std::string> dim_names;
  size_t pos = 0;
  while (true) {
    size_t end = s.find_first_of(separators, pos);
    std::string_view tok = trim(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (tok.empty()) bad_shape(text, "empty dim");
    dim_names.emplace_back();
    if (tok == "?" || tok == "-1") {
      shape.push_back(kDynamicDim);
    } else if (named && is_dim_name(tok)) {
      shape.push_back(kDynamicDim);
      dim_names.back() = std::string(tok);
    } else {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      if (ec == std::errc::result_out_of_range) bad_shape(text, "dim '" + std::string(tok) + "' is too large");
      if (ec != std::errc() || ptr != tok.data() + tok.size())
        bad_shape(text, "dim '" + std::string(tok) + "' is not an integer" +
                            (named ? " or a name (dims holding names are separated by ',')" : ""));
      if (v < 0) bad_shape(text, "dim '" + std::string(tok) + "' is negative (use -1 for a dynamic dim)");
      shape.push_back(v);
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (named) *names = std::move(dim_names);
  return shape;
}

}  // namespace

Shape parse_shape(std::string_view text) { return parse_dims(text, nullptr); }

ShapeSpec parse_shape_spec(std::string_view text) {
  std::string_view s = trim(text);
  ShapeSpec spec;
  // A dtype after the last ':' ("ids:-1x128:int64"): dims are never a dtype's name. A tail that is
  // not a dtype is the dims when it holds names ("ids:[batch, seq]", "ids:batch,seq", "ids:seq").
  if (size_t colon = s.rfind(':'); colon != std::string_view::npos) {
    const std::string_view tail = trim(s.substr(colon + 1));
    if (!tail.empty() && std::isalpha(static_cast<unsigned char>(tail.front())) && tail != "scalar") {
      const bool dims_like = tail.find_first_of(",[") != std::string_view::npos ||
                             (is_dim_name(tail) && s.substr(0, colon).find(':') == std::string_view::npos);
      try {
        spec.dtype = parse_dtype(tail);
      } catch (const Error&) {
        if (!dims_like)
          bad_shape(text, "'" + std::string(tail) + "' is not a dtype (float32, float16, int64, int32, bool, ...)");
      }
      if (spec.dtype) s = trim(s.substr(0, colon));
    }
  }
  // The name is everything before the last ':' (names may contain ':' as in "input:0").
  size_t colon = s.rfind(':');
  if (colon != std::string_view::npos) {
    spec.name = std::string(trim(s.substr(0, colon)));
    if (spec.name.empty()) bad_shape(text, "empty input name before ':'");
    s = s.substr(colon + 1);
  }
  spec.shape = parse_dims(s, &spec.dim_names);
  return spec;
}

IntRange parse_int_range(std::string_view text) {
  const std::string_view s = trim(text);
  auto bad = [&](const std::string& why) {
    throw Error(ErrorCode::kBadInput,
                "bad integer range '" + std::string(text) + "': " + why + " (expected NAME:LO:HI, LO <= values < HI)");
  };
  const size_t hi_colon = s.rfind(':');
  const size_t lo_colon = hi_colon == std::string_view::npos || hi_colon == 0 ? std::string_view::npos
                                                                               : s.rfind(':', hi_colon - 1);
  if (lo_colon == std::string_view::npos || lo_colon == 0) bad("expected a name and two bounds");
  IntRange r;
  r.name = std::string(trim(s.substr(0, lo_colon)));
  if (r.name.empty()) bad("empty input name");
  for (auto [part, out] : {std::pair{s.substr(lo_colon + 1, hi_colon - lo_colon - 1), &r.low},
                           std::pair{s.substr(hi_colon + 1), &r.high}}) {
    const std::string_view tok = trim(part);
    auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out);
    if (tok.empty() || ec != std::errc() || ptr != tok.data() + tok.size()) {
      std::string why(tok);  // (built in steps: GCC 12 warns falsely on "'" + std::string(tok))
      why += "' is not an integer";
      bad("'" + why);
    }
  }
  if (r.low >= r.high) bad("LO must be below HI");
  return r;
}

std::vector<ShapeSpec> parse_shape_specs(std::string_view text) {
  // Specs are separated by ';' or whitespace outside brackets ("a:[1, 3] b:2x4" is two specs).
  std::vector<ShapeSpec> specs;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ';';
    if (c == '[') ++depth;
    if (c == ']') --depth;
    const bool separator = c == ';' || (depth == 0 && std::isspace(static_cast<unsigned char>(c)));
    if (!separator) continue;
    std::string_view tok = trim(text.substr(start, i - start));
    if (!tok.empty()) specs.push_back(parse_shape_spec(tok));
    start = i + 1;
  }
  if (specs.empty()) bad_shape(text, "empty");
  return specs;
}

}  // namespace piu

// NumPy .npy reading and writing (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "core/checked.hpp"
#include "core/npy_internal.hpp"
#include "piu/core.hpp"

namespace piu {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

[[noreturn]] void bad_npy(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::kBadInput, path + ": not a valid .npy file: " + why);
}

struct DescrEntry {
  const char* descr;  // without the byte-order character
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {
    {"f4", DType::kFloat32}, {"f2", DType::kFloat16}, {"f8", DType::kFloat64}, {"i1", DType::kInt8},
    {"u1", DType::kUInt8},   {"i2", DType::kInt16},   {"u2", DType::kUInt16},  {"i4", DType::kInt32},
    {"u4", DType::kUInt32},  {"i8", DType::kInt64},   {"u8", DType::kUInt64},  {"b1", DType::kBool},
};

// Returns the text of `key`'s value in the header dict (up to the next top-level ',' or '}').
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  for (const char quote : {'\'', '"'}) {
    const std::string needle = std::string(1, quote) + key + quote;
    size_t k = header.find(needle);
    if (k == std::string::npos) continue;
    size_t colon = header.find(':', k + needle.size());
    if (colon == std::string::npos) break;
    size_t start = colon + 1;
    int depth = 0;
    size_t i = start;
    for (; i < header.size(); ++i) {
      char c = header[i];
      if (c == '(' || c == '[') ++depth;
      if (c == ')' || c == ']') --depth;
      if (depth == 0 && (c == ',' || c == '}')) break;
    }
    std::string v = header.substr(start, i - start);
    size_t a = v.find_first_not_of(" \t"), b = v.find_last_not_of(" \t");
    return a == std::string::npos ? "" : v.substr(a, b - a + 1);
  }
  bad_npy(path, "header has no '" + key + "' key");
}

std::string unquote(const std::string& s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read " + path + ": no such file or not readable");
  return read_npy_stream(in, static_cast<uint64_t>(std::filesystem::file_size(path)), path);
}

Tensor read_npy_stream(std::istream& in, uint64_t file_size, const std::string& path) {
  char magic[8] = {};
  in.read(magic, 8);
  if (in.gcount() < 8 || std::memcmp(magic, kMagic, 6) != 0) bad_npy(path, "bad magic (expected \\x93NUMPY)");
  const int major = static_cast<unsigned char>(magic[6]);
  uint64_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint64_t>(b[3]) << 24);
  } else {
    bad_npy(path, "unsupported format version " + std::to_string(major));
  }
  if (!in || header_len > file_size) bad_npy(path, "truncated header");
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) bad_npy(path, "truncated header");

  std::string descr = unquote(dict_value(header, "descr", path));
  if (descr.size() < 2) bad_npy(path, "bad descr '" + descr + "'");
  const char order = descr[0];
  std::string code = descr.substr(1);
  if (order == '>' && code != "i1" && code != "u1" && code != "b1")
    throw Error(ErrorCode::kUnsupported, path + ": big-endian .npy data ('" + descr + "') is not supported");
  if (order != '<' && order != '|' && order != '=' && order != '>') bad_npy(path, "bad descr '" + descr + "'");
  std::optional<DType> dtype;
  for (const auto& e : kDescrs)
    if (code == e.descr) dtype = e.dtype;
  if (!dtype) throw Error(ErrorCode::kUnsupported, path + ": .npy dtype '" + descr + "' is not supported");

  if (dict_value(header, "fortran_order", path) != "False")
    throw Error(ErrorCode::kUnsupported, path + ": Fortran-ordered .npy is not supported (save with C order)");

  std::string shape_text = dict_value(header, "shape", path);
  if (shape_text.size() < 2 || shape_text.front() != '(' || shape_text.back() != ')')
    bad_npy(path, "bad shape '" + shape_text + "'");
  Shape shape;
  {
    std::string inner = shape_text.substr(1, shape_text.size() - 2);
    size_t pos = 0;
    while (pos < inner.size()) {
      size_t end = inner.find(',', pos);
      std::string tok = inner.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      size_t a = tok.find_first_not_of(" \t"), b = tok.find_last_not_of(" \tL");
      if (a != std::string::npos) {
        tok = tok.substr(a, b - a + 1);
        int64_t v = -1;
        auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
        if (ec != std::errc() || ptr != tok.data() + tok.size() || v < 0)
          bad_npy(path, "bad dim '" + tok + "' in shape " + shape_text);
        shape.push_back(v);
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  uint64_t need = 0;
  try {
    need = checked_nbytes(*dtype, shape, "header");
  } catch (const Error& e) {
    bad_npy(path, e.what());
  }
  const uint64_t data_offset = static_cast<uint64_t>(in.tellg());
  if (data_offset > file_size || need > file_size - data_offset)
    bad_npy(path, "data section holds " + std::to_string(file_size - std::min(data_offset, file_size)) +
                      " bytes, shape " + shape_text + " needs " + std::to_string(need));
  Tensor t = Tensor::zeros(*dtype, shape);
  in.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(t.nbytes()));
  if (!in) bad_npy(path, "truncated data");
  return t;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  if (tensor.device().kind != DeviceKind::kCpu) throw Error(ErrorCode::kUnsupported, "write_npy of a device tensor");
  std::string descr;
  for (const auto& e : kDescrs)
    if (e.dtype == tensor.dtype()) descr = std::string(dtype_size(e.dtype) == 1 ? "|" : "<") + e.descr;
  if (descr.empty())
    throw Error(ErrorCode::kUnsupported, "cannot write " + path + ": dtype " + std::string(dtype_name(tensor.dtype())) +
                                             " has no .npy equivalent");
  // numpy spells shapes "(1, 3)", "(5,)" and "()".
  std::string pretty = "(";
  for (size_t i = 0; i < tensor.rank(); ++i) {
    if (i) pretty += ", ";
    pretty += std::to_string(tensor.dim(i));
  }
  pretty += tensor.rank() == 1 ? ",)" : ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + pretty + ", }";
  // Pad so that magic(6)+version(2)+len(2)+header ends with '\n' on a 64-byte boundary.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(kMagic, 6);
    const char version[2] = {1, 0};
    out.write(version, 2);
    const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                  static_cast<unsigned char>((header.size() >> 8) & 0xff)};
    out.write(reinterpret_cast<const char*>(len), 2);
    out << header;
    out.write(static_cast<const char*>(tensor.data()), static_cast<std::streamsize>(tensor.nbytes()));
  });
}

}  // namespace piu

// TensorRT's calibration cache: "TRT-<version>-<calibrator>" then "<tensor>: <hex of float scale>".
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "core/checked.hpp"
#include "piu/quant.hpp"

namespace piu {

namespace {

// Scales past this are no calibration result (activations of 1e32); FLT_MAX gave NaN models.
constexpr float kMaxScale = 1e30f;

std::string calibrator_name(CalibrationMethod method) {
  return method == CalibrationMethod::kEntropy ? "EntropyCalibration2" : "MinMaxCalibration";
}

}  // namespace

void write_tensorrt_cache(const CalibrationTable& table, const std::string& path, const TensorRtCacheOptions& options) {
  if (table.ranges.empty()) throw Error(ErrorCode::kBadInput, "no tensor ranges to write to " + path);
  AtomicFile file(path);
  std::ostream& out = file.stream();
  out << "TRT-" << options.version << "-" << calibrator_name(table.method) << "\n";
  for (const auto& [name, range] : table.ranges) {
    if (name.find('\n') != std::string::npos || name.find(": ") != std::string::npos)
      throw Error(ErrorCode::kUnsupported, "tensor name '" + name + "' cannot be written to a TensorRT cache");
    // A range too small for a normal scale (a tensor zero on every item, or a weight, which carries
    // no activation range) is written as 0, which read_tensorrt_cache takes as "no range".
    const float scale = std::isnormal(range.amax / 127.0f) ? range.amax / 127.0f : 0.0f;
    uint32_t bits = 0;
    std::memcpy(&bits, &scale, sizeof bits);
    out << name << ": " << fmt::format("{:08x}", bits) << "\n";
  }
  file.commit();
}

CalibrationTable read_tensorrt_cache(const std::string& path) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read calibration cache " + path + ": no such file or not readable");
  std::string line;
  auto bad = [&](int n, const std::string& what) {
    return Error(ErrorCode::kBadInput, path + ":" + std::to_string(n) + ": " + what);
  };
  if (!std::getline(in, line)) throw bad(1, "empty file; expected a header 'TRT-<version>-<calibrator>'");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  CalibrationTable table;
  {
    // TRT-<digits>-<name>
    const size_t dash = line.find('-', 4);
    bool ok = line.rfind("TRT-", 0) == 0 && dash != std::string::npos && dash > 4;
    for (size_t i = 4; ok && i < dash; ++i) ok = std::isdigit(static_cast<unsigned char>(line[i])) != 0;
    const std::string calibrator = ok ? line.substr(dash + 1) : "";
    if (!ok || calibrator.empty())
      throw bad(1, "not a TensorRT calibration cache: the header '" + line.substr(0, 60) +
                       "' is not 'TRT-<version>-<calibrator>'");
    if (calibrator == "EntropyCalibration2" || calibrator == "EntropyCalibration")
      table.method = CalibrationMethod::kEntropy;
    else if (calibrator == "MinMaxCalibration")
      table.method = CalibrationMethod::kMinMax;
    else if (calibrator != "LegacyCalibration")
      throw bad(1, "unknown calibrator '" + calibrator +
                       "' (known: EntropyCalibration2, EntropyCalibration, MinMaxCalibration, LegacyCalibration)");
  }
  int n = 1;
  std::set<std::string> zero_scales;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t sep = line.rfind(": ");
    if (sep == std::string::npos || sep == 0) throw bad(n, "expected '<tensor>: <hex scale>', got '" + line.substr(0, 80) + "'");
    const std::string name = line.substr(0, sep), hex = line.substr(sep + 2);
    bool ok = hex.size() == 8;
    for (char c : hex) ok = ok && std::isxdigit(static_cast<unsigned char>(c));
    if (!ok) throw bad(n, "scale of '" + name + "' is '" + hex + "', not 8 hex digits");
    const uint32_t bits = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
    float scale = 0;
    std::memcpy(&scale, &bits, sizeof scale);
    // A denormal or huge scale makes Q/DQ nodes that compute NaN or infinity: refused. Zero is "no
    // range" (piu writes it for weights and constant tensors): the entry is dropped, and a quantizer
    // keeps the tensor in float rather than giving it an arbitrary scale.
    if (!std::isfinite(scale) || scale < 0)
      throw bad(n, "scale of '" + name + "' (" + hex + ") is not a finite non-negative float");
    if (table.ranges.count(name) || zero_scales.count(name)) throw bad(n, "tensor '" + name + "' appears twice");
    if (scale == 0) {
      zero_scales.insert(name);
      continue;
    }
    if (!std::isnormal(scale) || scale > kMaxScale)
      throw bad(n, fmt::format("scale of '{}' ({} = {:g}) is out of range: a scale must be a normal float in "
                               "[{:g}, {:g}]",
                               name, hex, scale, std::numeric_limits<float>::min(), kMaxScale));
    TensorRange r;
    r.amax = scale * 127.0f;
    r.min = -r.amax;
    r.max = r.amax;
    table.ranges[name] = r;
  }
  if (table.ranges.empty())
    throw bad(n, zero_scales.empty() ? "no tensor scales after the header"
                                     : "every scale after the header is zero (no tensor has a range)");
  return table;
}

}  // namespace piu

// Device names: "cpu", "cuda", "cuda:N".
#include <charconv>
#include <string>

#include "piu/core.hpp"

namespace piu {

Device parse_device(std::string_view text) {
  if (text == "cpu") return {};
  if (text == "cuda") return {DeviceKind::kCuda, 0};
  if (text.substr(0, 5) == "cuda:") {
    const std::string_view digits = text.substr(5);
    int index = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && index >= 0 && index < 1024)
      return {DeviceKind::kCuda, index};
  }
  throw Error(ErrorCode::kBadInput, "device '" + std::string(text) + "': expected cpu, cuda or cuda:N");
}

std::string device_name(const Device& device) {
  return device.kind == DeviceKind::kCpu ? "cpu" : "cuda:" + std::to_string(device.index);
}

}  // namespace piu

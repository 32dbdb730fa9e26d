#include <fmt/format.h>

#include "core/checked.hpp"
#include "piu/core.hpp"

namespace piu {

std::string printable_message(std::string_view message, size_t max_length) {
  std::string out;
  for (size_t i = 0; i < message.size() && out.size() <= max_length; ++i) {
    const auto c = static_cast<unsigned char>(message[i]);
    const bool c1 = c == 0xC2 && i + 1 < message.size() && static_cast<unsigned char>(message[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(message[i + 1]) <= 0x9F;  // U+0080..U+009F in UTF-8
    if (c1) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(message[++i]));
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.size() <= max_length) return out;
  size_t cut = max_length >= 3 ? max_length - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return out.substr(0, cut) + "...";
}

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadInput:
      return "bad input";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kBackend:
      return "backend error";
    case ErrorCode::kInternal:
      return "internal error";
    case ErrorCode::kVerificationFailed:
      return "verification failed";
  }
  return "error";
}

}  // namespace piu

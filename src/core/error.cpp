#include "piu/core.hpp"

namespace piu {

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

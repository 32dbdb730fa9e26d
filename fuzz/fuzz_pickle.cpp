// libFuzzer harness: a pickle walked as piu walks each pickle entry of a TorchScript archive before
// LibTorch unpickles it (pickle_problem, src/core/pickle_check.cpp). The torchscript harness
// reaches it only through a zip archive whose CRCs still match; this one feeds it directly.
#include <string_view>

#include "core/pickle_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)piu::pickle_problem(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

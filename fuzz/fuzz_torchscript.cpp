// libFuzzer harness: a TorchScript file read as `piu export` reads it (the torch plugin's reader:
// piu's archive checks, LibTorch's loader, then piu's lowering to its IR), from the bytes in memory
// and from a file.
#include <string>

#include "ir/ir.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)piu::ir::torchscript_reader()("fuzz.pt", &bytes);
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  const piu::fuzz::ScratchFile file(data, size, "module.pt");
  try {
    (void)piu::ir::torchscript_reader()(file.path(), nullptr);
  } catch (const piu::Error&) {
  }
  return 0;
}

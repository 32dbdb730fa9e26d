// libFuzzer harness: a .npy file read as `--input x.npy` reads it (read_npy).
#include "piu/core.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const piu::fuzz::ScratchFile file(data, size, "input.npy");
  try {
    const piu::Tensor t = piu::read_npy(file.path());
    (void)t.nbytes();
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  return 0;
}

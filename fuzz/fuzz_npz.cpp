// libFuzzer harness: a .npz archive (numpy.savez / savez_compressed) read as `--input x.npz` reads
// it (read_npz: the zip directory, zip64 fields, inflate, CRCs, then each entry's .npy).
#include "piu/core.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const piu::fuzz::ScratchFile file(data, size, "inputs.npz");
  try {
    for (const auto& [name, tensor] : piu::read_npz(file.path())) (void)tensor.nbytes();
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  return 0;
}

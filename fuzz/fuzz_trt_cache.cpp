// libFuzzer harness: a TensorRT calibration cache read as `piu quantize --calibration-cache` reads
// it (read_tensorrt_cache).
#include "piu/quant.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const piu::fuzz::ScratchFile file(data, size, "calibration.cache");
  try {
    (void)piu::read_tensorrt_cache(file.path());
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  return 0;
}

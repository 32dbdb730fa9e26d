// libFuzzer harness: an image file (PNG, JPEG, BMP, GIF, PPM/PGM, TGA, ... whatever the loader
// decodes) loaded, resized and normalized as ImageClassifier and image calibration data do.
#include "piu/model.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const piu::fuzz::ScratchFile file(data, size, "image");
  try {
    const piu::Image image = piu::load_image(file.path());
    (void)piu::image_to_tensor(piu::resize_image(image, 7, 5));
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  return 0;
}

// libFuzzer harness: the text of --shape / --int-range options (parse_shape_specs, parse_shape,
// parse_int_range) and the element count of every static shape parsed.
#include <string_view>

#include "piu/core.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const piu::ShapeSpec& spec : piu::parse_shape_specs(text))
      if (piu::is_static(spec.shape)) (void)piu::shape_numel(spec.shape);
  } catch (const piu::Error&) {  // bad input, refused cleanly; anything else is a finding
  }
  try {
    (void)piu::parse_shape(text);
  } catch (const piu::Error&) {
  }
  try {
    (void)piu::parse_int_range(text);
  } catch (const piu::Error&) {
  }
  return 0;
}

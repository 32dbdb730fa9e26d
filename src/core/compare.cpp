#include <cmath>
#include <limits>

#include "piu/core.hpp"

namespace piu {

TensorDiff compare_tensors(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  TensorDiff d;
  d.shape_match = actual.shape() == expected.shape();
  d.dtype_match = actual.dtype() == expected.dtype() || (is_floating(actual.dtype()) && is_floating(expected.dtype()));
  if (!d.shape_match) return d;
  d.numel = expected.numel();
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < d.numel; ++i) {
    const double a = element_as_double(actual, i), e = element_as_double(expected, i);
    if (std::isnan(a) || std::isnan(e)) {
      if (std::isnan(a) != std::isnan(e)) ++d.mismatches;
      continue;
    }
    if (std::isinf(a) || std::isinf(e)) {
      if (a != e) ++d.mismatches;
      continue;
    }
    const double diff = std::fabs(a - e);
    signal += e * e;
    noise += diff * diff;
    d.max_abs = std::max(d.max_abs, diff);
    d.expected_scale = std::max(d.expected_scale, std::fabs(e));
    if (e != 0) d.max_rel = std::max(d.max_rel, diff / std::fabs(e));
    if (diff > atol + rtol * std::fabs(e)) ++d.mismatches;
  }
  d.sqnr_db = noise == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(signal / noise);
  return d;
}

}  // namespace piu

// Verification: two sessions on the same random inputs, at several values of the dynamic dims.
#include <cmath>

#include "piu/session.hpp"

namespace piu {

VerifyReport verify_sessions(const Session& reference, const Session& candidate, const VerifyOptions& options) {
  VerifyReport report;
  const auto& ref_in = reference.inputs();
  const auto& cand_in = candidate.inputs();
  if (ref_in.size() != cand_in.size())
    throw Error(ErrorCode::kBadInput, "verification: the models take different numbers of inputs (" +
                                          std::to_string(ref_in.size()) + " vs " + std::to_string(cand_in.size()) +
                                          ")");
  if (reference.outputs().size() != candidate.outputs().size())
    throw Error(ErrorCode::kBadInput, "verification: the models have different numbers of outputs (" +
                                          std::to_string(reference.outputs().size()) + " vs " +
                                          std::to_string(candidate.outputs().size()) + ")");
  std::vector<int64_t> batches = options.batches.empty() ? std::vector<int64_t>{1} : options.batches;
  bool dynamic_batch = false;
  for (const auto& info : ref_in) dynamic_batch = dynamic_batch || (!info.shape.empty() && info.shape[0] < 0);
  if (!dynamic_batch) batches.resize(1);  // the first dim is fixed: one run tells all
  for (int64_t batch : batches) {
    const std::vector<Tensor> inputs = make_random_inputs(ref_in, options.shapes, batch, options.seed);
    std::vector<Tensor> cand_inputs(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      size_t j = i;
      for (size_t k = 0; k < cand_in.size(); ++k)
        if (cand_in[k].name == ref_in[i].name) j = k;
      cand_inputs[j] = inputs[i];
    }
    const auto expected = reference.run(inputs);
    const auto actual = candidate.run(cand_inputs);
    for (size_t i = 0; i < expected.size(); ++i) {
      OutputCheck check;
      check.output = reference.outputs()[i].name;
      check.batch = batch;
      check.shape = expected[i].shape();
      const TensorDiff d = compare_tensors(actual[i], expected[i], 0, 0);
      check.max_abs = d.max_abs;
      check.scale = d.expected_scale;
      const bool exact = !is_floating(expected[i].dtype());
      const double allowed = exact ? 0.0 : options.rel_tol * d.expected_scale + options.abs_tol;
      // NaN/inf positions must agree (compare_tensors counts those as mismatches even at zero tolerance).
      int64_t special_mismatch = 0;
      if (!exact) special_mismatch = compare_tensors(actual[i], expected[i], INFINITY, 0).mismatches;
      check.ok = d.shape_match && d.dtype_match && special_mismatch == 0 && d.max_abs <= allowed;
      if (!check.ok && report.ok) {
        report.ok = false;
        std::string shapes;
        for (const auto& t : inputs) shapes += (shapes.empty() ? "" : ", ") + shape_to_string(t.shape());
        report.failure =
            "output '" + check.output + "' differs at input shape(s) " + shapes + ": " +
            (!d.shape_match
                 ? "shape " + shape_to_string(actual[i].shape()) + " vs " + shape_to_string(expected[i].shape())
             : !d.dtype_match ? std::string("dtype differs")
                              : "max abs error " + std::to_string(d.max_abs) + " > allowed " + std::to_string(allowed) +
                                    " (output scale " + std::to_string(d.expected_scale) + ")");
      }
      report.checks.push_back(check);
    }
  }
  return report;
}

}  // namespace piu

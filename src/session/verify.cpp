// Verification: a reference and a candidate model on the same random inputs, at several values of
// the dynamic dims, every output compared.
#include <cmath>

#include "piu/session.hpp"

namespace piu {

namespace {

void check_same_io(const std::vector<TensorInfo>& ref_in, const std::vector<TensorInfo>& ref_out,
                   const Session& candidate) {
  if (ref_in.size() != candidate.inputs().size())
    throw Error(ErrorCode::kBadInput, "verification: the models take different numbers of inputs (" +
                                          std::to_string(ref_in.size()) + " vs " +
                                          std::to_string(candidate.inputs().size()) + ")");
  if (ref_out.size() != candidate.outputs().size())
    throw Error(ErrorCode::kBadInput, "verification: the models have different numbers of outputs (" +
                                          std::to_string(ref_out.size()) + " vs " +
                                          std::to_string(candidate.outputs().size()) + ")");
}

struct Run {
  int64_t batch = 0;
  std::vector<Tensor> inputs;    // in the reference's input order
  std::vector<Tensor> expected;  // the reference's outputs
};

// The batch sizes to try and their random inputs.
std::vector<Run> plan_runs(const std::vector<TensorInfo>& inputs, const VerifyOptions& options) {
  std::vector<int64_t> batches = options.batches.empty() ? std::vector<int64_t>{1} : options.batches;
  bool dynamic_batch = false;
  for (const auto& info : inputs)  // an undeclared shape (TorchScript) takes any batch
    dynamic_batch = dynamic_batch || !info.rank_known || (!info.shape.empty() && info.shape[0] < 0);
  if (!dynamic_batch) batches.resize(1);  // the first dim is fixed: one run tells all
  std::vector<Run> runs;
  for (int64_t batch : batches)
    runs.push_back({batch, make_random_inputs(inputs, options.shapes, batch, options.seed), {}});
  return runs;
}

// The candidate's inputs in its own order (matched by name, else by position).
std::vector<Tensor> candidate_inputs(const std::vector<TensorInfo>& ref_in, const std::vector<TensorInfo>& cand_in,
                                     const std::vector<Tensor>& inputs) {
  std::vector<Tensor> out(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t j = i;
    for (size_t k = 0; k < cand_in.size(); ++k)
      if (cand_in[k].name == ref_in[i].name) j = k;
    out[j] = inputs[i];
  }
  return out;
}

void compare_run(const std::vector<TensorInfo>& outputs, const Run& run, const std::vector<Tensor>& actual,
                 const VerifyOptions& options, VerifyReport& report) {
  const auto& expected = run.expected;
  for (size_t i = 0; i < expected.size(); ++i) {
    OutputCheck check;
    check.output = outputs[i].name;
    check.batch = run.batch;
    check.shape = expected[i].shape();
    const TensorDiff d = compare_tensors(actual[i], expected[i], 0, 0);
    check.max_abs = d.max_abs;
    check.scale = d.expected_scale;
    const bool exact = !is_floating(expected[i].dtype());
    const double allowed = exact ? 0.0 : options.rel_tol * d.expected_scale + options.abs_tol;
    // NaN/inf positions must agree (compare_tensors counts those as mismatches even at zero tolerance).
    int64_t special_mismatch = 0;
    if (!exact) special_mismatch = compare_tensors(actual[i], expected[i], INFINITY, 0).mismatches;
    // A verified transformation keeps every output's dtype (compare_tensors alone lets float16 pass
    // against float32).
    const bool same_dtype = actual[i].dtype() == expected[i].dtype();
    check.ok = d.shape_match && same_dtype && special_mismatch == 0 && d.max_abs <= allowed;
    if (!check.ok && report.ok) {
      report.ok = false;
      std::string shapes;
      for (const auto& t : run.inputs) shapes += (shapes.empty() ? "" : ", ") + shape_to_string(t.shape());
      report.failure =
          "output '" + check.output + "' differs at input shape(s) " + shapes + ": " +
          (!d.shape_match
               ? "shape " + shape_to_string(actual[i].shape()) + " vs " + shape_to_string(expected[i].shape())
           : !same_dtype ? std::string("dtype differs")
                            : "max abs error " + std::to_string(d.max_abs) + " > allowed " + std::to_string(allowed) +
                                  " (output scale " + std::to_string(d.expected_scale) + ")");
    }
    report.checks.push_back(check);
  }
}

// The reference's inputs, where it declares no types (TorchScript) typed as the candidate's
// input of the same name or position (an exported model's token ids are int64, say).
std::vector<TensorInfo> typed_inputs(const std::vector<TensorInfo>& ref_in, const std::vector<TensorInfo>& cand_in) {
  std::vector<TensorInfo> out = ref_in;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].rank_known) continue;
    const TensorInfo* match = i < cand_in.size() ? &cand_in[i] : nullptr;
    for (const auto& c : cand_in)
      if (c.name == out[i].name) match = &c;
    if (match) out[i].dtype = match->dtype;
  }
  return out;
}

}  // namespace

VerifyReport verify_sessions(const Session& reference, const Session& candidate, const VerifyOptions& options) {
  check_same_io(reference.inputs(), reference.outputs(), candidate);
  VerifyReport report;
  for (Run& run : plan_runs(typed_inputs(reference.inputs(), candidate.inputs()), options)) {
    run.expected = reference.run(run.inputs);
    const auto actual = candidate.run(candidate_inputs(reference.inputs(), candidate.inputs(), run.inputs));
    compare_run(reference.outputs(), run, actual, options, report);
  }
  return report;
}

VerifyReport verify_one_at_a_time(const std::function<std::unique_ptr<Session>()>& open_reference,
                                  const std::function<std::unique_ptr<Session>()>& open_candidate,
                                  const VerifyOptions& options) {
  std::unique_ptr<Session> reference = open_reference();
  std::vector<TensorInfo> typed = reference->inputs();
  for (size_t i = 0; i < typed.size() && i < options.input_dtypes.size(); ++i)
    if (!typed[i].rank_known) typed[i].dtype = options.input_dtypes[i];
  std::vector<Run> runs = plan_runs(typed, options);
  for (Run& run : runs) run.expected = reference->run(run.inputs);
  const std::vector<TensorInfo> ref_in = reference->inputs(), ref_out = reference->outputs();
  reference.reset();  // only its outputs are needed now
  std::unique_ptr<Session> candidate = open_candidate();
  check_same_io(ref_in, ref_out, *candidate);
  VerifyReport report;
  for (const Run& run : runs)
    compare_run(ref_out, run, candidate->run(candidate_inputs(ref_in, candidate->inputs(), run.inputs)), options,
                report);
  return report;
}

}  // namespace piu

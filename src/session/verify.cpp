// Verification: a reference and a candidate model on the same random inputs, at several values of
// the dynamic dims, every output compared.
#include <algorithm>
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

// The ranges that name one of `inputs` (the model's own ranges may name inputs a reference calls
// otherwise; the jobs check the user's names before verifying).
std::vector<IntRange> ranges_of(const std::vector<TensorInfo>& inputs, std::vector<IntRange> ranges) {
  std::erase_if(ranges, [&](const IntRange& r) {
    return std::none_of(inputs.begin(), inputs.end(), [&](const TensorInfo& i) { return i.name == r.name; });
  });
  return ranges;
}

// The run on the inputs given as tensors (inputs_with_given).
Run given_run(const std::vector<TensorInfo>& inputs, const VerifyOptions& options) {
  Run run{1, {}, {}};
  run.inputs = inputs_with_given(inputs, options, &run.batch);
  return run;
}

// The batch sizes to try and their random inputs (or the one run on the given inputs).
std::vector<Run> plan_runs(const std::vector<TensorInfo>& inputs, const VerifyOptions& options) {
  if (!options.inputs.empty()) return {given_run(inputs, options)};
  std::vector<int64_t> batches = options.batches.empty() ? std::vector<int64_t>{1} : options.batches;
  bool dynamic_batch = false;
  for (const auto& info : inputs)  // an undeclared shape (TorchScript) takes any batch
    dynamic_batch = dynamic_batch || !info.rank_known || (!info.shape.empty() && info.shape[0] < 0);
  if (!dynamic_batch) batches.resize(1);  // the first dim is fixed: one run tells all
  std::vector<Run> runs;
  for (int64_t batch : batches) {
    RandomInputOptions random;
    random.shapes = options.shapes;
    random.batch = batch;
    random.seed = options.seed;
    random.int_ranges = ranges_of(inputs, options.int_ranges);
    runs.push_back({batch, make_random_inputs(inputs, random), {}});
  }
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

// The reference's outputs on `run`; a reference that fails on random inputs gets a hint: a model
// whose branches depend on input values needs values it accepts.
std::vector<Tensor> run_reference(const Session& reference, const Run& run, const VerifyOptions& options) {
  try {
    return reference.run(run.inputs);
  } catch (const Error& e) {
    if (!options.inputs.empty() || e.code() == ErrorCode::kVerificationFailed) throw;
    throw Error(e.code(), std::string(e.what()) +
                              " (on random inputs: give values the model accepts with --input NAME=FILE.npy, "
                              "--input FILE.npz or --int-range NAME:LO:HI)");
  }
}

}  // namespace

std::vector<Tensor> inputs_with_given(const std::vector<TensorInfo>& inputs, const VerifyOptions& options,
                                      int64_t* batch) {
  std::vector<const GivenInput*> given(inputs.size(), nullptr);
  for (const GivenInput& g : options.inputs) {
    size_t k = inputs.size();
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].name == g.name || (g.name.empty() && i == 0)) k = i;
    if (k == inputs.size()) {
      std::string names;
      for (const auto& i : inputs) names += (names.empty() ? "" : ", ") + i.name;
      throw Error(ErrorCode::kBadInput, g.source + ": the model has no input '" + g.name + "' (inputs: " + names + ")");
    }
    if (given[k]) throw Error(ErrorCode::kBadInput, g.source + ": input '" + inputs[k].name + "' is given twice");
    check_given_input(inputs[k], g);
    given[k] = &g;
  }
  RandomInputOptions random;
  random.shapes = options.shapes;
  random.seed = options.seed;
  random.int_ranges = options.int_ranges;
  random.batch = options.batches.empty() ? 1 : options.batches.front();
  bool batch_set = false;
  std::vector<TensorInfo> missing;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!given[i]) {
      missing.push_back(inputs[i]);
      continue;
    }
    const Tensor& t = given[i]->tensor;
    if (!batch_set && t.rank() > 0 && (!inputs[i].rank_known || inputs[i].shape[0] < 0)) {
      random.batch = t.dim(0);
      batch_set = true;
    }
    for (size_t d = 0; inputs[i].rank_known && d < inputs[i].dim_names.size() && d < t.rank(); ++d)
      if (inputs[i].shape[d] < 0 && !inputs[i].dim_names[d].empty()) random.dims.emplace(inputs[i].dim_names[d], t.dim(d));
  }
  // Ranges and shapes of given inputs are not the random ones' to check.
  random.int_ranges = ranges_of(missing, random.int_ranges);
  std::erase_if(random.shapes, [&](const ShapeSpec& s) {
    return !s.name.empty() &&
           std::none_of(missing.begin(), missing.end(), [&](const TensorInfo& m) { return m.name == s.name; });
  });
  if (batch) *batch = random.batch;
  std::vector<Tensor> made = make_random_inputs(missing, random);
  std::vector<Tensor> out;
  size_t r = 0;
  for (size_t i = 0; i < inputs.size(); ++i) out.push_back(given[i] ? given[i]->tensor : std::move(made[r++]));
  return out;
}

VerifyReport verify_sessions(const Session& reference, const Session& candidate, const VerifyOptions& options) {
  check_same_io(reference.inputs(), reference.outputs(), candidate);
  VerifyReport report;
  for (Run& run : plan_runs(typed_inputs(reference.inputs(), candidate.inputs()), options)) {
    run.expected = run_reference(reference, run, options);
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
  for (Run& run : runs) run.expected = run_reference(*reference, run, options);
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

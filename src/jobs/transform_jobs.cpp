// The jobs that transform an ONNX model in place and write it: optimize, simplify, round-weights,
// fp16.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "jobs/job_json.hpp"
#include "piu/jobs.hpp"

namespace piu {

using jobs_internal::Json;

namespace {

double mib(int64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }
const char* plural(int n) { return n == 1 ? "" : "s"; }

// Loads the input, lets `transform` change it and fill the report, then checks, verifies and
// writes it.
template <class Report, class Transform>
Report transform_and_write(const std::string& input, const WriteOptions& write, Transform transform,
                           const CandidateView& view = {}) {
  check_output_path(input, write.output);
  Report report;
  OnnxModel model = OnnxModel::load(input);
  transform(model, report);
  report.written = check_verify_and_save(input, std::move(model), write, view);
  return report;
}

// {"input", "output", <the job's fields>, "verified", "verification", ...}.
template <class Fields>
std::string write_job_json(const WriteReport& written, Fields fields) {
  Json j = jobs_internal::write_json_head(written);
  fields(j);
  jobs_internal::add_write_json(j, written);
  return j.dump(2);
}

}  // namespace

// ---- optimize ----

OptimizeJobReport optimize_job(const OptimizeJobOptions& options) {
  return transform_and_write<OptimizeJobReport>(
      options.input, options.write, [&](OnnxModel& m, auto& r) { r.optimize = optimize(m, options.optimize); });
}

std::string OptimizeJobReport::to_json() const {
  return write_job_json(written, [&](Json& j) {
    j["nodes_before"] = optimize.nodes_before;
    j["nodes_after"] = optimize.nodes_after;
    j["iterations"] = optimize.iterations;
    for (const auto& p : optimize.passes)
      j["passes"].push_back({{"name", p.name}, {"applications", p.applications}, {"nodes_removed", p.nodes_removed}});
  });
}

std::string OptimizeJobReport::to_text() const {
  std::string s = fmt::format("{:<36} {:>12} {:>14}\n", "pass", "applications", "nodes removed");
  for (const auto& p : optimize.passes)
    if (p.applications || p.nodes_removed)
      s += fmt::format("{:<36} {:>12} {:>14}\n", p.name, p.applications, p.nodes_removed);
  s += fmt::format("nodes {} -> {} ({} round{})\n", optimize.nodes_before, optimize.nodes_after, optimize.iterations,
                   plural(optimize.iterations));
  return s + format_write_summary(written);
}

std::string format_pass_list() {
  const auto defaults = default_passes();
  std::string s;
  for (const auto& p : registered_passes()) {
    const bool in_default = std::find(defaults.begin(), defaults.end(), p.name) != defaults.end();
    s += fmt::format("{:<36} {}{}\n", p.name, p.description, in_default ? "" : "  (not in the default list)");
  }
  return s;
}

// ---- simplify ----

SimplifyJobReport simplify_job(const SimplifyJobOptions& options) {
  WriteOptions write = options.write;
  // A static shape given to the simplifier is also the shape to verify at.
  if (write.verify_options.shapes.empty()) write.verify_options.shapes = options.simplify.input_shapes;
  return transform_and_write<SimplifyJobReport>(
      options.input, write, [&](OnnxModel& m, auto& r) { r.simplify = simplify(m, options.simplify); });
}

std::string SimplifyJobReport::to_json() const {
  return write_job_json(written, [&](Json& j) {
    j["nodes_before"] = simplify.nodes_before;
    j["nodes_after"] = simplify.nodes_after;
    j["bytes_before"] = simplify.bytes_before;
    j["bytes_after"] = simplify.bytes_after;
    j["folded_nodes"] = simplify.folded_nodes;
    j["iterations"] = simplify.iterations;
    j["ops_before"] = simplify.ops_before;
    j["ops_after"] = simplify.ops_after;
    j["skipped_folds"] = Json::array();
    for (const auto& s : simplify.skipped)
      j["skipped_folds"].push_back({{"node", s.node}, {"op_type", s.op_type}, {"reason", s.reason}});
  });
}

std::string SimplifyJobReport::to_text() const {
  const SimplifyReport& r = simplify;
  std::string s = fmt::format("{:<28} {:>8} {:>8}\n", "op", "before", "after");
  std::set<std::string> ops;
  for (const auto& [op, n] : r.ops_before) ops.insert(op);
  for (const auto& [op, n] : r.ops_after) ops.insert(op);
  for (const auto& op : ops) {
    const int64_t a = r.ops_before.count(op) ? r.ops_before.at(op) : 0;
    const int64_t b = r.ops_after.count(op) ? r.ops_after.at(op) : 0;
    if (a != b) s += fmt::format("{:<28} {:>8} {:>8}\n", op, a, b);
  }
  s += fmt::format("nodes {} -> {}, weights {:.1f} -> {:.1f} MiB, {} nodes folded, {} round{}\n", r.nodes_before,
                   r.nodes_after, mib(r.bytes_before), mib(r.bytes_after), r.folded_nodes, r.iterations,
                   plural(r.iterations));
  for (const auto& skipped : r.skipped)
    s += fmt::format("not folded: {} ({}): {}\n", skipped.node, skipped.op_type, skipped.reason);
  return s + format_write_summary(written);
}

// ---- round-weights ----

RoundWeightsJobReport round_weights_job(const RoundWeightsJobOptions& options) {
  return transform_and_write<RoundWeightsJobReport>(
      options.input, options.write, [&](OnnxModel& m, auto& r) { r.round = round_weights(m, options.digits); });
}

std::string RoundWeightsJobReport::to_json() const {
  return write_job_json(written, [&](Json& j) {
    j["tensors"] = round.tensors;
    j["values"] = round.values;
    j["values_changed"] = round.values_changed;
    j["denormals_before"] = round.denormals_before;
    j["denormals_after"] = round.denormals_after;
  });
}

std::string RoundWeightsJobReport::to_text() const {
  return fmt::format("{} of {} values changed in {} float tensors; denormals {} -> {}\n", round.values_changed,
                     round.values, round.tensors, round.denormals_before, round.denormals_after) +
         format_write_summary(written);
}

// ---- fp16 ----

Fp16JobReport fp16_job(const Fp16JobOptions& options) {
  return transform_and_write<Fp16JobReport>(
      options.input, options.write,
      [&](OnnxModel& m, auto& r) {
        r.options = options.fp16;
        r.bytes_before = inspect(m).parameter_bytes;
        r.fp16 = convert_fp16(m, options.fp16);
        r.bytes_after = inspect(m).parameter_bytes;
      },
      float32_view);
}

std::string Fp16JobReport::to_json() const {
  return write_job_json(written, [&](Json& j) {
    j["keep_io_types"] = options.keep_io_types;
    j["block_ops"] = options.op_block_list;
    j["block_nodes"] = options.node_block_list;
    j["converted_nodes"] = fp16.converted_nodes;
    j["blocked_nodes"] = fp16.blocked_nodes;
    j["casts"] = fp16.casts;
    j["converted_initializers"] = fp16.converted_initializers;
    j["bytes_before"] = bytes_before;
    j["bytes_after"] = bytes_after;
  });
}

std::string Fp16JobReport::to_text() const {
  return fmt::format("{} nodes in float16, {} kept in float32, {} casts inserted, {} initializers converted\n",
                     fp16.converted_nodes, fp16.blocked_nodes, fp16.casts, fp16.converted_initializers) +
         fmt::format("weights {:.1f} -> {:.1f} MiB; inputs and outputs {}\n", mib(bytes_before), mib(bytes_after),
                     options.keep_io_types ? "stay float32" : "are float16") +
         format_write_summary(written);
}

}  // namespace piu

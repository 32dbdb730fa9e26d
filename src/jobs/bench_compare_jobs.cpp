// bench and compare as jobs.
#include <fmt/format.h>

#include <cmath>

#include "jobs/job_json.hpp"
#include "piu/jobs_session.hpp"

namespace piu {

using jobs_internal::Json;

// ---- bench ----

namespace {

std::string bench_header(const BenchJobReport& r, const BenchOptions& b) {
  const std::string where =
      r.device == "cpu" ? fmt::format("intra-op threads {}", r.intra_op_num_threads ? std::to_string(r.intra_op_num_threads) : "auto")
                        : fmt::format("{}, {} I/O, {}", r.device, b.io == IoPlacement::kDevice ? "device" : "host",
                                      "timed by CUDA events");
  return fmt::format("model {} ({}, {})\n", r.model, r.backend, where) +
         fmt::format("{:>6} {:>8} {:>10} {:>10} {:>10} {:>10} {:>12}\n", "batch", "runs", "mean ms", "p50 ms", "p90 ms",
                     "p99 ms", "items/s");
}

std::string bench_row(const BenchResult& r) {
  return fmt::format("{:>6} {:>8} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.3f} {:>12.1f}\n", r.batch, r.iterations,
                     r.mean_ms, r.p50_ms, r.p90_ms, r.p99_ms, r.items_per_s);
}

// Passes a text block to `progress` line by line, without the newlines.
void emit(const std::function<void(std::string_view)>& progress, const std::string& text) {
  if (!progress) return;
  for (size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    progress(std::string_view(text).substr(start, end - start));
  }
}

}  // namespace

BenchJobReport bench_job(const BenchJobOptions& options) {
  const BenchOptions& b = options.bench;
  if (b.warmup < 0 || b.duration_s <= 0 || b.iterations < 0)
    throw Error(ErrorCode::kBadInput, "--warmup must be >= 0, --iterations and --duration > 0");
  BenchJobReport r;
  r.model = options.model;
  r.intra_op_num_threads = options.session.intra_op_num_threads;
  auto session = Session::open(options.model, options.session);
  r.backend = session->backend();
  r.device = device_name(session->device());
  check_io_placement(*session, b.io);  // before the table's header is printed
  emit(options.progress, bench_header(r, b));
  for (int64_t batch : options.batches) {
    const std::vector<Tensor> inputs = make_inputs(*session, options.inputs, batch);
    r.results.push_back(benchmark(*session, inputs, b));
    emit(options.progress, bench_row(r.results.back()));
  }
  return r;
}

std::string BenchJobReport::to_json() const {
  Json j;
  j["model"] = model;
  j["backend"] = backend;
  j["device"] = device;
  j["intra_op_num_threads"] = intra_op_num_threads;
  j["results"] = Json::array();
  for (const auto& r : results)
    j["results"].push_back({{"batch", r.batch},
                            {"iterations", r.iterations},
                            {"mean_ms", r.mean_ms},
                            {"min_ms", r.min_ms},
                            {"p50_ms", r.p50_ms},
                            {"p90_ms", r.p90_ms},
                            {"p99_ms", r.p99_ms},
                            {"max_ms", r.max_ms},
                            {"items_per_s", r.items_per_s},
                            {"io", r.io == IoPlacement::kDevice ? "device" : "host"},
                            {"timing", r.timing}});
  return j.dump(2);
}

std::string BenchJobReport::to_text() const {
  BenchOptions b;
  if (!results.empty()) b.io = results[0].io;
  std::string s = bench_header(*this, b);
  for (const auto& r : results) s += bench_row(r);
  return s;
}

// ---- compare ----

namespace {

// Index in `to` of each of `from` by name, or by position when any name is missing.
std::vector<size_t> match(const std::vector<TensorInfo>& from, const std::vector<TensorInfo>& to,
                          const std::string& what) {
  if (from.size() != to.size())
    throw Error(ErrorCode::kBadInput, "the models have different numbers of " + what + " (" +
                                          std::to_string(from.size()) + " vs " + std::to_string(to.size()) + ")");
  std::vector<size_t> index;
  for (const auto& f : from)
    for (size_t j = 0; j < to.size(); ++j)
      if (to[j].name == f.name) index.push_back(j);
  if (index.size() != from.size()) {
    index.clear();
    for (size_t i = 0; i < from.size(); ++i) index.push_back(i);
  }
  return index;
}

}  // namespace

CompareJobReport compare_job(const CompareJobOptions& options) {
  if (options.abs_tol < 0 || options.rel_tol < 0) throw Error(ErrorCode::kBadInput, "--atol and --rtol must be >= 0");
  CompareJobReport r;
  r.a = options.a;
  r.b = options.b;
  r.abs_tol = options.abs_tol;
  r.rel_tol = options.rel_tol;
  r.min_sqnr_db = options.min_sqnr_db;
  if (options.min_sqnr_db < 0) throw Error(ErrorCode::kBadInput, "--min-sqnr must be >= 0 dB");
  auto a = Session::open(options.a, options.session_a);
  auto b = Session::open(options.b, options.session_b);
  r.backend_a = a->backend();
  r.backend_b = b->backend();
  r.device_a = device_name(a->device());
  r.device_b = device_name(b->device());
  const std::vector<Tensor> inputs_a = make_inputs(*a, options.inputs, options.batch);
  const std::vector<size_t> in_map = match(a->inputs(), b->inputs(), "inputs");
  std::vector<Tensor> inputs_b(inputs_a.size());
  for (size_t i = 0; i < inputs_a.size(); ++i) {
    const TensorInfo& want = b->inputs()[in_map[i]];
    const bool convert = want.rank_known && want.dtype != inputs_a[i].dtype() && is_floating(want.dtype) &&
                         is_floating(inputs_a[i].dtype());
    inputs_b[in_map[i]] = convert ? to_float_type(inputs_a[i], want.dtype) : inputs_a[i];
  }
  const std::vector<Tensor> out_a = a->run(inputs_a);
  const std::vector<Tensor> out_b = b->run(inputs_b);
  const std::vector<size_t> out_map = match(a->outputs(), b->outputs(), "outputs");
  for (size_t i = 0; i < out_a.size(); ++i) {
    const Tensor& tb = out_b[out_map[i]];
    CompareRow row{a->outputs()[i].name, out_a[i].shape(), tb.shape(),
                   compare_tensors(out_a[i], tb, options.abs_tol, options.rel_tol), true};
    const bool ok = options.min_sqnr_db > 0
                        ? row.diff.shape_match && row.diff.dtype_match && row.diff.sqnr_db >= options.min_sqnr_db
                        : row.diff.ok();
    row.pass = ok;
    r.pass = r.pass && ok;
    r.rows.push_back(std::move(row));
  }
  return r;
}

std::string CompareJobReport::to_json() const {
  Json rows_json = Json::array();
  for (const auto& row : rows)
    rows_json.push_back({{"output", row.output},
                         {"shape_a", row.shape_a},
                         {"shape_b", row.shape_b},
                         {"max_abs", row.diff.max_abs},
                         {"max_rel", row.diff.max_rel},
                         {"scale", row.diff.expected_scale},
                         {"mismatches", row.diff.mismatches},
                         {"numel", row.diff.numel},
                         {"sqnr_db", std::isinf(row.diff.sqnr_db) ? Json(nullptr) : Json(row.diff.sqnr_db)},
                         {"pass", row.pass}});
  Json j;
  j["a"] = a;
  j["b"] = b;
  j["backend_a"] = backend_a;
  j["backend_b"] = backend_b;
  j["device_a"] = device_a;
  j["device_b"] = device_b;
  j["atol"] = abs_tol;
  j["rtol"] = rel_tol;
  if (min_sqnr_db > 0) j["min_sqnr_db"] = min_sqnr_db;
  j["outputs"] = rows_json;
  j["pass"] = pass;
  return j.dump(2);
}

std::string CompareJobReport::to_text() const {
  std::string s = "A " + a + " (" + backend_a + ", " + device_a + ")\nB " + b + " (" + backend_b + ", " + device_b +
                  ")\n";
  s += fmt::format("{:<20} {:<14} {:>12} {:>12} {:>12} {:>10} {:>9}  {}\n", "output", "shape", "max abs", "max rel",
                   "scale", "mismatch", "SQNR dB", "result");
  for (const auto& row : rows) {
    const TensorDiff& d = row.diff;
    const std::string shape = d.shape_match ? shape_to_string(row.shape_a)
                                            : shape_to_string(row.shape_a) + "!=" + shape_to_string(row.shape_b);
    s += fmt::format("{:<20} {:<14} {:>12.4g} {:>12.4g} {:>12.4g} {:>10} {:>9.1f}  {}\n", row.output, shape, d.max_abs,
                     d.max_rel, d.expected_scale, d.mismatches, d.sqnr_db, row.pass ? "PASS" : "FAIL");
  }
  if (min_sqnr_db > 0) return s + fmt::format("{} (SQNR >= {:g} dB)\n", pass ? "PASS" : "FAIL", min_sqnr_db);
  return s + fmt::format("{} (atol {:g}, rtol {:g})\n", pass ? "PASS" : "FAIL", abs_tol, rel_tol);
}

}  // namespace piu

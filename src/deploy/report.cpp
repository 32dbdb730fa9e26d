// The Markdown report of a deploy run.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "piu/deploy.hpp"

namespace piu {

namespace {

// "AMD EPYC 7B13, 2 hardware threads" from /proc/cpuinfo, or just the thread count.
std::string machine_line() {
  std::string cpu;
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; cpu.empty() && std::getline(in, line);)
    if (line.rfind("model name", 0) == 0)
      if (size_t colon = line.find(':'); colon != std::string::npos) cpu = line.substr(colon + 2);
  const unsigned threads = std::thread::hardware_concurrency();
  return (cpu.empty() ? "" : cpu + ", ") + std::to_string(threads) + " hardware threads";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string dims_of(const ValueSummary& v) {
  std::string dims;
  for (const auto& d : v.dims) dims += (dims.empty() ? "" : " x ") + d;
  return "[" + dims + "]";
}

std::string escape_cell(std::string s) {
  for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
  return s;
}

}  // namespace

std::string format_deploy_report(const DeployReport& r) {
  namespace fs = std::filesystem;
  std::ostringstream md;
  const std::string name = fs::path(r.input).filename().string();
  md << "# piu deploy: " << name << "\n\n";
  md << "- input: `" << r.input << "` (" << r.before.nodes << " nodes, " << r.before.parameters << " parameters, "
     << fmt::format("{:.1f} MiB", r.before.parameter_bytes / 1048576.0) << ")\n";
  md << "- output: `" << fs::path(r.model_path).filename().string() << "` (" << r.after.nodes << " nodes, "
     << r.after.parameters << " parameters, " << fmt::format("{:.1f} MiB", r.after.parameter_bytes / 1048576.0) << ")\n";
  md << "- machine: " << machine_line() << "; " << utc_now() << "; whole run " << fmt::format("{:.1f} s", r.seconds) << "\n\n";

  md << "## Stages\n\n| stage | nodes before | nodes after | time (s) | result |\n|---|---:|---:|---:|---|\n";
  for (const auto& s : r.stages)
    md << "| " << s.name << " | " << s.nodes_before << " | " << s.nodes_after << " | " << fmt::format("{:.2f}", s.seconds)
       << " | " << escape_cell(s.summary) << " |\n";
  for (const auto& s : r.stages) {
    if (s.details.empty()) continue;
    md << "\n### " << s.name << "\n\n";
    for (const auto& d : s.details) md << "- " << d << "\n";
  }

  md << "\n## Inputs and outputs\n\n| | name | type | shape before | shape after |\n|---|---|---|---|---|\n";
  auto io_rows = [&](const char* kind, const std::vector<ValueSummary>& before, const std::vector<ValueSummary>& after) {
    for (size_t i = 0; i < before.size(); ++i)
      md << "| " << kind << " | `" << before[i].name << "` | " << before[i].dtype << " | " << dims_of(before[i])
         << " | " << (i < after.size() ? dims_of(after[i]) : "-") << " |\n";
  };
  io_rows("input", r.before.inputs, r.after.inputs);
  io_rows("output", r.before.outputs, r.after.outputs);

  md << "\n## Op types that changed\n\n";
  std::set<std::string> ops;
  for (const auto& [op, n] : r.before.op_histogram) ops.insert(op);
  for (const auto& [op, n] : r.after.op_histogram) ops.insert(op);
  bool any = false;
  std::ostringstream rows;
  for (const auto& op : ops) {
    const int64_t a = r.before.op_histogram.count(op) ? r.before.op_histogram.at(op) : 0;
    const int64_t b = r.after.op_histogram.count(op) ? r.after.op_histogram.at(op) : 0;
    if (a == b) continue;
    any = true;
    rows << "| " << op << " | " << a << " | " << b << " |\n";
  }
  if (any)
    md << "| op | before | after |\n|---|---:|---:|\n" << rows.str();
  else
    md << "None: the graph kept every op.\n";
  md << "\nTotal: " << r.before.nodes << " -> " << r.after.nodes << " nodes.\n";

  md << "\n## Verification\n\n";
  if (r.int8_sqnr_db) {
    md << "int8 accuracy: the output model against the input (float) model on " << r.int8_eval_items
       << " calibration items, output SQNR **" << fmt::format("{:.1f}", *r.int8_sqnr_db)
       << " dB** (10 log10 of signal over quantization noise energy; 20 dB is about 10% RMS error, 40 dB 1%).\n";
  } else if (!r.verification) {
    md << "Not run (`--no-verify`).\n";
  } else {
    md << "The output model against the input on ONNX Runtime (graph optimizations off), same random inputs; "
          "an output passes when max |after - before| <= rtol x max |before| + atol.\n\n";
    md << "| output | batch | shape | max abs error | output scale | error / scale | |\n|---|---:|---|---:|---:|---:|---|\n";
    for (const auto& c : r.verification->checks)
      md << "| `" << c.output << "` | " << c.batch << " | " << shape_to_string(c.shape) << " | " << fmt::format("{:.3g}", c.max_abs)
         << " | " << fmt::format("{:.3g}", c.scale) << " | " << fmt::format("{:.2g}", c.scale > 0 ? c.max_abs / c.scale : c.max_abs) << " | "
         << (c.ok ? "ok" : "**differs**") << " |\n";
  }

  md << "\n## Latency\n\n";
  if (r.latency.empty()) {
    md << "Not measured (`--no-bench`).\n";
  } else {
    md << "ONNX Runtime (" << r.backend << "), intra-op threads "
       << (r.threads ? std::to_string(r.threads) : std::string("auto"))
       << ", random inputs; the input model and the output model benchmarked alternately, "
       << r.latency.front().before_runs.size() << " runs each; medians of the runs' p50.\n\n";
    md << "| batch | p50 before (ms) | p50 after (ms) | after / before | runs' p50 before | runs' p50 after |\n"
          "|---:|---:|---:|---:|---|---|\n";
    auto list = [](const std::vector<BenchResult>& runs) {
      std::string s;
      for (const auto& b : runs) s += (s.empty() ? "" : ", ") + fmt::format("{:.3f}", b.p50_ms);
      return s;
    };
    for (const auto& p : r.latency)
      md << "| " << p.batch << " | " << fmt::format("{:.3f}", p.before_p50_ms) << " | " << fmt::format("{:.3f}", p.after_p50_ms) << " | "
         << fmt::format("{:.3f}", p.before_p50_ms > 0 ? p.after_p50_ms / p.before_p50_ms : 0.0) << " | " << list(p.before_runs)
         << " | " << list(p.after_runs) << " |\n";
    if (!r.chart_path.empty()) md << "\n![p50 latency before and after](" << fs::path(r.chart_path).filename().string() << ")\n";
  }
  return md.str();
}

}  // namespace piu

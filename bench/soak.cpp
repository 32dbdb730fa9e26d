// piu_soak: N threads x M runs on one piu::Session, every output checked bit for bit against the
// run of the same inputs before the soak, resident memory sampled throughout (docs/reliability_fuzz_soak.md).
//   piu_soak MODEL --shape SPEC [--shape SPEC ...] [--threads 8] [--runs 10000] [--warmup 1000] [--json]
// One --shape: every run has the same inputs. Several: a varying-shape soak, each run taking the
// next spec in turn (batch and spatial sizes cycling). RSS is read from /proc/self/statm: at the
// start (session open, references computed), after the warm-up (every thread has run every spec),
// at the end, and its maximum (sampled every 10 ms). The soak passes when no output differs and the
// end RSS is within +-5% of the after-warm-up RSS. Exit 0 pass, 1 fail, 2 bad input.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/options.hpp"
#include "piu/session.hpp"

namespace {

using piu::Tensor;

// Resident set size of this process in bytes (/proc/self/statm's second field, in pages).
int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// True when both lists hold tensors of the same dtypes, shapes and bytes.
bool identical(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].dtype() != b[i].dtype() || a[i].shape() != b[i].shape() || a[i].nbytes() != b[i].nbytes()) return false;
    if (std::memcmp(a[i].data(), b[i].data(), a[i].nbytes()) != 0) return false;
  }
  return true;
}

// One shape spec's inputs and the outputs they gave before the soak.
struct Variant {
  std::string spec;
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;
};

struct Counters {
  std::atomic<int64_t> runs{0};
  std::atomic<int64_t> mismatches{0};
  std::mutex first_mismatch_mutex;
  std::string first_mismatch;
};

// `threads` threads, each doing `runs` runs, thread t starting at variant t (so that different
// shapes run at the same time).
void run_threads(const piu::Session& session, const std::vector<Variant>& variants, int threads, int64_t runs,
                 Counters& counters) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int64_t r = 0; r < runs; ++r) {
        const Variant& v = variants[static_cast<size_t>(t + r) % variants.size()];
        if (!identical(session.run(v.inputs), v.expected)) {
          if (counters.mismatches++ == 0) {
            std::lock_guard<std::mutex> lock(counters.first_mismatch_mutex);
            counters.first_mismatch = "thread " + std::to_string(t) + ", run " + std::to_string(r) + ", shape " + v.spec;
          }
        }
        ++counters.runs;
      }
    });
  for (auto& th : pool) th.join();
}

piu::cli::Command soak_command() {
  using piu::cli::Option;
  return {"piu_soak", "MODEL --shape SPEC [--shape SPEC ...]",
          "many threads running one Session: outputs identical to the first run's, RSS flat",
          {Option{"--shape", "-s", "SPEC", "inputs' shapes (as in piu run); several: cycled, one per run", true},
           Option{"--backend", "", "NAME", "backend (default auto)"},
           Option{"--provider-option", "", "KEY=VALUE", "a backend option (ort on the CPU: cpu_mem_arena=0, mem_pattern=0)",
                  true},
           Option{"--threads", "-t", "N", "threads running the session at once (default 8)"},
           Option{"--runs", "-n", "N", "runs per thread after the warm-up (default 10000)"},
           Option{"--warmup", "", "N", "runs per thread before the RSS baseline (default 1000; at least one per shape)"},
           Option{"--json", "", "", "print the result as JSON"}},
          1,
          1};
}

int soak(const std::vector<std::string>& argv) {
  const piu::cli::Command command = soak_command();
  const piu::cli::Args args = piu::cli::parse_args(command, argv);
  if (args.help) {
    std::cout << piu::cli::format_help(command);
    return 0;
  }
  const std::string model = args.positional.at(0);
  const int threads = static_cast<int>(args.get_int("--threads", 8));
  const int64_t runs = args.get_int("--runs", 10000);
  if (threads < 1 || threads > 1024 || runs < 1)
    throw piu::Error(piu::ErrorCode::kBadInput, "--threads must be 1..1024 and --runs at least 1");
  const std::vector<std::string> specs = args.all("--shape");
  if (specs.empty()) throw piu::Error(piu::ErrorCode::kBadInput, "give the inputs' shapes with --shape (see --help)");
  const int64_t warmup = std::max<int64_t>(args.get_int("--warmup", 1000), static_cast<int64_t>(specs.size()));

  piu::SessionOptions options;
  options.backend = args.get("--backend", "auto");
  for (const std::string& kv : args.all("--provider-option")) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw piu::Error(piu::ErrorCode::kBadInput, "--provider-option '" + kv + "': expected KEY=VALUE");
    options.provider_options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const int64_t rss_before_open = resident_bytes();
  const auto session = piu::Session::open(model, options);
  std::vector<Variant> variants;
  for (size_t i = 0; i < specs.size(); ++i) {
    Variant v{specs[i], piu::make_random_inputs(session->inputs(), piu::parse_shape_specs(specs[i]), 1, i), {}};
    v.expected = session->run(v.inputs);
    variants.push_back(std::move(v));
  }
  const int64_t rss_start = resident_bytes();

  Counters counters;
  run_threads(*session, variants, threads, warmup, counters);
  const int64_t rss_warm = resident_bytes();

  std::atomic<bool> done{false};
  std::atomic<int64_t> rss_max{rss_warm};
  std::thread sampler([&] {
    while (!done) {
      rss_max = std::max(rss_max.load(), resident_bytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t warm_runs = counters.runs;
  run_threads(*session, variants, threads, runs, counters);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  sampler.join();
  const int64_t rss_end = resident_bytes();
  rss_max = std::max(rss_max.load(), rss_end);

  const double drift = 100.0 * static_cast<double>(rss_end - rss_warm) / static_cast<double>(rss_warm);
  const bool pass = counters.mismatches == 0 && std::abs(drift) <= 5.0;
  const auto mb = [](int64_t b) { return static_cast<double>(b) / (1 << 20); };
  nlohmann::ordered_json j;
  j["model"] = model;
  j["backend"] = session->backend();
  j["threads"] = threads;
  j["runs_per_thread"] = runs;
  j["runs"] = counters.runs - warm_runs;
  j["warmup_runs"] = warm_runs;
  j["shapes"] = specs;
  j["seconds"] = seconds;
  j["runs_per_second"] = static_cast<double>(counters.runs - warm_runs) / seconds;
  j["mismatches"] = counters.mismatches.load();
  if (counters.mismatches) j["first_mismatch"] = counters.first_mismatch;
  j["rss_mb"] = {{"before_open", mb(rss_before_open)}, {"start", mb(rss_start)}, {"after_warmup", mb(rss_warm)},
                 {"end", mb(rss_end)}, {"max", mb(rss_max)}};
  j["rss_drift_percent"] = drift;
  j["pass"] = pass;
  if (args.has("--json")) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("%-8s %-7s %-6s %8s %6s %9s %10s %8s %8s %8s %8s %7s %s\n", "backend", "threads", "shapes", "runs",
                "sec", "runs/s", "mismatch", "rss0_MB", "warm_MB", "end_MB", "max_MB", "drift%", "result");
    std::printf("%-8s %-7d %-6zu %8lld %6.1f %9.0f %10lld %8.1f %8.1f %8.1f %8.1f %+7.2f %s\n",
                session->backend().c_str(), threads, specs.size(), static_cast<long long>(counters.runs - warm_runs),
                seconds, j["runs_per_second"].get<double>(), static_cast<long long>(counters.mismatches.load()),
                mb(rss_start), mb(rss_warm), mb(rss_end), mb(rss_max), drift, pass ? "PASS" : "FAIL");
    if (counters.mismatches) std::printf("first mismatch: %s\n", counters.first_mismatch.c_str());
  }
  return pass ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return soak(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const piu::Error& e) {
    std::fprintf(stderr, "piu_soak: error: %s\n", e.what());
    return e.code() == piu::ErrorCode::kInternal || e.code() == piu::ErrorCode::kBackend ? 3 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "piu_soak: internal error: %s\n", e.what());
    return 3;
  }
}

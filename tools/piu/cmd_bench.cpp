#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/session_args.hpp"
#include "commands.hpp"
#include "piu/session.hpp"

namespace piu::cli {

namespace {

int bench_main(const Args& args) {
  const std::string& path = args.positional[0];
  const SessionOptions options = session_options_from(args);
  BenchOptions bench;
  bench.warmup = static_cast<int>(args.get_int("--warmup", 10));
  bench.iterations = static_cast<int>(args.get_int("--iterations", 0));
  bench.duration_s = args.get_double("--duration", 3.0);
  if (args.has("--iterations") && args.has("--duration"))
    throw Error(ErrorCode::kBadInput, "give --iterations or --duration, not both");
  if (bench.warmup < 0 || bench.duration_s <= 0 || (args.has("--iterations") && bench.iterations <= 0))
    throw Error(ErrorCode::kBadInput, "--warmup must be >= 0, --iterations and --duration > 0");
  const std::vector<int64_t> batches = args.get_int_list("--batch", {1});
  auto session = Session::open(path, options);
  const bool json = args.has("--json");
  if (!json) {
    std::cout << "model " << path << " (" << session->backend() << ", intra-op threads "
              << (options.intra_op_num_threads ? std::to_string(options.intra_op_num_threads) : "auto") << ")\n";
    std::printf("%6s %8s %10s %10s %10s %10s %12s\n", "batch", "runs", "mean ms", "p50 ms", "p90 ms", "p99 ms",
                "items/s");
    std::fflush(stdout);
  }
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (int64_t batch : batches) {
    const std::vector<Tensor> inputs = inputs_from(*session, args, batch);
    const BenchResult r = benchmark(*session, inputs, bench);
    if (json) {
      results.push_back({{"batch", r.batch},
                         {"iterations", r.iterations},
                         {"mean_ms", r.mean_ms},
                         {"min_ms", r.min_ms},
                         {"p50_ms", r.p50_ms},
                         {"p90_ms", r.p90_ms},
                         {"p99_ms", r.p99_ms},
                         {"max_ms", r.max_ms},
                         {"items_per_s", r.items_per_s}});
    } else {
      std::printf("%6lld %8d %10.3f %10.3f %10.3f %10.3f %12.1f\n", static_cast<long long>(r.batch), r.iterations,
                  r.mean_ms, r.p50_ms, r.p90_ms, r.p99_ms, r.items_per_s);
      std::fflush(stdout);
    }
  }
  if (json) {
    nlohmann::ordered_json j;
    j["model"] = path;
    j["backend"] = session->backend();
    j["intra_op_num_threads"] = options.intra_op_num_threads;
    j["results"] = results;
    std::cout << j.dump(2) << "\n";
  }
  return kExitOk;
}

}  // namespace

const Subcommand& bench_command() {
  static const Subcommand sub{
      {"bench", "MODEL [--batch 1,8] [--threads N] [--warmup N] [--duration S | --iterations N] [--json]",
       "Measure latency (mean, p50, p90, p99) and throughput per batch size on random inputs.",
       shared_options({"--batch", "--threads", "--inter-threads", "--optimization", "--warmup", "--duration",
                       "--iterations", "--shape", "--input", "--seed", "--backend", "--json"}),
       1, 1},
      bench_main};
  return sub;
}

}  // namespace piu::cli

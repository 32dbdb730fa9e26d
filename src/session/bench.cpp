#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>

#include "piu/cuda.hpp"
#include "piu/session.hpp"

namespace piu {

void check_io_placement(const Session& session, IoPlacement io) {
  if (io == IoPlacement::kDevice && session.device().kind == DeviceKind::kCpu)
    throw Error(ErrorCode::kBadInput, "--io device needs a GPU session (--device cuda:N); " + session.path() +
                                          " runs on cpu");
}

BenchResult benchmark(const Session& session, const std::vector<Tensor>& given, const BenchOptions& options) {
  using Clock = std::chrono::steady_clock;
  const bool on_gpu = session.device().kind == DeviceKind::kCuda;
  check_io_placement(session, options.io);
  std::vector<Tensor> inputs = given;
  Device outputs_on;
  if (options.io == IoPlacement::kDevice) {
    for (Tensor& t : inputs) t = t.to(session.device());
    outputs_on = session.device();
  }
  for (int i = 0; i < options.warmup; ++i) session.run(inputs, outputs_on);
  std::unique_ptr<cuda::EventTimer> events;
  if (on_gpu) events = std::make_unique<cuda::EventTimer>(session.device());
  std::vector<double> ms;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.duration_s);
  while (true) {
    if (options.iterations > 0 && static_cast<int>(ms.size()) >= options.iterations) break;
    if (options.iterations <= 0 && static_cast<int>(ms.size()) >= options.min_iterations && Clock::now() >= deadline)
      break;
    if (events) {
      events->start();
      session.run(inputs, outputs_on);
      ms.push_back(events->stop_ms());
    } else {
      const auto t0 = Clock::now();
      session.run(inputs, outputs_on);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  BenchResult r;
  r.io = options.io;
  r.timing = events ? "cuda-events" : "wall-clock";
  r.batch = !inputs.empty() && inputs[0].rank() > 0 ? inputs[0].dim(0) : 1;
  r.iterations = static_cast<int>(ms.size());
  r.total_s = std::accumulate(ms.begin(), ms.end(), 0.0) / 1000.0;
  if (ms.empty()) return r;
  r.mean_ms = r.total_s * 1000.0 / static_cast<double>(ms.size());
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(ms.size())));
    return ms[std::clamp<size_t>(rank, 1, ms.size()) - 1];
  };
  r.min_ms = ms.front();
  r.max_ms = ms.back();
  r.p50_ms = pct(50);
  r.p90_ms = pct(90);
  r.p99_ms = pct(99);
  r.items_per_s = r.total_s > 0 ? static_cast<double>(r.batch) * r.iterations / r.total_s : 0;
  return r;
}

}  // namespace piu

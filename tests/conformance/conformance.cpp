// ONNX backend node tests through piu's optimizer and simplifier: for every test ONNX Runtime can
// run, the model optimized with the default pass list, with --fixed-point, and simplified must
// still give the expected outputs and match the unoptimized model; every test that ran before must
// run after.
//
//   piu_conformance DATA_DIR [--sample N] [--filter TEXT] [--json FILE]
// DATA_DIR is onnx/backend/test/data/node (shipped in the onnx 1.22 wheel that bootstrap installs).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "piu/onnx.hpp"
#include "piu/passes.hpp"
#include "piu/session.hpp"
#include "piu/simplify.hpp"

namespace fs = std::filesystem;

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-7;  // the suite's own tolerance

std::string first_line(const std::string& s, size_t max = 160) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > max ? line.substr(0, max) + "..." : line;
}

std::vector<piu::Tensor> read_set(const fs::path& dir, const std::string& prefix) {
  std::vector<piu::Tensor> out;
  for (int i = 0;; ++i) {
    const fs::path p = dir / (prefix + "_" + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    out.push_back(piu::read_tensor_pb(p.string()));
  }
  return out;
}

// First output that differs beyond the suite's tolerance, or "".
std::string first_difference(const std::vector<piu::Tensor>& actual, const std::vector<piu::Tensor>& expected) {
  if (actual.size() != expected.size())
    return std::to_string(actual.size()) + " outputs, expected " + std::to_string(expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    const piu::TensorDiff d = piu::compare_tensors(actual[i], expected[i], kAtol, kRtol);
    if (!d.ok())
      return "output " + std::to_string(i) + ": " +
             (!d.shape_match ? "shape " + piu::shape_to_string(actual[i].shape()) + " vs " +
                                   piu::shape_to_string(expected[i].shape())
              : !d.dtype_match ? std::string("dtype differs")
                               : std::to_string(d.mismatches) + " values differ, max abs " + std::to_string(d.max_abs));
  }
  return "";
}

struct Outcome {
  std::string status;  // passed, failed, skipped
  std::string reason;  // skip category or failure detail
};

enum class Mode { kDefault, kFixedPoint, kSimplify };
const char* mode_name(Mode m) {
  return m == Mode::kDefault ? "default" : m == Mode::kFixedPoint ? "fixed_point" : "simplify";
}

Outcome run_mode(const piu::OnnxModel& model, Mode mode, const std::vector<piu::Tensor>& inputs,
                 const std::vector<piu::Tensor>& expected, const std::vector<piu::Tensor>& baseline,
                 bool baseline_matches_expected, int64_t& nodes_removed) {
  piu::OnnxModel copy(model.proto(), model.path());
  try {
    if (mode == Mode::kSimplify) {
      const auto report = piu::simplify(copy);
      nodes_removed += report.nodes_before - report.nodes_after;
    } else {
      piu::OptimizeOptions options;
      options.fixed_point = mode == Mode::kFixedPoint;
      const auto report = piu::optimize(copy, options);
      nodes_removed += report.nodes_before - report.nodes_after;
    }
  } catch (const std::exception& e) {
    return {"failed", std::string(mode_name(mode)) + " threw: " + first_line(e.what())};
  }
  // The result must pass the ONNX checker whenever the original does.
  try {
    piu::check_model(copy, "optimized");
  } catch (const std::exception& e) {
    bool original_ok = true;
    try {
      piu::check_model(model, "original");
    } catch (const std::exception&) {
      original_ok = false;
    }
    if (original_ok) return {"failed", first_line(e.what())};
  }
  std::vector<piu::Tensor> outputs;
  try {
    piu::SessionOptions so;
    so.intra_op_num_threads = 1;
    outputs = piu::Session::open(copy, so)->run(inputs);
  } catch (const std::exception& e) {
    return {"failed", "ran before optimization, fails after: " + first_line(e.what())};
  }
  if (baseline_matches_expected) {
    const std::string d = first_difference(outputs, expected);
    if (!d.empty()) return {"failed", "expected outputs: " + d};
  }
  const std::string d = first_difference(outputs, baseline);
  if (!d.empty()) return {"failed", "unoptimized outputs: " + d};
  return {"passed", ""};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: piu_conformance DATA_DIR [--sample N] [--filter TEXT] [--json FILE]\n");
    return 2;
  }
  const fs::path data = argv[1];
  int sample = 1;
  std::string filter, json_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sample") sample = std::max(1, std::atoi(argv[i + 1]));
    if (a == "--filter") filter = argv[i + 1];
    if (a == "--json") json_path = argv[i + 1];
  }
  if (!fs::is_directory(data)) {
    std::fprintf(stderr, "piu_conformance: %s is not a folder (run scripts/bootstrap.sh)\n", data.c_str());
    return 2;
  }
  std::vector<fs::path> tests;
  for (const auto& e : fs::directory_iterator(data))
    if (e.is_directory() && fs::exists(e.path() / "model.onnx") &&
        e.path().filename().string().find(filter) != std::string::npos)
      tests.push_back(e.path());
  std::sort(tests.begin(), tests.end());
  std::vector<fs::path> chosen;
  for (size_t i = 0; i < tests.size(); i += static_cast<size_t>(sample)) chosen.push_back(tests[i]);

  std::map<std::string, int> skipped;
  int ran = 0, baseline_mismatch = 0;
  std::map<Mode, int> passed;
  std::map<Mode, int64_t> removed;
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  for (size_t k = 0; k < chosen.size(); ++k) {
    const fs::path& dir = chosen[k];
    const std::string name = dir.filename().string();
    if (k % 100 == 0) std::fprintf(stderr, "[%zu/%zu] %s\n", k, chosen.size(), name.c_str());
    piu::OnnxModel model;
    std::vector<piu::Tensor> inputs, expected;
    try {
      model = piu::OnnxModel::load((dir / "model.onnx").string());
    } catch (const std::exception& e) {
      ++skipped["model does not load: " + first_line(e.what(), 60)];
      continue;
    }
    try {
      inputs = read_set(dir / "test_data_set_0", "input");
      expected = read_set(dir / "test_data_set_0", "output");
    } catch (const std::exception& e) {
      const std::string what = e.what();
      const size_t at = what.find("element type ");
      if (at != std::string::npos)
        ++skipped["test data of element type " + what.substr(at + 13, what.find(',', at) - at - 13) +
                  " (piu tensors do not hold it)"];
      else
        ++skipped["test data is a sequence, optional or map, not a tensor"];
      continue;
    }
    std::vector<piu::Tensor> baseline;
    try {
      piu::SessionOptions so;
      so.intra_op_num_threads = 1;
      baseline = piu::Session::open(model, so)->run(inputs);
    } catch (const std::exception& e) {
      ++skipped["ONNX Runtime cannot run the original model"];
      continue;
    }
    ++ran;
    const bool baseline_ok = first_difference(baseline, expected).empty();
    if (!baseline_ok) ++baseline_mismatch;
    for (const Mode mode : {Mode::kDefault, Mode::kFixedPoint, Mode::kSimplify}) {
      const Outcome o = run_mode(model, mode, inputs, expected, baseline, baseline_ok, removed[mode]);
      if (o.status == "passed")
        ++passed[mode];
      else
        failures.push_back({{"test", name}, {"mode", mode_name(mode)}, {"reason", o.reason}});
    }
  }
  int total_skipped = 0;
  for (const auto& [reason, n] : skipped) total_skipped += n;
  std::printf("ONNX backend node tests: %zu of %zu (every %d)\n", chosen.size(), tests.size(), sample);
  std::printf("  ran on ONNX Runtime:          %d\n", ran);
  std::printf("  skipped:                      %d\n", total_skipped);
  for (const auto& [reason, n] : skipped) std::printf("    %5d  %s\n", n, reason.c_str());
  std::printf("  ORT differs from expected:    %d (these are checked against the unoptimized outputs only)\n",
              baseline_mismatch);
  std::printf("  passed, default passes:       %d / %d (nodes removed: %lld)\n", passed[Mode::kDefault], ran,
              static_cast<long long>(removed[Mode::kDefault]));
  std::printf("  passed, --fixed-point:        %d / %d (nodes removed: %lld)\n", passed[Mode::kFixedPoint], ran,
              static_cast<long long>(removed[Mode::kFixedPoint]));
  std::printf("  passed, simplify:             %d / %d (nodes removed: %lld)\n", passed[Mode::kSimplify], ran,
              static_cast<long long>(removed[Mode::kSimplify]));
  for (const auto& f : failures)
    std::printf("  FAILED %s [%s]: %s\n", f["test"].get<std::string>().c_str(), f["mode"].get<std::string>().c_str(),
                f["reason"].get<std::string>().c_str());
  if (!json_path.empty()) {
    nlohmann::ordered_json j;
    j["tests"] = tests.size();
    j["chosen"] = chosen.size();
    j["ran"] = ran;
    j["skipped"] = skipped;
    j["baseline_mismatch"] = baseline_mismatch;
    j["passed_default"] = passed[Mode::kDefault];
    j["passed_fixed_point"] = passed[Mode::kFixedPoint];
    j["passed_simplify"] = passed[Mode::kSimplify];
    j["failures"] = failures;
    std::ofstream(json_path) << j.dump(2) << "\n";
  }
  std::printf("%d passed, %d failed\n", passed[Mode::kDefault] + passed[Mode::kFixedPoint] + passed[Mode::kSimplify],
              static_cast<int>(failures.size()));
  return failures.empty() ? 0 : 1;
}

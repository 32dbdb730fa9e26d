#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/model_output.hpp"
#include "commands.hpp"
#include "piu/passes.hpp"

namespace piu::cli {

namespace {

int optimize_main(const Args& args) {
  if (args.has("--list-passes")) {
    const auto defaults = default_passes();
    for (const auto& p : registered_passes()) {
      const bool in_default = std::find(defaults.begin(), defaults.end(), p.name) != defaults.end();
      std::printf("%-36s %s%s\n", p.name.c_str(), p.description.c_str(),
                  in_default ? "" : "  (not in the default list)");
    }
    return kExitOk;
  }
  if (args.positional.empty()) throw Error(ErrorCode::kBadInput, "missing argument: piu optimize IN.onnx -o OUT.onnx");
  const std::string& in = args.positional[0];
  const std::string out = args.get("--output");
  check_output_path(in, out);
  OptimizeOptions options;
  if (args.has("--passes")) options.passes = args.get_list("--passes");
  options.fixed_point = args.has("--fixed-point");
  OnnxModel result = OnnxModel::load(in);
  const OptimizeReport report = optimize(result, options);
  const ModelWriteResult written = check_verify_and_save(in, std::move(result), out, args);

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["input"] = in;
    j["output"] = out;
    j["nodes_before"] = report.nodes_before;
    j["nodes_after"] = report.nodes_after;
    j["iterations"] = report.iterations;
    for (const auto& p : report.passes)
      j["passes"].push_back({{"name", p.name}, {"applications", p.applications}, {"nodes_removed", p.nodes_removed}});
    add_write_json(j, written);
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-36s %12s %14s\n", "pass", "applications", "nodes removed");
  for (const auto& p : report.passes)
    if (p.applications || p.nodes_removed)
      std::printf("%-36s %12lld %14lld\n", p.name.c_str(), static_cast<long long>(p.applications),
                  static_cast<long long>(p.nodes_removed));
  std::printf("nodes %lld -> %lld (%d round%s)\n", static_cast<long long>(report.nodes_before),
              static_cast<long long>(report.nodes_after), report.iterations, report.iterations == 1 ? "" : "s");
  std::cout << format_write_summary(written, out);
  return kExitOk;
}

}  // namespace

const Subcommand& optimize_command() {
  static const Subcommand sub{
      {"optimize", "IN.onnx -o OUT.onnx [--passes A,B] [--fixed-point] [--list-passes] [--no-verify]",
       "Run graph optimization passes (default: the seed's onnxoptimizer list), check the result with the ONNX "
       "checker, verify it against the input on ONNX Runtime (batch 1 and 3 of a dynamic batch), and write it.",
       shared_options({"--output", "--passes", "--fixed-point", "--list-passes", "--no-verify", "--shape", "--batch",
                       "--seed", "--rtol", "--atol", "--threads", "--json"}),
       0, 1},
      optimize_main};
  return sub;
}

}  // namespace piu::cli

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/model_output.hpp"
#include "commands.hpp"
#include "piu/passes.hpp"

namespace piu::cli {

namespace {

int round_weights_main(const Args& args) {
  const std::string& in = args.positional[0];
  const std::string out = args.get("--output");
  check_output_path(in, out);
  OnnxModel result = OnnxModel::load(in);
  const RoundReport report = round_weights(result, static_cast<int>(args.get_int("--digits", 16)));
  const ModelWriteResult written = check_verify_and_save(in, std::move(result), out, args);
  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["input"] = in;
    j["output"] = out;
    j["tensors"] = report.tensors;
    j["values"] = report.values;
    j["values_changed"] = report.values_changed;
    j["denormals_before"] = report.denormals_before;
    j["denormals_after"] = report.denormals_after;
    add_write_json(j, written);
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%lld of %lld values changed in %lld float tensors; denormals %lld -> %lld\n",
              static_cast<long long>(report.values_changed), static_cast<long long>(report.values),
              static_cast<long long>(report.tensors), static_cast<long long>(report.denormals_before),
              static_cast<long long>(report.denormals_after));
  std::cout << format_write_summary(written, out);
  return kExitOk;
}

}  // namespace

const Subcommand& round_weights_command() {
  static const Subcommand sub{
      {"round-weights", "IN.onnx -o OUT.onnx [--digits 16] [--no-verify]",
       "Round floating-point weights to N decimal places so that denormal values become 0 (they make some CPUs "
       "much slower); reports how many values changed, verifies and writes the result.",
       shared_options({"--output", "--digits", "--no-verify", "--shape", "--batch", "--seed", "--rtol", "--atol",
                       "--threads", "--json"}),
       1, 1},
      round_weights_main};
  return sub;
}

}  // namespace piu::cli

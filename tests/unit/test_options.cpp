#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "cli/command_specs.hpp"
#include "cli/job_args.hpp"
#include "cli/options.hpp"
#include "piu/passes.hpp"

using piu::cli::Args;
using piu::cli::Command;

namespace {
Command test_command() {
  return {"test",
          "MODEL",
          "a test command",
          {piu::cli::option("--output"), piu::cli::option("--shape"), piu::cli::option("--batch", 1),
           piu::cli::option("--json"), piu::cli::option("--atol", 1e-4)},
          1,
          1};
}
}  // namespace

TEST(Options, ParsesValuesFlagsAndRepeats) {
  auto args = piu::cli::parse_args(test_command(), {"m.onnx", "-o", "out", "--shape", "a:1x3", "--shape=b:2x4",
                                                    "--json", "--batch", "1,8", "--atol", "1e-5"});
  EXPECT_EQ(args.positional, std::vector<std::string>{"m.onnx"});
  EXPECT_EQ(args.get("--output"), "out");
  EXPECT_TRUE(args.has("--json"));
  EXPECT_EQ(args.get_int_list("--batch", {}), (std::vector<int64_t>{1, 8}));
  EXPECT_DOUBLE_EQ(args.get_double("--atol", 0), 1e-5);
  auto shapes = args.shapes();
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[1].name, "b");
}

TEST(Options, RejectsMistakes) {
  auto cmd = test_command();
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m.onnx", "--nosuch"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m.onnx", "-o"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"a", "b"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "-o", "a", "-o", "b"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "--json=1"}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "--batch", "0"}).get_int_list("--batch", {}), piu::Error);
  EXPECT_THROW(piu::cli::parse_args(cmd, {"m", "--atol", "x"}).get_double("--atol", 0), piu::Error);
  try {
    piu::cli::parse_args(cmd, {"m.onnx", "--nosuch"});
  } catch (const piu::Error& e) {
    EXPECT_NE(std::string(e.what()).find("piu test --help"), std::string::npos);
  }
}

TEST(Options, HelpListsEveryOption) {
  auto cmd = test_command();
  EXPECT_TRUE(piu::cli::parse_args(cmd, {"--help"}).help);
  const std::string help = piu::cli::format_help(cmd);
  for (const auto& o : cmd.options) EXPECT_NE(help.find(o.name), std::string::npos) << o.name;
}

TEST(Options, ADefaultIsDeclaredWithItsValue) {
  EXPECT_THROW(piu::cli::option("--rtol"), piu::Error);      // its help needs the command's default
  EXPECT_THROW(piu::cli::option("--json", 1), piu::Error);   // its help has no place for one
  EXPECT_THROW(piu::cli::option("--no-such-option"), piu::Error);
  EXPECT_NE(piu::cli::option("--rtol", 1e-4).help.find("(default 0.0001)"), std::string::npos);
}

TEST(Options, PassesHelpCountsTheDefaultList) {
  const std::string help = piu::cli::format_help(piu::cli::optimize_spec());
  EXPECT_NE(help.find("the seed's " + std::to_string(piu::default_passes().size()) + " passes"), std::string::npos);
}

TEST(Options, BackendHelpListsTheRegisteredBackends) {
  const std::string help = piu::cli::option("--backend").help;
  EXPECT_NE(help.find("ort"), std::string::npos) << help;
  for (const auto& p : piu::available_plugins()) EXPECT_NE(help.find(p), std::string::npos) << help;
}

// ---- every default that `piu <command> --help` prints is the one the command uses ----

namespace {

// A default as numbers ("1,3" -> "1,3"; "1e-4" -> "0.0001"; "20 dB" -> "20"), or as it is.
std::string canonical(const std::string& text) {
  std::string out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      size_t used = 0;
      const double v = std::stod(item, &used);
      if (used != item.size() && item[used] != ' ') return text;
      if (!out.empty()) out += ',';
      out += fmt::format("{:g}", v);
    } catch (const std::exception&) {
      return text;
    }
  }
  return out;
}
std::string num(double v) { return fmt::format("{:g}", v); }
std::string nums(const std::vector<int64_t>& v) { return canonical(fmt::format("{}", fmt::join(v, ","))); }
std::string nums(const std::array<float, 3>& v) {
  return num(v[0]) + "," + num(v[1]) + "," + num(v[2]);
}
std::string level(piu::GraphOptimization g) {
  switch (g) {
    case piu::GraphOptimization::kDisabled: return "disabled";
    case piu::GraphOptimization::kBasic: return "basic";
    case piu::GraphOptimization::kExtended: return "extended";
    case piu::GraphOptimization::kAll: return "all";
  }
  return "?";
}

// option name -> default, as the help text prints them.
std::map<std::string, std::string> printed_defaults(const Command& command) {
  std::map<std::string, std::string> out;
  std::stringstream help(piu::cli::format_help(command));
  const std::regex name(R"(^\s+(?:-\w, )?\s*(--[a-z0-9-]+))"), value(R"((?:\(|; )default ([^);]+))");
  for (std::string line; std::getline(help, line);) {
    std::smatch n, v;
    if (std::regex_search(line, n, name) && std::regex_search(line, v, value)) out[n[1]] = canonical(v[1]);
  }
  return out;
}

// The arguments each command needs before it parses at all.
std::vector<std::string> minimal_args(const Command& c) {
  std::vector<std::string> args(c.min_positional, "m.onnx");
  if (args.empty() && c.max_positional > 0) args.push_back("m.onnx");  // optimize: IN.onnx is optional
  for (const auto& o : c.options)
    if (o.name == "--output") args.insert(args.end(), {"-o", "out"});
  if (c.name == "calibrate") args.insert(args.end(), {"--data", "d"});
  return args;
}

using Getter = std::function<std::string(const Args&)>;

template <class Options>
std::map<std::string, Getter> write_job_defaults(Options (*from)(const Args&)) {
  return {{"--batch", [from](const Args& a) { return nums(from(a).write.verify_options.batches); }},
          {"--seed", [from](const Args& a) { return num(from(a).write.verify_options.seed); }},
          {"--rtol", [from](const Args& a) { return num(from(a).write.verify_options.rel_tol); }},
          {"--atol", [from](const Args& a) { return num(from(a).write.verify_options.abs_tol); }}};
}

template <class Options>
std::map<std::string, Getter> calibration_defaults(Options (*from)(const Args&), piu::CalibrationData (*data)(const Options&)) {
  return {{"--method", [from](const Args& a) { return piu::calibration_method_name(from(a).calibration.method); }},
          {"--percentile", [from](const Args& a) { return num(from(a).calibration.percentile); }},
          {"--mean", [from, data](const Args& a) { return nums(data(from(a)).norm.mean); }},
          {"--std", [from, data](const Args& a) { return nums(data(from(a)).norm.std); }},
          {"--pixel-scale", [from, data](const Args& a) { return num(data(from(a)).pixel_scale); }}};
}

// command -> option -> the value the command's job gets when the option is not given.
std::map<std::string, std::map<std::string, Getter>> used_defaults() {
  using namespace piu;
  using namespace piu::cli;
  std::map<std::string, std::map<std::string, Getter>> d;
  d["optimize"] = write_job_defaults(optimize_options_from);
  d["simplify"] = write_job_defaults(simplify_options_from);
  d["simplify"]["--max-fold-bytes"] = [](const Args& a) { return num(simplify_options_from(a).simplify.max_fold_bytes); };
  d["round-weights"] = write_job_defaults(round_weights_options_from);
  d["round-weights"]["--digits"] = [](const Args& a) { return num(round_weights_options_from(a).digits); };
  d["fp16"] = write_job_defaults(fp16_options_from);
  d["export"] = {{"--batch", [](const Args& a) { return nums(export_options_from(a).verify_options.batches); }},
                 {"--rtol", [](const Args& a) { return num(export_options_from(a).verify_options.rel_tol); }},
                 {"--atol", [](const Args& a) { return num(export_options_from(a).verify_options.abs_tol); }},
                 {"--opset", [](const Args& a) { return num(export_options_from(a).export_options.opset); }}};
  d["run"] = {{"--batch", [](const Args& a) { return num(run_options_from(a).batch); }},
              {"--seed", [](const Args& a) { return num(run_options_from(a).inputs.seed); }},
              {"--optimization", [](const Args& a) { return level(run_options_from(a).session.graph_optimization); }},
              {"--device", [](const Args& a) { return piu::device_name(run_options_from(a).session.device); }}};
  d["bench"] = {{"--batch", [](const Args& a) { return nums(bench_options_from(a).batches); }},
                {"--warmup", [](const Args& a) { return num(bench_options_from(a).bench.warmup); }},
                {"--duration", [](const Args& a) { return num(bench_options_from(a).bench.duration_s); }},
                {"--seed", [](const Args& a) { return num(bench_options_from(a).inputs.seed); }},
                {"--optimization", [](const Args& a) { return level(bench_options_from(a).session.graph_optimization); }},
                {"--device", [](const Args& a) { return piu::device_name(bench_options_from(a).session.device); }}};
  d["compare"] = {{"--batch", [](const Args& a) { return num(compare_options_from(a).batch); }},
                  {"--seed", [](const Args& a) { return num(compare_options_from(a).inputs.seed); }},
                  {"--atol", [](const Args& a) { return num(compare_options_from(a).abs_tol); }},
                  {"--rtol", [](const Args& a) { return num(compare_options_from(a).rel_tol); }},
                  {"--optimization", [](const Args& a) { return level(compare_options_from(a).session_a.graph_optimization); }},
                  {"--device", [](const Args& a) { return piu::device_name(compare_options_from(a).session_a.device); }}};
  d["calibrate"] = calibration_defaults<CalibrateJobOptions>(calibrate_options_from, [](const CalibrateJobOptions& o) { return o.data; });
  d["calibrate"]["--batch"] = [](const Args& a) { return num(calibrate_options_from(a).data.batch_size); };
  d["quantize"] = calibration_defaults<QuantizeJobOptions>(quantize_options_from, [](const QuantizeJobOptions& o) { return o.data.value_or(CalibrationData{}); });
  d["quantize"]["--batch"] = [](const Args& a) { return num(quantize_options_from(a).data.value_or(CalibrationData{}).batch_size); };
  d["quantize"]["--target"] = [](const Args& a) { return std::string(quantize_options_from(a).quantize.symmetric_activations ? "tensorrt" : "ort"); };
  d["quantize"]["--sensitivity-runs"] = [](const Args& a) { return num(quantize_options_from(a).sensitivity_runs); };
  d["deploy"] = calibration_defaults<DeployOptions>(deploy_options_from, [](const DeployOptions& o) { return o.calibration_data; });
  auto& deploy = d["deploy"];
  deploy.erase("--percentile");  // deploy calibrates with the method's own percentile
  deploy["--digits"] = [](const Args& a) { return num(deploy_options_from(a).round_digits); };
  deploy["--max-fold-bytes"] = [](const Args& a) { return num(deploy_options_from(a).simplify_options.max_fold_bytes); };
  deploy["--batch"] = [](const Args& a) { return nums(deploy_options_from(a).verify_options.batches); };
  deploy["--seed"] = [](const Args& a) { return num(deploy_options_from(a).verify_options.seed); };
  deploy["--rtol"] = [](const Args& a) { return num(deploy_options_from(a).verify_options.rel_tol); };
  deploy["--atol"] = [](const Args& a) { return num(deploy_options_from(a).verify_options.abs_tol); };
  deploy["--duration"] = [](const Args& a) { return num(deploy_options_from(a).bench_options.duration_s); };
  deploy["--opset"] = [](const Args& a) { return num(deploy_options_from(a).export_options.opset); };
  deploy["--bench-batch"] = [](const Args& a) { return nums(deploy_options_from(a).bench_batches); };
  deploy["--rounds"] = [](const Args& a) { return num(deploy_options_from(a).bench_rounds); };
  deploy["--int8"] = [](const Args& a) { return num(deploy_options_from(a).min_sqnr_db); };
  deploy["--calibration-batch"] = [](const Args& a) { return num(deploy_options_from(a).calibration_data.batch_size); };
  deploy["--target"] = [](const Args& a) { return std::string(deploy_options_from(a).quantize.symmetric_activations ? "tensorrt" : "ort"); };
  return d;
}

}  // namespace

TEST(Options, EveryPrintedDefaultIsTheOneTheCommandUses) {
  const auto used = used_defaults();
  for (const Command* command : piu::cli::command_specs()) {
    SCOPED_TRACE("piu " + command->name + " --help");
    const Args args = piu::cli::parse_args(*command, minimal_args(*command));
    const auto printed = printed_defaults(*command);
    const auto it = used.find(command->name);
    const std::map<std::string, Getter> none;
    const auto& getters = it == used.end() ? none : it->second;
    for (const auto& [option, text] : printed) {
      const auto getter = getters.find(option);
      if (getter == getters.end()) {
        ADD_FAILURE() << option << " prints default '" << text << "' that this test does not check";
        continue;
      }
      EXPECT_EQ(text, getter->second(args)) << option;
    }
    for (const auto& [option, getter] : getters) EXPECT_TRUE(printed.count(option)) << option << " prints no default";
  }
}

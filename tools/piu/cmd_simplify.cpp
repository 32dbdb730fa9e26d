#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/model_output.hpp"
#include "commands.hpp"
#include "piu/simplify.hpp"

namespace piu::cli {

namespace {

int simplify_main(const Args& args) {
  const std::string& in = args.positional[0];
  const std::string out = args.get("--output");
  check_output_path(in, out);
  SimplifyOptions options;
  for (const auto& v : args.all("--input-shape"))
    for (auto& s : parse_shape_specs(v)) options.input_shapes.push_back(std::move(s));
  const int64_t max_fold = args.get_int("--max-fold-bytes", static_cast<int64_t>(options.max_fold_bytes));
  if (max_fold < 0) throw Error(ErrorCode::kBadInput, "--max-fold-bytes must be >= 0");
  options.max_fold_bytes = static_cast<uint64_t>(max_fold);
  options.skip_optimize = args.has("--skip-optimize");
  OnnxModel result = OnnxModel::load(in);
  const SimplifyReport report = simplify(result, options);
  // Verify across the dynamic batch (1, 3, 8 unless --batch says otherwise).
  Args verify_args = args;
  if (!args.has("--batch")) verify_args.values_["--batch"] = {"1,3,8"};
  if (!options.input_shapes.empty() && !args.has("--shape"))
    for (const auto& s : options.input_shapes)
      verify_args.values_["--shape"].push_back((s.name.empty() ? "" : s.name + ":") + shape_to_string(s.shape));
  const ModelWriteResult written = check_verify_and_save(in, std::move(result), out, verify_args);

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["input"] = in;
    j["output"] = out;
    j["nodes_before"] = report.nodes_before;
    j["nodes_after"] = report.nodes_after;
    j["bytes_before"] = report.bytes_before;
    j["bytes_after"] = report.bytes_after;
    j["folded_nodes"] = report.folded_nodes;
    j["iterations"] = report.iterations;
    j["ops_before"] = report.ops_before;
    j["ops_after"] = report.ops_after;
    j["skipped_folds"] = nlohmann::ordered_json::array();
    for (const auto& s : report.skipped)
      j["skipped_folds"].push_back({{"node", s.node}, {"op_type", s.op_type}, {"reason", s.reason}});
    add_write_json(j, written);
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-28s %8s %8s\n", "op", "before", "after");
  std::set<std::string> ops;
  for (const auto& [op, n] : report.ops_before) ops.insert(op);
  for (const auto& [op, n] : report.ops_after) ops.insert(op);
  for (const auto& op : ops) {
    const int64_t a = report.ops_before.count(op) ? report.ops_before.at(op) : 0;
    const int64_t b = report.ops_after.count(op) ? report.ops_after.at(op) : 0;
    if (a != b) std::printf("%-28s %8lld %8lld\n", op.c_str(), static_cast<long long>(a), static_cast<long long>(b));
  }
  std::printf("nodes %lld -> %lld, weights %.1f -> %.1f MiB, %lld nodes folded, %d round%s\n",
              static_cast<long long>(report.nodes_before), static_cast<long long>(report.nodes_after),
              report.bytes_before / 1048576.0, report.bytes_after / 1048576.0,
              static_cast<long long>(report.folded_nodes), report.iterations, report.iterations == 1 ? "" : "s");
  for (const auto& s : report.skipped)
    std::printf("not folded: %s (%s): %s\n", s.node.c_str(), s.op_type.c_str(), s.reason.c_str());
  std::cout << format_write_summary(written, out);
  return kExitOk;
}

}  // namespace

const Subcommand& simplify_command() {
  static const Subcommand sub{
      {"simplify", "IN.onnx -o OUT.onnx [--input-shape NAME:DIMS] [--max-fold-bytes N] [--skip-optimize] [--no-verify]",
       "Simplify a model, keeping dynamic dims dynamic (shape inference, constant folding on ONNX Runtime, dead "
       "code and the optimizer's passes); verified against the input at batch 1, 3 and 8 before it is written.",
       shared_options({"--output", "--input-shape", "--max-fold-bytes", "--skip-optimize", "--no-verify", "--shape",
                       "--batch", "--seed", "--rtol", "--atol", "--threads", "--json"}),
       1, 1},
      simplify_main};
  return sub;
}

}  // namespace piu::cli

#include "cli/session_args.hpp"

namespace piu::cli {

std::map<std::string, std::string> provider_options_from(const Args& args, const std::string& flag) {
  std::map<std::string, std::string> options;
  for (const std::string& kv : args.all(flag)) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw Error(ErrorCode::kBadInput, flag + " '" + kv + "': expected KEY=VALUE");
    options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return options;
}

IoPlacement io_from(const Args& args) {
  const std::string io = args.get("--io", "host");
  if (io != "host" && io != "device") throw Error(ErrorCode::kBadInput, "--io '" + io + "': expected host or device");
  return io == "device" ? IoPlacement::kDevice : IoPlacement::kHost;
}

SessionOptions session_options_from(const Args& args) {
  SessionOptions o;
  o.backend = args.get("--backend", "auto");
  o.intra_op_num_threads = static_cast<int>(args.get_int("--threads", 0));
  o.inter_op_num_threads = static_cast<int>(args.get_int("--inter-threads", 0));
  o.device = parse_device(args.get("--device", "cpu"));
  o.provider_options = provider_options_from(args, "--provider-option");
  const std::string level = args.get("--optimization", "all");
  if (level == "disabled")
    o.graph_optimization = GraphOptimization::kDisabled;
  else if (level == "basic")
    o.graph_optimization = GraphOptimization::kBasic;
  else if (level == "extended")
    o.graph_optimization = GraphOptimization::kExtended;
  else if (level == "all")
    o.graph_optimization = GraphOptimization::kAll;
  else
    throw Error(ErrorCode::kBadInput, "--optimization '" + level + "': expected disabled, basic, extended or all");
  if (o.intra_op_num_threads < 0 || o.inter_op_num_threads < 0)
    throw Error(ErrorCode::kBadInput, "thread counts must be >= 0");
  return o;
}

InputOptions input_options_from(const Args& args) {
  InputOptions o;
  o.files = args.all("--input");
  o.shapes = args.shapes();
  o.seed = static_cast<uint64_t>(args.get_int("--seed", static_cast<int64_t>(o.seed)));
  o.fixed_batch = args.has("--batch");
  for (const auto& r : args.all("--int-range")) o.int_ranges.push_back(parse_int_range(r));
  o.model_path = args.positional.empty() ? "" : args.positional[0];
  return o;
}

}  // namespace piu::cli

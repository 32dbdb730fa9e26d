#include "cli/session_args.hpp"

namespace piu::cli {

SessionOptions session_options_from(const Args& args) {
  SessionOptions o;
  o.backend = args.get("--backend", "auto");
  o.intra_op_num_threads = static_cast<int>(args.get_int("--threads", 0));
  o.inter_op_num_threads = static_cast<int>(args.get_int("--inter-threads", 0));
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

std::vector<Tensor> inputs_from(const Session& session, const Args& args, int64_t batch) {
  const auto& infos = session.inputs();
  std::vector<Tensor> given(infos.size());
  for (const std::string& spec : args.all("--input")) {
    std::string name, path = spec;
    if (size_t eq = spec.find('='); eq != std::string::npos) {
      name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
    }
    if (infos.empty()) throw Error(ErrorCode::kBadInput, "the model takes no inputs");
    const size_t index = name.empty() ? 0 : session.input_index(name);
    if (given[index].defined()) throw Error(ErrorCode::kBadInput, "input '" + infos[index].name + "' given twice");
    try {
      given[index] = read_npy(path);
    } catch (const Error& e) {
      throw e.with_context("input '" + infos[index].name + "'");
    }
  }
  // Random tensors for the rest; their dynamic dims follow --shape, or the given tensors' batch.
  std::vector<TensorInfo> missing;
  for (size_t i = 0; i < infos.size(); ++i)
    if (!given[i].defined()) missing.push_back(infos[i]);
  if (!missing.empty()) {
    for (const auto& g : given)
      if (g.defined() && g.rank() > 0 && !args.has("--batch")) batch = g.dim(0);
    std::vector<ShapeSpec> shapes;
    for (const auto& s : args.shapes()) {
      if (!s.name.empty()) session.input_index(s.name);  // an unknown name is an error
      bool used = s.name.empty();
      for (const auto& m : missing) used = used || m.name == s.name;
      if (used) shapes.push_back(s);
    }
    auto random = make_random_inputs(missing, shapes, batch, static_cast<uint64_t>(args.get_int("--seed", 0)));
    size_t r = 0;
    for (auto& g : given)
      if (!g.defined()) g = std::move(random[r++]);
  }
  return given;
}

std::string file_name_for(const std::string& tensor_name) {
  std::string out;
  for (char c : tensor_name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  if (out.empty() || out[0] == '.') out = "_" + out;
  return out;
}

}  // namespace piu::cli

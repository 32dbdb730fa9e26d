// The pass driver: registry, the seed's default list, subgraph recursion, dead-node deletion and
// the fixed point.
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_set>

#include "passes/pass.hpp"
#include "piu/passes.hpp"

namespace piu {

namespace passes {

namespace {

std::map<std::string, std::unique_ptr<Pass>>& registry() {
  static std::map<std::string, std::unique_ptr<Pass>> passes;
  return passes;
}

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

// Drops value_info entries of values no node produces any more (renamed or removed by a pass),
// so that stale shapes never describe a value.
void drop_stale_value_info(GraphProto& g) {
  std::unordered_set<std::string> produced;
  for (const auto& n : g.node())
    for (const auto& o : n.output()) produced.insert(o);
  auto* infos = g.mutable_value_info();
  for (int i = infos->size() - 1; i >= 0; --i)
    if (!produced.count(infos->Get(i).name())) infos->DeleteSubrange(i, 1);
  for (auto& n : *g.mutable_node()) for_each_subgraph(n, [](GraphProto& sub) { drop_stale_value_info(sub); });
}

// Op types (default domain) of the graph and its subgraphs.
void collect_op_types(const GraphProto& g, std::unordered_set<std::string>& ops) {
  for (const auto& n : g.node()) {
    if (is_onnx_domain(n)) ops.insert(n.op_type());
    for_each_subgraph(n, [&](const GraphProto& sub) { collect_op_types(sub, ops); });
  }
}

// Runs `pass` over `graph`'s subgraphs, then over `graph`; returns the number of changes.
int64_t run_recursively(const Pass& pass, Graph& graph) {
  int64_t changes = 0;
  for (NodeProto* node : graph.nodes()) {
    if (!has_subgraph(*node)) continue;
    for_each_subgraph(*node, [&](GraphProto& proto) {
      Graph sub(proto, graph.opset(), &graph);
      changes += run_recursively(pass, sub);
    });
    graph.reindex(node);
  }
  const int64_t here = pass.run(graph);
  if (here > 0) graph.remove_dead_nodes();
  return changes + here;
}

}  // namespace

int Pass::run(Graph& graph) const {
  const std::vector<std::string> types = op_types();
  int changes = 0;
  for (NodeProto* node : graph.nodes()) {
    if (!graph.contains(node) || !is_onnx_domain(*node)) continue;
    if (!types.empty() && std::find(types.begin(), types.end(), node->op_type()) == types.end()) continue;
    if (match(graph, *node) && rewrite(graph, *node)) ++changes;
  }
  return changes;
}

bool register_pass(std::unique_ptr<Pass> pass) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  const std::string name = pass->name();
  if (!registry().emplace(name, std::move(pass)).second)
    throw Error(ErrorCode::kInternal, "pass '" + name + "' registered twice");
  return true;
}

const Pass* find_pass(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.get();
}

}  // namespace passes

std::vector<std::string> default_passes() {
  // The seed's onnx_optimize_params["passes"], in the seed's order. Order matters: e.g.
  // eliminate_nop_pad before fuse_pad_into_conv, fuse_bn_into_conv before fuse_add_bias_into_conv.
  return {
      "eliminate_deadend",
      "eliminate_duplicate_initializer",
      "eliminate_identity",
      "eliminate_if_with_const_cond",
      "eliminate_nop_cast",
      "eliminate_nop_dropout",
      "eliminate_nop_flatten",
      "eliminate_nop_monotone_argmax",
      "eliminate_nop_pad",
      "eliminate_nop_transpose",
      "eliminate_unused_initializer",
      "extract_constant_to_initializer",
      "fuse_add_bias_into_conv",
      "fuse_bn_into_conv",
      "fuse_consecutive_concats",
      "fuse_consecutive_log_softmax",
      "fuse_consecutive_reduce_unsqueeze",
      "fuse_consecutive_squeezes",
      "fuse_consecutive_transposes",
      "fuse_matmul_add_bias_into_gemm",
      "fuse_pad_into_conv",
      "fuse_transpose_into_gemm",
      "lift_lexical_references",
      "nop",
  };
}

std::vector<PassInfo> registered_passes() {
  std::lock_guard<std::mutex> lock(passes::registry_mutex());
  std::vector<PassInfo> out;
  for (const auto& [name, pass] : passes::registry()) out.push_back({name, pass->description()});
  return out;
}

OptimizeReport optimize(OnnxModel& model, const OptimizeOptions& options) {
  std::vector<const passes::Pass*> list;
  for (const std::string& name : options.passes) {
    const passes::Pass* p = passes::find_pass(name);
    if (!p) {
      std::string known;
      for (const auto& info : registered_passes()) known += (known.empty() ? "" : ", ") + info.name;
      throw Error(ErrorCode::kBadInput, "unknown pass '" + name + "' (known passes: " + known + ")");
    }
    list.push_back(p);
  }
  const int64_t opset = graph_utils::default_opset(model.proto());
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  const int64_t known = ranges.count("") ? ranges.at("").second : 0;
  if (opset > known)
    throw Error(ErrorCode::kBadInput, (model.path().empty() ? std::string("model") : model.path()) + " imports opset " +
                                          std::to_string(opset) + " of the ONNX domain; piu knows opsets up to " +
                                          std::to_string(known));

  OptimizeReport report;
  for (const std::string& name : options.passes) report.passes.push_back({name, 0, 0});
  auto& graph_proto = *model.proto().mutable_graph();
  report.nodes_before = graph_utils::count_nodes(graph_proto);
  validate_graph(model);
  // Shapes and types help passes that depend on them (e.g. eliminate_nop_cast); inference that
  // fails on an op it does not know leaves those values unknown, and the passes then do not fire.
  if (options.infer_shapes) {
    try {
      onnx::shape_inference::InferShapes(model.proto());
    } catch (const std::exception&) {
    }
  }
  const int rounds = options.fixed_point ? std::max(1, options.max_iterations) : 1;
  for (int round = 0; round < rounds; ++round) {
    int64_t changes = 0;
    // A node pass none of whose op types occur cannot fire: skip building its Graph.
    std::unordered_set<std::string> present;
    passes::collect_op_types(graph_proto, present);
    for (size_t i = 0; i < list.size(); ++i) {
      const auto targets = list[i]->op_types();
      if (!targets.empty() &&
          std::none_of(targets.begin(), targets.end(), [&](const std::string& t) { return present.count(t) > 0; }))
        continue;
      const int64_t before = graph_utils::count_nodes(graph_proto);
      int64_t applied;
      {
        passes::Graph graph(graph_proto, opset);
        applied = passes::run_recursively(*list[i], graph);
      }
      report.passes[i].applications += applied;
      report.passes[i].nodes_removed += before - graph_utils::count_nodes(graph_proto);
      changes += applied;
      if (applied) {  // a rewrite may bring in op types (MatMul + Add -> Gemm)
        present.clear();
        passes::collect_op_types(graph_proto, present);
      }
    }
    report.iterations = round + 1;
    if (changes == 0) break;
  }
  passes::drop_stale_value_info(graph_proto);
  report.nodes_after = graph_utils::count_nodes(graph_proto);
  return report;
}

void validate_graph(const OnnxModel& model) {
  // A skeleton of the graph (nodes, inputs, outputs, initializer names; no weights) so that the
  // model itself is neither copied nor reordered.
  const onnx::GraphProto& g = model.proto().graph();
  onnx::GraphProto skeleton;
  skeleton.set_name(g.name());
  *skeleton.mutable_node() = g.node();
  *skeleton.mutable_input() = g.input();
  *skeleton.mutable_output() = g.output();
  for (const auto& t : g.initializer()) skeleton.add_initializer()->set_name(t.name());
  for (const auto& t : g.sparse_initializer()) skeleton.add_initializer()->set_name(t.values().name());
  try {
    passes::Graph graph(skeleton, graph_utils::default_opset(model.proto()));
  } catch (const Error& e) {
    throw e.with_context(model.path().empty() ? std::string("model") : model.path());
  }
}

void check_model(const OnnxModel& model, const std::string& what) {
  // The checker's own message for this does not say which value it means.
  const auto& g = model.proto().graph();
  for (const auto* list : {&g.input(), &g.output()})
    for (const auto& v : *list)
      if (v.type().has_tensor_type() && !v.type().tensor_type().has_shape())
        throw Error(ErrorCode::kBadInput, what + ": graph " + (list == &g.input() ? "input" : "output") + " '" +
                                              v.name() + "' has no shape (not even a rank could be inferred)");
  try {
    onnx::checker::check_model(model.proto(), /*full_check=*/false);
  } catch (const std::exception& e) {
    std::string message = e.what();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    for (char& c : message)
      if (c == '\n') c = ' ';
    throw Error(ErrorCode::kBadInput, what + ": ONNX checker: " + message);
  }
}

}  // namespace piu

// index_input_ranges: which integer inputs index a table held in the model, and its size, so that
// random inputs stay valid token ids (an embedding's Gather fails on an id past its table).
#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "piu/onnx.hpp"

namespace piu {

namespace {

// Ops whose output 0 holds elements of input 0 only.
bool moves_elements(std::string_view op) {
  return op == "Reshape" || op == "Unsqueeze" || op == "Squeeze" || op == "Flatten" || op == "Slice" ||
         op == "Transpose" || op == "Expand" || op == "Identity";
}

bool integer_elem_type(int32_t t) {
  const auto d = dtype_from_onnx(t);
  return d && !is_floating(*d) && *d != DType::kBool;
}

int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.i();
  return fallback;
}

}  // namespace

std::vector<IntRange> index_input_ranges(const OnnxModel& model) {
  const auto& g = model.proto().graph();
  std::map<std::string, const onnx::TensorProto*> tables;  // initializers and Constant outputs
  for (const auto& t : g.initializer()) tables[t.name()] = &t;
  std::map<std::string, const onnx::NodeProto*> producer;
  std::map<std::string, std::vector<std::pair<const onnx::NodeProto*, int>>> readers;
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) producer[o] = &n;
    for (int i = 0; i < n.input_size(); ++i) readers[n.input(i)].push_back({&n, i});
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) tables[n.output(0)] = &a.t();
  }
  // A table reached through casts and dequantization of a held tensor.
  auto table_of = [&](std::string name) -> const onnx::TensorProto* {
    for (int hops = 0; hops < 4; ++hops) {
      if (auto it = tables.find(name); it != tables.end()) return it->second;
      auto p = producer.find(name);
      if (p == producer.end() || p->second->input_size() == 0) return nullptr;
      const std::string& op = p->second->op_type();
      if (op != "Cast" && op != "DequantizeLinear" && op != "Identity") return nullptr;
      name = p->second->input(0);
    }
    return nullptr;
  };
  std::set<std::string> initializer_names;
  for (const auto& t : g.initializer()) initializer_names.insert(t.name());
  std::vector<IntRange> out;
  for (const auto& input : g.input()) {
    if (initializer_names.count(input.name()) || !integer_elem_type(input.type().tensor_type().elem_type())) continue;
    int64_t bound = -1;
    std::vector<std::string> pending = {input.name()};
    std::set<std::string> seen = {input.name()};
    while (!pending.empty()) {
      const std::string v = pending.back();
      pending.pop_back();
      for (const auto& [node, position] : readers[v]) {
        const std::string& op = node->op_type();
        const bool passes = position == 0 && node->output_size() > 0 &&
                            (moves_elements(op) || (op == "Cast" && integer_elem_type(static_cast<int32_t>(
                                                                         int_attribute(*node, "to", 0)))));
        if (passes) {
          if (seen.insert(node->output(0)).second) pending.push_back(node->output(0));
          continue;
        }
        if (op != "Gather" || position != 1) continue;
        const onnx::TensorProto* table = table_of(node->input(0));
        if (!table || table->dims_size() == 0) continue;
        int64_t axis = int_attribute(*node, "axis", 0);
        if (axis < 0) axis += table->dims_size();
        if (axis < 0 || axis >= table->dims_size()) continue;
        const int64_t size = table->dims(static_cast<int>(axis));
        if (size > 0) bound = bound < 0 ? size : std::min(bound, size);
      }
    }
    if (bound > 0) out.push_back({input.name(), 0, bound});
  }
  return out;
}

}  // namespace piu

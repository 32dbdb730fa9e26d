// Control flow decided at run time, the converters' side: an If branch or a Loop body built as an
// ONNX subgraph (its nodes go there while it is open; initializers stay in the model's graph, which
// a subgraph may read), and checkpoints for attempts that turn out to need run-time values.
#include "export/export_state.hpp"

namespace piu::exporter {

namespace {

// Opens `body` as the place converters' nodes go; closes it however the conversion ends.
class OpenBody {
 public:
  OpenBody(ExportState& state, onnx::GraphProto& body) : state_(state) { state_.bodies.push_back(&body); }
  ~OpenBody() { state_.bodies.pop_back(); }
  OpenBody(const OpenBody&) = delete;
  OpenBody& operator=(const OpenBody&) = delete;

 private:
  ExportState& state_;
};

}  // namespace

const IrValue& ConvertContext::value(int v) const { return state_.ir.values.at(static_cast<size_t>(v)); }

std::string ConvertContext::fresh_name(const std::string& hint) { return state_.unique(hint); }

bool ConvertContext::in_runtime_block() const { return !state_.bodies.empty(); }

void ConvertContext::bind_value(int value, const std::string& onnx_value, int32_t elem, int64_t rank) {
  state_.ir.values[value].clear_constant();
  state_.repr[value] = {};
  state_.repr[value].onnx = onnx_value;
  state_.repr[value].elem = elem;
  state_.repr[value].rank = rank;
  state_.failed[value] = false;
}

bool ConvertContext::convert_subgraph(size_t b, onnx::GraphProto& body, std::vector<int32_t>& types,
                                      std::vector<std::optional<Shape>>* shapes) {
  const IrBlock& block = node_.blocks.at(b);
  OpenBody open(state_, body);
  if (!convert_block(b)) return false;
  // The block's results as tensors of the agreed types, renamed into the subgraph's outputs (an
  // output may be a value from outside the block, or a constant: each gets a node of its own here).
  IrNode results;
  results.kind = node_.kind;
  results.source = node_.source;
  results.inputs = block.outputs;
  ConvertContext out(state_, results);
  types.resize(block.outputs.size(), 0);
  std::vector<std::string> names;
  std::vector<std::optional<Shape>> found;
  for (size_t k = 0; k < block.outputs.size(); ++k) {
    std::string value = out.tensor(k);
    const int32_t own = out.elem_type(k);
    if (types[k] == 0) types[k] = own;
    if (types[k] != own) value = cast(out, value, types[k], own);
    const std::string hint = node_.outputs.empty() ? "result" : state_.ir.values[node_.outputs[0]].name;
    const std::string name = out.emit("Identity", {value}, hint);
    names.push_back(name);
    found.push_back(state_.shape_of(name));
  }
  if (shapes) *shapes = found;
  body.clear_value_info();  // rank-only declarations made for inference while converting
  for (size_t k = 0; k < names.size(); ++k) {
    auto* v = body.add_output();
    v->set_name(names[k]);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(types[k]);
    // The shape found here, declared: ONNX's If/Loop inference takes a subgraph's outputs from
    // their declarations (dynamic dims stay unnamed).
    if (!found[k]) continue;
    auto* shape = tt->mutable_shape();
    for (int64_t d : *found[k]) {
      auto* dim = shape->add_dim();
      if (d >= 0) dim->set_dim_value(d);
    }
  }
  return true;
}

void ConvertContext::declare_output(size_t k, const Shape& shape) {
  const auto& r = state_.repr[node_.outputs.at(k)];
  if (r.onnx.empty() || !state_.declared.insert(r.onnx).second) return;
  auto* v = state_.target().add_value_info();
  v->set_name(r.onnx);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  if (r.elem) tt->set_elem_type(r.elem);
  auto* dims = tt->mutable_shape();
  for (int64_t d : shape) {
    auto* dim = dims->add_dim();
    if (d >= 0) dim->set_dim_value(d);
  }
}

ConvertContext::Checkpoint ConvertContext::checkpoint() const {
  Checkpoint point;
  point.nodes = state_.target().node_size();
  point.value_infos = state_.target().value_info_size();
  point.unsupported = state_.unsupported.size();
  point.repr = std::make_shared<std::vector<ExportState::Repr>>(state_.repr);
  return point;
}

void ConvertContext::rollback(const Checkpoint& point) {
  onnx::GraphProto& g = state_.target();
  if (g.node_size() > point.nodes) g.mutable_node()->DeleteSubrange(point.nodes, g.node_size() - point.nodes);
  if (g.value_info_size() > point.value_infos)
    g.mutable_value_info()->DeleteSubrange(point.value_infos, g.value_info_size() - point.value_infos);
  state_.unsupported.resize(point.unsupported);
  state_.repr = *std::static_pointer_cast<const std::vector<ExportState::Repr>>(point.repr);
  state_.inferred_nodes = -1;
  block_failed_ = false;
}

}  // namespace piu::exporter

// The export state's bookkeeping and the conversion loop: each node through its converter, a
// converter's failure recorded as a value (the node's outputs are marked failed and their readers
// skipped), never thrown through the driver.
#include "export/export_state.hpp"

#include <algorithm>
#include <cctype>

#include <onnx/shape_inference/implementation.h>

namespace piu::exporter {

namespace {

std::string label(const IrNode& n) { return n.kind + (n.source.empty() ? "" : " at " + n.source); }

// Runs one converter; its failure comes back as a value: the reason it gave up, or nullopt when it
// converted the node. (Unconvertible is how a converter, or the ConvertContext reader it called,
// gives up from deep inside; this is the one place it is caught.) A converter tripping over a use
// of its op it did not expect (an index out of range, an empty optional) is reported the same way,
// naming the node, rather than ending the export as piu's internal error: the user's model is fine,
// this use of the op is not supported.
std::optional<std::string> run_converter(ConvertFn fn, ConvertContext& ctx) {
  try {
    fn(ctx);
  } catch (const Unconvertible& e) {
    return std::string(e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return "this use of the op is not supported (the converter stopped at: " + std::string(e.what()) + ")";
  }
  return std::nullopt;
}

// The graph built so far as a model for shape inference; large initializers keep their dims but
// not their bytes. The subgraphs being built follow the graph's nodes, their inputs declared as
// graph inputs: a value inside a branch or loop body has the shape it has on any one run.
onnx::ModelProto light_copy(const onnx::GraphProto& graph, const std::vector<onnx::GraphProto*>& bodies, int opset) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  auto* g = m.mutable_graph();
  *g->mutable_input() = graph.input();
  *g->mutable_node() = graph.node();
  *g->mutable_value_info() = graph.value_info();
  for (const auto& t : graph.initializer()) {
    auto* c = g->add_initializer();
    c->set_name(t.name());
    c->set_data_type(t.data_type());
    *c->mutable_dims() = t.dims();
    if (t.raw_data().size() <= 4096) c->set_raw_data(t.raw_data());  // large ones: dims are enough
  }
  for (const onnx::GraphProto* body : bodies) {
    for (const auto& v : body->input()) *g->add_input() = v;
    for (const auto& n : body->node()) *g->add_node() = n;
    for (const auto& v : body->value_info()) *g->add_value_info() = v;
  }
  return m;
}

}  // namespace

ExportState::ExportState(IrGraph& ir, int opset, onnx::GraphProto& graph, std::string path)
    : ir(ir), opset(opset), graph(graph), path(std::move(path)), repr(ir.values.size()),
      producer(ir.values.size(), nullptr), uses(ir.values.size(), 0), failed(ir.values.size(), false) {
  index_nodes(ir.nodes);
  for (int o : ir.outputs) ++uses[o];
}

// Producers and reader counts, through sub-blocks (a block's reads are never counted down: a
// constant read inside a branch or loop body stays until the end).
void ExportState::index_nodes(const std::vector<IrNode>& nodes) {
  for (const auto& n : nodes) {
    for (int o : n.outputs) producer[o] = &n;
    for (int i : n.inputs) ++uses[i];
    for (const auto& b : n.blocks) {
      index_nodes(b.nodes);
      for (int o : b.outputs) ++uses[o];
    }
  }
}

ConvertStatus ExportState::convert_nodes(const std::vector<IrNode>& nodes) {
  ConvertStatus status = ConvertStatus::kConverted;
  for (const auto& n : nodes) {
    if (convert_node(n) == ConvertStatus::kConverted) continue;
    status = ConvertStatus::kFailed;
    if (depth_ > 0) break;  // the If/Loop that owns this block fails as a whole
  }
  return status;
}

// A node reading a failed value is skipped, not reported: the list names causes, not their
// consequences. A node failing inside a block is reported once, for the inner node; the If/Loop
// around it then fails without a report of its own.
ConvertStatus ExportState::convert_node(const IrNode& n) {
  const auto fail = [&] {
    for (int o : n.outputs) failed[o] = true;
    return ConvertStatus::kFailed;
  };
  if (std::any_of(n.inputs.begin(), n.inputs.end(), [&](int v) { return failed[v]; })) return fail();
  for (int o : n.outputs) {  // a loop body is converted once per iteration (or again as an ONNX Loop)
    repr[o] = {};
    ir.values[o].clear_constant();  // constants a converter set (a branch's string, a taken branch's result)
  }
  const ConvertFn fn = find_converter(n.kind);
  if (!fn) {
    unsupported.push_back({n.kind, n.source, "no converter"});
    return fail();
  }
  ConvertContext ctx(*this, n);
  std::optional<std::string> reason;
  ++depth_;
  try {
    reason = run_converter(fn, ctx);
  } catch (const Error& e) {  // not a failure to convert: a real error, named with the node
    throw e.with_context(path + ": " + label(n));
  }
  --depth_;
  if (reason) unsupported.push_back({n.kind, n.source, *reason});
  if (reason || ctx.block_failed()) return fail();
  if (depth_ == 0) {
    rebind_mutated(n);
    done_with(n);
  }
  return ConvertStatus::kConverted;
}

// An in-place aten op (relu_, masked_fill_, add_, ...: a kind ending in '_', not a dunder such as
// __and__) returns its first argument, changed. Scripted code reads the changed tensor under the
// argument's own name afterwards (traces read the op's output), so from here on the argument
// stands for the op's result too. Only for ops of the top-level graph: inside an If or Loop body
// the changed value would have to leave the body as a carried value, which it does not, and
// verification reports the difference.
void ExportState::rebind_mutated(const IrNode& n) {
  const std::string& kind = n.kind;
  if (kind.rfind("aten::", 0) != 0 || kind.back() != '_' || kind.rfind("aten::__", 0) == 0) return;
  if (n.inputs.empty() || n.outputs.empty()) return;
  const int self = n.inputs[0], result = n.outputs[0];
  if (ir.values[self].type != IrType::kTensor || ir.values[result].type != IrType::kTensor) return;
  if (repr[result].onnx.empty() && !repr[result].constant) return;
  if (!repr[result].onnx.empty() && repr[result].onnx == repr[self].onnx) return;
  assign(self, result);
}

void ExportState::assign(int dst, int src) {
  repr[dst] = repr[src];
  IrValue& d = ir.values[dst];
  const IrValue& s = ir.values[src];
  d.tensor = s.tensor;
  d.tensors = s.tensors;
  d.ints = s.ints;
  d.floats = s.floats;
  d.str = s.str;
  d.none = s.none;
}

// After node n is converted: a large constant nothing else reads is freed (its initializer, if
// any, holds the data now), so a model's weights are not held twice through the conversion.
void ExportState::done_with(const IrNode& n) {
  for (int i : n.inputs) {
    auto& t = ir.values[i].tensor;
    if (--uses[i] == 0 && t && t->nbytes() >= (size_t{1} << 20)) t.reset();
  }
}

std::string ExportState::unique(std::string hint) {
  for (char& c : hint)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  if (hint.empty()) hint.push_back('v');
  std::string name = hint;
  for (int k = 1; names.count(name); ++k) name = hint + "_" + std::to_string(k);
  names.insert(name);
  return name;
}

std::optional<Shape> ExportState::shape_of(const std::string& value) {
  auto it = shapes.find(value);
  if (it == shapes.end() && inferred_nodes != nodes_added) {
    infer_shapes_so_far();
    it = shapes.find(value);
  }
  if (it == shapes.end()) return std::nullopt;
  return it->second;
}

void ExportState::infer_shapes_so_far() {
  onnx::ModelProto m = light_copy(graph, bodies, opset);
  try {
    // No type checks; what cannot be inferred stays unknown; data propagation (Reshape targets
    // computed from Shape).
    const onnx::ShapeInferenceOptions opts(false, 0, true);
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception&) {
  }
  const auto record = [&](const onnx::ValueInfoProto& v) {
    if (!v.type().tensor_type().has_shape()) return;
    Shape shape;
    std::vector<std::string> symbols;
    for (const auto& d : v.type().tensor_type().shape().dim()) {
      shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
      symbols.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
    shapes[v.name()] = shape;
    dim_names[v.name()] = symbols;
  };
  for (const auto& v : m.graph().value_info()) record(v);
  for (const auto& v : m.graph().input()) record(v);
  for (const auto& t : graph.initializer()) shapes[t.name()] = Shape(t.dims().begin(), t.dims().end());
  inferred_nodes = nodes_added;
}

}  // namespace piu::exporter

// Control flow in scripted code. A prim::If whose condition is known at conversion time (a rank, a
// static size, a None check, an attribute) converts only the branch taken; a prim::Loop whose trip
// count and conditions are known and that runs at most kMaxUnroll times is unrolled. What depends
// on run-time values becomes ONNX control flow: an If with both branches as subgraphs, a Loop with
// its body as a subgraph (loop-carried values as its state).
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// Loops known now run unrolled up to this many iterations; longer ones become an ONNX Loop.
constexpr int64_t kMaxUnroll = 64;

// The ONNX element type a TorchScript number takes as a 0-d tensor; 0 for tensors (their own).
int32_t number_type(const IrValue& v) {
  switch (v.type) {
    case IrType::kInt: return onnx::TensorProto::INT64;
    case IrType::kFloat: return onnx::TensorProto::FLOAT;
    case IrType::kBool: return onnx::TensorProto::BOOL;
    case IrType::kTensor: return 0;
    default:
      throw Unconvertible("control flow decided at run time that carries '" + v.name + "', a " + v.type_str +
                          "; piu carries tensors, ints, floats and bools through ONNX If/Loop");
  }
}

// Argument i (a bool, or a one-element tensor) as a bool ONNX value.
std::string condition(ConvertContext& ctx, size_t i) {
  return cast(ctx, ctx.tensor(i), onnx::TensorProto::BOOL, ctx.elem_type(i));
}

void set_graph(onnx::NodeProto& n, const std::string& name, onnx::GraphProto&& g) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = std::move(g);
}

// An If on a value known only at run time: both branches become subgraphs. Their results agree in
// type (numbers by their TorchScript type, tensors by the first branch's element type).
void runtime_if(ConvertContext& ctx) {
  const IrNode& node = ctx.node();
  const std::string cond = condition(ctx, 0);
  std::vector<int32_t> types;
  for (int o : node.outputs) types.push_back(number_type(ctx.value(o)));
  std::vector<onnx::GraphProto> branches(2);
  std::vector<std::optional<Shape>> shapes[2];
  for (size_t b = 0; b < 2; ++b) {
    branches[b].set_name(b == 0 ? "then" : "else");
    if (!ctx.convert_subgraph(b, branches[b], types, &shapes[b])) return;
  }
  if (node.outputs.empty()) return;  // nothing either branch computes is read
  auto& n = ctx.add("If", {cond}, node.outputs.size());
  set_graph(n, "then_branch", std::move(branches[0]));
  set_graph(n, "else_branch", std::move(branches[1]));
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    ctx.bind(k, n.output(static_cast<int>(k)), types[k]);
    if (shapes[0][k] && shapes[1][k] && shapes[0][k]->size() == shapes[1][k]->size())
      ctx.set_rank(k, static_cast<int64_t>(shapes[0][k]->size()));
  }
}

// prim::If(cond) -> outputs of the branch taken, or an ONNX If.
void if_(ConvertContext& ctx) {
  const auto cond = ctx.maybe_ints(0);
  if (!cond || cond->size() != 1) return runtime_if(ctx);
  const size_t taken = cond->at(0) ? 0 : 1;
  if (!ctx.convert_block(taken)) return;
  const IrBlock& b = ctx.node().blocks.at(taken);
  for (size_t k = 0; k < ctx.node().outputs.size(); ++k) ctx.assign(ctx.node().outputs[k], b.outputs.at(k));
}

// An ONNX value's declared type for a subgraph input: element type and, where known, the shape
// (dynamic dims left unnamed).
void declare(onnx::ValueInfoProto& v, const std::string& name, int32_t type, const std::optional<Shape>& shape) {
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  if (!shape) return;
  auto* s = tt->mutable_shape();
  for (int64_t d : *shape) {
    auto* dim = s->add_dim();
    if (d >= 0) dim->set_dim_value(d);
  }
}

// prim::Loop(max_trip_count, initial_condition, carried...) with body (iteration, carried...) ->
// (condition, carried...) as an ONNX Loop: M, cond and the carried values map one to one; the
// body's inputs are (iteration, condition, carried...). A carried value's declared shape is its
// initial one where the body keeps it (the body is converted again with the dims it changes left
// unknown, or with no shape when it changes the rank).
void runtime_loop(ConvertContext& ctx) {
  const IrNode& node = ctx.node();
  const IrBlock& body = node.blocks.at(0);
  const std::string trips = ctx.int_scalar(0);
  const std::string cond = condition(ctx, 1);
  const size_t n = node.inputs.size() - 2;
  std::vector<std::string> initial;
  std::vector<int32_t> types;
  std::vector<std::optional<Shape>> shapes;
  for (size_t k = 0; k < n; ++k) {
    const int32_t number = number_type(ctx.in(k + 2));
    const int32_t own = ctx.elem_type(k + 2);
    std::string v = ctx.tensor(k + 2);
    if (number && number != own) v = cast(ctx, v, number, own);
    initial.push_back(v);
    types.push_back(number ? number : own);
    shapes.push_back(number ? std::optional<Shape>(Shape{}) : ctx.value_shape(v));
  }
  onnx::GraphProto graph;
  for (int attempt = 0;; ++attempt) {
    graph = onnx::GraphProto();
    graph.set_name("loop_body");
    const std::string hint = node.outputs.empty() ? "loop" : ctx.value(node.outputs[0]).name;
    declare(*graph.add_input(), ctx.fresh_name(hint + "_iteration"), onnx::TensorProto::INT64, Shape{});
    declare(*graph.add_input(), ctx.fresh_name(hint + "_condition"), onnx::TensorProto::BOOL, Shape{});
    ctx.bind_value(body.inputs.at(0), graph.input(0).name(), onnx::TensorProto::INT64, 0);
    for (size_t k = 0; k < n; ++k) {
      const int value = body.inputs.at(k + 1);
      declare(*graph.add_input(), ctx.fresh_name(ctx.value(value).name), types[k], shapes[k]);
      ctx.bind_value(value, graph.input(static_cast<int>(k + 2)).name(), types[k],
                     shapes[k] ? static_cast<int64_t>(shapes[k]->size()) : -1);
    }
    std::vector<int32_t> out_types = {onnx::TensorProto::BOOL};
    out_types.insert(out_types.end(), types.begin(), types.end());
    std::vector<std::optional<Shape>> out_shapes;
    if (!ctx.convert_subgraph(0, graph, out_types, &out_shapes)) return;
    bool stable = true;
    for (size_t k = 0; k < n; ++k) {
      auto& s = shapes[k];
      const auto& o = out_shapes.at(k + 1);
      if (!s) continue;
      if (!o || o->size() != s->size()) {
        s.reset();
        stable = false;
        continue;
      }
      for (size_t d = 0; d < s->size(); ++d)
        if ((*s)[d] >= 0 && (*o)[d] != (*s)[d]) {
          (*s)[d] = -1;
          stable = false;
        }
    }
    if (stable || attempt == 2) break;
  }
  std::vector<std::string> inputs = {trips, cond};
  inputs.insert(inputs.end(), initial.begin(), initial.end());
  auto& loop = ctx.add("Loop", inputs, n);
  set_graph(loop, "body", std::move(graph));
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    ctx.bind(k, loop.output(static_cast<int>(k)), types[k]);
    // ONNX's Loop inference leaves carried outputs without a shape: what the body keeps is declared.
    if (shapes[k]) ctx.declare_output(k, *shapes[k]);
  }
}

// Unrolls a loop whose trip count and initial condition are known: each iteration converts the
// body with the iteration number and carried values bound. Returns false, with nothing converted,
// when a later condition turns out to be known only at run time.
bool unroll(ConvertContext& ctx, int64_t trips) {
  const IrNode& node = ctx.node();
  const IrBlock& body = node.blocks.at(0);
  const ConvertContext::Checkpoint start = ctx.checkpoint();
  std::vector<int> carried(node.inputs.begin() + 2, node.inputs.end());
  for (int64_t i = 0; i < trips; ++i) {
    ctx.bind_value_ints(body.inputs.at(0), {i});
    for (size_t k = 0; k < carried.size(); ++k) ctx.assign(body.inputs.at(k + 1), carried[k]);
    if (!ctx.convert_block(0)) return true;  // reported; the loop fails with it
    const auto next = ctx.value_ints(body.outputs.at(0));
    if (!next || next->size() != 1) {
      ctx.rollback(start);
      return false;
    }
    carried.assign(body.outputs.begin() + 1, body.outputs.end());
    if (next->at(0) == 0) break;
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) ctx.assign(node.outputs[k], carried.at(k));
  return true;
}

// prim::Loop: unrolled when short and known now, else an ONNX Loop.
void loop(ConvertContext& ctx) {
  const auto trips = ctx.maybe_ints(0);
  const auto cond = ctx.maybe_ints(1);
  if (cond && cond->size() == 1 && cond->at(0) == 0) {  // never runs: the initial values
    for (size_t k = 0; k < ctx.node().outputs.size(); ++k) ctx.assign(ctx.node().outputs[k], ctx.node().inputs[k + 2]);
    return;
  }
  if (trips && trips->size() == 1 && cond && cond->size() == 1 && trips->at(0) <= kMaxUnroll &&
      unroll(ctx, std::max<int64_t>(trips->at(0), 0)))
    return;
  runtime_loop(ctx);
}

}  // namespace

PIU_REGISTER_CONVERTER(prim_If, "prim::If", if_);
PIU_REGISTER_CONVERTER(prim_Loop, "prim::Loop", loop);

}  // namespace piu::exporter

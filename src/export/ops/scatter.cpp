// Scatter and mask selection: scatter (src, value, reduce), scatter_add, scatter_reduce, masked_scatter,
// masked_select, nonzero, nonzero_numpy, take, one_hot.
#include <cmath>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

std::string as_int64(ConvertContext& ctx, size_t i) {
  return cast(ctx, ctx.tensor(i), onnx::TensorProto::INT64, ctx.elem_type(i));
}

// ScatterElements(self, index, src) along `dim`, with a reduction ("" for none; from opset 16).
void scatter_elements(ConvertContext& ctx, const std::string& src, const std::string& reduction) {
  auto& n = ctx.add("ScatterElements", {ctx.tensor(0), as_int64(ctx, 2), src});
  set_int(n, "axis", ctx.int_const(1));
  if (!reduction.empty()) {
    if (ctx.opset() < 16) throw Unconvertible("scatter with reduce='" + reduction + "' needs opset 16");
    auto* a = n.add_attribute();
    a->set_name("reduction");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(reduction);
  }
  ctx.bind(0, n.output(0));
}

// scatter(self, dim, index, src) and scatter(self, dim, index, value), each with an optional
// reduce ('add', 'multiply').
void scatter(ConvertContext& ctx) {
  std::string src;
  if (ctx.in(3).type == IrType::kTensor) {
    src = ctx.tensor(3);
  } else {  // a number: broadcast to the index's shape
    src = ctx.emit("Expand", {ctx.tensor(3, 0), ctx.emit("Shape", {ctx.tensor(2)})});
  }
  std::string reduction;
  if (ctx.num_inputs() > 4 && ctx.in(4).str) {
    reduction = *ctx.in(4).str == "multiply" ? "mul" : *ctx.in(4).str;
    if (reduction != "add" && reduction != "mul") throw Unconvertible("scatter with reduce='" + reduction + "'");
  }
  scatter_elements(ctx, src, reduction);
}

// scatter_add(self, dim, index, src): ScatterElements with reduction 'add' (opset 16; before it
// ONNX has no way to add duplicate indices).
void scatter_add(ConvertContext& ctx) { scatter_elements(ctx, ctx.tensor(3), "add"); }

// scatter_reduce(self, dim, index, src, reduce, include_self): ScatterElements with reduction add
// (sum), mul (prod) from opset 16, max (amax), min (amin) from opset 18. include_self=False first
// writes the reduction's identity where the index points, so only src's values meet there.
void scatter_reduce(ConvertContext& ctx) {
  const std::string mode = ctx.in(4).str ? *ctx.in(4).str : "";
  const std::string reduction = mode == "sum" ? "add" : mode == "prod" ? "mul" : mode == "amax" ? "max"
                                : mode == "amin" ? "min" : "";
  if (reduction.empty()) throw Unconvertible("scatter_reduce with reduce='" + mode + "' is not supported");
  const int need = reduction == "max" || reduction == "min" ? 18 : 16;
  if (ctx.opset() < need)
    throw Unconvertible("scatter_reduce with reduce='" + mode + "' needs opset " + std::to_string(need));
  const int64_t axis = ctx.int_const(1);
  const std::string index = as_int64(ctx, 2), src = ctx.tensor(3);
  std::string data = ctx.tensor(0);
  if (ctx.num_inputs() > 5 && !ctx.bool_const(5)) {
    const int32_t type = ctx.elem_type(0);
    const bool floating = type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE ||
                          type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::BFLOAT16;
    if (!floating && (reduction == "max" || reduction == "min"))
      throw Unconvertible("scatter_reduce amax/amin with include_self=False on integers");
    const double identity = reduction == "add" ? 0.0 : reduction == "mul" ? 1.0
                            : reduction == "max" ? -INFINITY : INFINITY;
    const std::string fill_src = ctx.emit("Expand", {ctx.const_scalar(identity, type, "identity"),
                                                     ctx.emit("Shape", {index})});
    auto& clear = ctx.add("ScatterElements", {data, index, fill_src});
    set_int(clear, "axis", axis);
    data = clear.output(0);
  }
  auto& n = ctx.add("ScatterElements", {data, index, src});
  set_int(n, "axis", axis);
  auto* a = n.add_attribute();
  a->set_name("reduction");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(reduction);
  ctx.bind(0, n.output(0));
}

// The [n, rank] coordinates where `mask` (broadcast to x's shape) is true.
std::string mask_coordinates(ConvertContext& ctx, const std::string& x, const std::string& mask) {
  const std::string expanded = ctx.emit("Expand", {mask, ctx.emit("Shape", {x})});
  return transpose(ctx, ctx.emit("NonZero", {expanded}), {1, 0});
}

// masked_select(x, mask): the elements where mask is true, in order (1-D). x is broadcast against
// mask first (Where(mask, x, x) is x in the broadcast shape).
void masked_select(ConvertContext& ctx) {
  const std::string mask = ctx.tensor(1);
  const std::string x = ctx.emit("Where", {mask, ctx.tensor(0), ctx.tensor(0)});
  ctx.bind(0, ctx.emit("GatherND", {x, mask_coordinates(ctx, x, mask)}));
  ctx.set_rank(0, 1);
}

// masked_scatter(self, mask, source): self with its masked elements replaced, in order, by the
// first elements of source.
void masked_scatter(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const std::string at = mask_coordinates(ctx, x, ctx.tensor(1));
  const std::string n = ctx.emit("Slice", {ctx.emit("Shape", {at}), ctx.const_i64({0}), ctx.const_i64({1})});
  const std::string flat = ctx.emit("Reshape", {ctx.tensor(2), ctx.const_i64({-1})});
  const std::string values = ctx.emit("Slice", {flat, ctx.const_i64({0}), n, ctx.const_i64({0})});
  ctx.bind(0, ctx.emit("ScatterND", {x, at, values}));
}

// nonzero(x): [n, rank] coordinates; nonzero_numpy(x): one 1-D tensor per dim.
void nonzero(ConvertContext& ctx) {
  ctx.bind(0, transpose(ctx, ctx.emit("NonZero", {ctx.tensor(0)}), {1, 0}), onnx::TensorProto::INT64);
  ctx.set_rank(0, 2);
}
void nonzero_numpy(ConvertContext& ctx) {
  const std::string nz = ctx.emit("NonZero", {ctx.tensor(0)});
  std::vector<std::string> rows;
  for (int64_t d = 0; d < ctx.rank(0); ++d) {
    auto& g = ctx.add("Gather", {nz, ctx.const_i64({d}, true)});
    set_int(g, "axis", 0);
    rows.push_back(g.output(0));
  }
  ctx.bind_tensor_list(0, rows, std::vector<int32_t>(rows.size(), onnx::TensorProto::INT64));
}

// take(x, index): x flattened, indexed.
void take(ConvertContext& ctx) {
  const std::string flat = ctx.emit("Reshape", {ctx.tensor(0), ctx.const_i64({-1})});
  auto& g = ctx.add("Gather", {flat, as_int64(ctx, 1)});
  set_int(g, "axis", 0);
  ctx.bind(0, g.output(0));
}

// one_hot(x, num_classes=-1): int64 OneHot on a new last dim; -1 means max(x) + 1 classes.
void one_hot(ConvertContext& ctx) {
  const std::string x = as_int64(ctx, 0);
  const int64_t classes = ctx.num_inputs() > 1 ? ctx.int_const(1) : -1;
  std::string depth;
  if (classes >= 0) {
    depth = ctx.const_i64({classes});
  } else {
    auto& m = ctx.add("ReduceMax", {x});
    set_int(m, "keepdims", 0);
    depth = ctx.emit("Add", {m.output(0), ctx.const_i64({1}, true)});
  }
  auto& n = ctx.add("OneHot", {x, depth, ctx.const_i64({0, 1})});
  set_int(n, "axis", -1);
  ctx.bind(0, n.output(0), onnx::TensorProto::INT64);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_scatter, "aten::scatter", scatter);
PIU_REGISTER_CONVERTER(aten_scatter_add, "aten::scatter_add", scatter_add);
PIU_REGISTER_CONVERTER(aten_scatter_reduce, "aten::scatter_reduce", scatter_reduce);
PIU_REGISTER_CONVERTER(aten_masked_select, "aten::masked_select", masked_select);
PIU_REGISTER_CONVERTER(aten_masked_scatter, "aten::masked_scatter", masked_scatter);
PIU_REGISTER_CONVERTER(aten_nonzero, "aten::nonzero", nonzero);
PIU_REGISTER_CONVERTER(aten_nonzero_numpy, "aten::nonzero_numpy", nonzero_numpy);
PIU_REGISTER_CONVERTER(aten_take, "aten::take", take);
PIU_REGISTER_CONVERTER(aten_one_hot, "aten::one_hot", one_hot);

}  // namespace piu::exporter

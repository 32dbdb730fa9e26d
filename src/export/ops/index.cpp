// Slicing, indexing and padding: select, slice (with steps), expand, pad / constant_pad_nd, copy_ into
// slices, masked_fill, where; and casts (aten::to, type_as).
#include <climits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// select(x, dim, index): Gather with a scalar index drops the dim, as select does.
void select(ConvertContext& ctx) {
  auto& n = ctx.add("Gather", {ctx.tensor(0), ctx.int_scalar(2)});
  set_int(n, "axis", ctx.int_const(1));
  ctx.bind(0, n.output(0));
}

// A start/end argument as a 1-element int64 value; None becomes `fallback`.
std::string bound(ConvertContext& ctx, size_t i, int64_t fallback) {
  if (ctx.is_none(i)) return ctx.const_i64({fallback});
  if (auto v = ctx.maybe_ints(i); v && v->size() == 1) return ctx.const_i64({v->at(0)});
  return unsqueeze(ctx, ctx.int_scalar(i), {0});
}

// slice(x, dim, start, end, step)
void slice(ConvertContext& ctx) {
  if (ctx.in(0).type != IrType::kTensor) throw Unconvertible("slicing a list (aten::slice.t) is not supported yet");
  // A step known now must be positive; one computed at run time (x[:, ::step] in scripted code) is
  // taken as it comes.
  const std::optional<std::vector<int64_t>> step =
      ctx.num_inputs() > 4 ? ctx.maybe_ints(4) : std::vector<int64_t>{1};
  if (step && (step->size() != 1 || step->at(0) <= 0)) throw Unconvertible("slice with a step below 1");
  const std::string steps = step ? ctx.const_i64({step->at(0)}) : unsqueeze(ctx, ctx.int_scalar(4), {0});
  const std::string starts = bound(ctx, 2, 0), ends = bound(ctx, 3, INT64_MAX);
  ctx.bind(0, ctx.emit("Slice", {ctx.tensor(0), starts, ends, ctx.const_i64({ctx.int_const(1)}), steps}));
}

// expand(x, size): -1 keeps a dim, which Expand spells as 1 (broadcasting keeps the input's dim).
void expand(ConvertContext& ctx) {
  std::string shape;
  if (auto v = ctx.maybe_ints(1)) {
    std::vector<int64_t> dims = *v;
    for (auto& d : dims)
      if (d == -1) d = 1;
    shape = ctx.const_i64(dims);
  } else {
    shape = ctx.emit("Abs", {ctx.int_list(1)});  // computed: -1 -> 1 as well
  }
  ctx.bind(0, ctx.emit("Expand", {ctx.tensor(0), shape}));
}

// PyTorch's pad list (argument i: begin, end pairs from the last dim backwards) as ONNX's pads (all
// begins, then all ends) for a tensor of `rank` dims. Known now: a constant. Computed at run time
// (timm's TF-"SAME" padding reads x.size()): one Gather over the list with a 0 appended, picking
// each ONNX position's element, or that 0 for the dims the list leaves alone.
std::string onnx_pads(ConvertContext& ctx, size_t i, int64_t rank) {
  const int64_t length = ctx.list_length(i);
  if (length < 0) throw Unconvertible("a pad list whose length is known only at run time");
  if (length % 2 != 0 || length / 2 > rank) throw Unconvertible("malformed pad list");
  std::vector<int64_t> pick(2 * rank, length);  // index `length` is the appended 0
  for (int64_t k = 0; k < length / 2; ++k) {
    pick[rank - 1 - k] = 2 * k;
    pick[2 * rank - 1 - k] = 2 * k + 1;
  }
  if (auto p = ctx.maybe_ints(i)) {
    std::vector<int64_t> pads(2 * rank, 0);
    for (size_t k = 0; k < pads.size(); ++k)
      if (pick[k] < length) pads[k] = (*p)[pick[k]];
    return ctx.const_i64(pads);
  }
  auto& list = ctx.add("Concat", {ctx.int_list(i), ctx.const_i64({0})}, 1, "pad_list");
  set_int(list, "axis", 0);
  return ctx.emit("Gather", {list.output(0), ctx.const_i64(pick)}, "pads");
}

// pad(x, pad, mode, value) and constant_pad_nd(x, pad, value): Pad (pads as an input, opset 11).
void pad_impl(ConvertContext& ctx, const std::string& mode, size_t value_i) {
  std::vector<std::string> inputs = {ctx.tensor(0), onnx_pads(ctx, 1, ctx.rank(0))};
  if (mode == "constant" && value_i < ctx.num_inputs() && !ctx.is_none(value_i)) inputs.push_back(ctx.tensor(value_i, 0));
  auto& n = ctx.add("Pad", inputs);
  auto* a = n.add_attribute();
  a->set_name("mode");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(mode);
  ctx.bind(0, n.output(0));
}

void pad(ConvertContext& ctx) {
  const std::string mode = ctx.num_inputs() > 2 && ctx.in(2).str ? *ctx.in(2).str : "constant";
  const std::string onnx_mode = mode == "replicate" ? "edge" : mode;
  if (onnx_mode != "constant" && onnx_mode != "reflect" && onnx_mode != "edge")
    throw Unconvertible("pad mode '" + mode + "' is not supported");
  pad_impl(ctx, onnx_mode, 3);
}
void constant_pad_nd(ConvertContext& ctx) { pad_impl(ctx, "constant", 2); }
void reflection_pad(ConvertContext& ctx) { pad_impl(ctx, "reflect", 2); }
void replication_pad(ConvertContext& ctx) { pad_impl(ctx, "edge", 2); }

// copy_(view, src, non_blocking): x[:, 1:] = y in traced code, done out of place (write_view).
void copy_(ConvertContext& ctx) { ctx.bind(0, ctx.write_view(0, ctx.tensor(1), ctx.elem_type(1))); }

// masked_fill(x, mask, value) = Where(mask, value, x)
void masked_fill(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Where", {ctx.tensor(1), ctx.tensor(2, 0), ctx.tensor(0)}));
}

void where(ConvertContext& ctx) {
  const bool a_tensor = ctx.in(1).type == IrType::kTensor;
  const std::string a = ctx.tensor(1, a_tensor ? -1 : 2), b = ctx.tensor(2, a_tensor ? 1 : -1);
  ctx.bind(0, ctx.emit("Where", {ctx.tensor(0), a, b}), ctx.elem_type(a_tensor ? 1 : 2));
}

void cast_to(ConvertContext& ctx, int32_t type) { ctx.bind(0, cast(ctx, ctx.tensor(0), type), type); }

// to(x, dtype, ...), to(x, device, dtype, ...), to(x, other, ...): a Cast, or nothing for a device move.
void to(ConvertContext& ctx) {
  for (size_t i = 1; i < ctx.num_inputs() && i < 3; ++i) {
    const IrValue& v = ctx.in(i);
    if (v.type == IrType::kTensor) return cast_to(ctx, ctx.elem_type(i));
    if (v.type == IrType::kInt && v.ints) return cast_to(ctx, onnx_type_of_scalar_type(v.ints->at(0)));
  }
  ctx.forward(0, 0);
}

void type_as(ConvertContext& ctx) { cast_to(ctx, ctx.elem_type(1)); }

// embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse): rows of the table.
void embedding(ConvertContext& ctx) {
  auto& n = ctx.add("Gather", {ctx.tensor(0), ctx.tensor(1)});
  set_int(n, "axis", 0);
  ctx.bind(0, n.output(0), ctx.elem_type(0));
}

// index_select(x, dim, index)
void index_select(ConvertContext& ctx) {
  auto& n = ctx.add("Gather", {ctx.tensor(0), ctx.tensor(2)});
  set_int(n, "axis", ctx.int_const(1));
  ctx.bind(0, n.output(0));
}

// index(x, indices): x[..., idx, ...] with one index tensor (Gather along its dim; a bool mask
// on the leading dims becomes GatherND over NonZero), or several int index tensors on the leading
// dims, broadcast to one shape (GatherND over their stack).
void index(ConvertContext& ctx) {
  const auto items = ctx.tensor_list(1);
  std::vector<size_t> given;
  for (size_t k = 0; k < items.size(); ++k)
    if (!items[k].empty()) given.push_back(k);
  if (given.empty()) return ctx.forward(0, 0);
  const std::string x = ctx.tensor(0);
  const auto types = ctx.tensor_list_types(1);
  if (given.size() == 1) {
    const size_t k = given[0];
    if (types[k] == onnx::TensorProto::BOOL) {
      if (k != 0) throw Unconvertible("a boolean mask after other dims is not supported yet");
      const std::string nz = transpose(ctx, ctx.emit("NonZero", {items[k]}), {1, 0});
      ctx.bind(0, ctx.emit("GatherND", {x, nz}));
      return;
    }
    auto& n = ctx.add("Gather", {x, cast(ctx, items[k], onnx::TensorProto::INT64, types[k])});
    set_int(n, "axis", static_cast<int64_t>(k));
    ctx.bind(0, n.output(0));
    return;
  }
  for (size_t j = 0; j < given.size(); ++j)
    if (given[j] != j || types[j] == onnx::TensorProto::BOOL)
      throw Unconvertible("indexing with several tensors is supported on the leading dims, with int indices");
  // The index tensors broadcast against each other (x[b[:, None], k[None, :]], as transformers'
  // masks index): each is expanded to the shape of their sum before they are stacked.
  std::vector<std::string> idx;
  for (size_t k : given) idx.push_back(cast(ctx, items[k], onnx::TensorProto::INT64, types[k]));
  std::string sum = idx[0];
  for (size_t j = 1; j < idx.size(); ++j) sum = ctx.emit("Add", {sum, idx[j]});
  const std::string common = ctx.emit("Shape", {sum});
  std::vector<std::string> parts;
  for (const auto& i : idx) parts.push_back(unsqueeze(ctx, ctx.emit("Expand", {i, common}), {-1}));
  auto& c = ctx.add("Concat", parts);
  set_int(c, "axis", -1);
  ctx.bind(0, ctx.emit("GatherND", {x, c.output(0)}));
}

// roll(x, shifts, dims): for each dim, the last `shift` elements moved to the front
// (Concat(x[-s:], x[:-s]); negative shifts the other way). dims empty rolls the flattened tensor.
void roll(ConvertContext& ctx) {
  const auto shifts = ctx.ints_const(1);
  auto dims = ctx.ints_const(2);
  std::string x = ctx.tensor(0);
  std::string shape;
  if (dims.empty()) {
    shape = ctx.emit("Shape", {x});
    x = ctx.emit("Reshape", {x, ctx.const_i64({-1})});
    dims = {0};
  }
  if (shifts.size() != dims.size()) throw Unconvertible("roll with a different number of shifts and dims");
  for (size_t k = 0; k < dims.size(); ++k) {
    const int64_t s = shifts[k];
    if (s == 0) continue;
    const std::string axis = ctx.const_i64({dims[k]});
    const std::string tail = ctx.emit("Slice", {x, ctx.const_i64({-s}), ctx.const_i64({INT64_MAX}), axis});
    const std::string head = ctx.emit("Slice", {x, ctx.const_i64({0}), ctx.const_i64({-s}), axis});
    auto& c = ctx.add("Concat", {tail, head});
    set_int(c, "axis", dims[k]);
    x = c.output(0);
  }
  if (!shape.empty()) x = ctx.emit("Reshape", {x, shape});
  ctx.bind(0, x);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_embedding, "aten::embedding", embedding);
PIU_REGISTER_CONVERTER(aten_index_select, "aten::index_select", index_select);
PIU_REGISTER_CONVERTER(aten_index, "aten::index", index);
PIU_REGISTER_CONVERTER(aten_roll, "aten::roll", roll);
PIU_REGISTER_CONVERTER(aten_select, "aten::select", select);
PIU_REGISTER_CONVERTER(aten_slice, "aten::slice", slice);
PIU_REGISTER_CONVERTER(aten_expand, "aten::expand", expand);
PIU_REGISTER_CONVERTER(aten_broadcast_to, "aten::broadcast_to", expand);  // (x, size): expand without `implicit`
PIU_REGISTER_CONVERTER(aten_pad, "aten::pad", pad);
PIU_REGISTER_CONVERTER(aten_copy_, "aten::copy_", copy_);
PIU_REGISTER_CONVERTER(aten_constant_pad_nd, "aten::constant_pad_nd", constant_pad_nd);
PIU_REGISTER_CONVERTER(aten_reflection_pad1d, "aten::reflection_pad1d", reflection_pad);
PIU_REGISTER_CONVERTER(aten_reflection_pad2d, "aten::reflection_pad2d", reflection_pad);
PIU_REGISTER_CONVERTER(aten_replication_pad1d, "aten::replication_pad1d", replication_pad);
PIU_REGISTER_CONVERTER(aten_replication_pad2d, "aten::replication_pad2d", replication_pad);
PIU_REGISTER_CONVERTER(aten_reflection_pad3d, "aten::reflection_pad3d", reflection_pad);
PIU_REGISTER_CONVERTER(aten_replication_pad3d, "aten::replication_pad3d", replication_pad);
PIU_REGISTER_CONVERTER(aten_masked_fill, "aten::masked_fill", masked_fill);
PIU_REGISTER_CONVERTER(aten_masked_fill_, "aten::masked_fill_", masked_fill);  // on a fresh value (as torch.onnx)
PIU_REGISTER_CONVERTER(aten_where, "aten::where", where);
PIU_REGISTER_CONVERTER(aten_to, "aten::to", to);
PIU_REGISTER_CONVERTER(aten_type_as, "aten::type_as", type_as);

}  // namespace piu::exporter

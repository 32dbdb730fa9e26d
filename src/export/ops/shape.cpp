// Shape ops: flatten, view/reshape, permute, transpose, chunk/split, unsqueeze, squeeze, cat, stack. Targets
// computed from sizes stay graph ops (dynamic dims are never baked in).
#include <algorithm>
#include <climits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// flatten(x, start_dim, end_dim): Flatten for (1, last); otherwise a Reshape whose target copies
// the leading dims (0), merges start..end (-1) and keeps the trailing dims: constants when static,
// else a Slice of Shape(x) (LeViT's x.flatten(0, 1) keeps a dynamic dim after the merge).
void flatten(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  int64_t start = ctx.int_const(1), end = ctx.int_const(2);
  if (start == 1 && end == -1) {  // no rank needed
    auto& n = ctx.add("Flatten", {x});
    set_int(n, "axis", 1);
    return ctx.bind(0, n.output(0));
  }
  const int64_t rank = ctx.rank(0);
  if (rank == 0) return ctx.bind(0, unsqueeze(ctx, x, {0}));  // a 0-d tensor flattens to [1]
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  if (start < 0 || end >= rank || start > end) throw Unconvertible("flatten dims out of range");
  if (start == end) return ctx.forward(0, 0);
  const int64_t out_rank = rank - (end - start);
  std::vector<int64_t> target(static_cast<size_t>(start), 0);
  target.push_back(-1);
  const auto known = ctx.shape(0);
  bool static_tail = known.has_value();
  for (int64_t d = end + 1; d < rank && static_tail; ++d) static_tail = (*known)[d] >= 0;
  if (static_tail) {
    for (int64_t d = end + 1; d < rank; ++d) target.push_back((*known)[d]);
    ctx.bind(0, ctx.emit("Reshape", {x, ctx.const_i64(target)}));
    return ctx.set_rank(0, out_rank);
  }
  auto& tail = ctx.add("Slice", {ctx.emit("Shape", {x}), ctx.const_i64({end + 1}), ctx.const_i64({rank})});
  auto& shape = ctx.add("Concat", {ctx.const_i64(target), tail.output(0)});
  set_int(shape, "axis", 0);
  ctx.bind(0, ctx.emit("Reshape", {x, shape.output(0)}));
  ctx.set_rank(0, out_rank);
}

// Whether int element `e` (a size read from another value) is x's dim k by ONNX shape
// inference's symbolic names: the batch of a view of the input is the input's batch.
bool same_dim(ConvertContext& ctx, const ConvertContext::IntElem& e, const std::string& x, size_t k) {
  const std::string a = ctx.dim_name(e.of, e.dim);
  return !a.empty() && a == ctx.dim_name(x, static_cast<int64_t>(k));
}

// view/reshape(x, sizes). A target computed from sizes often is a constant in ONNX's terms: an
// element that is x's own dynamic dim at the same position becomes 0 (copy that dim), and a
// single other unknown element becomes -1 (inferred from the element count). Constant targets
// keep shapes inferable at every opset; otherwise the target is computed at run time.
void reshape(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const auto elems = ctx.int_list_elems(1);
  if (!elems.empty() && ctx.maybe_ints(1) == std::nullopt) {
    std::vector<int64_t> target;
    int unknown = 0;
    bool minus_one = false, zero = false;
    for (const auto& e : elems) {
      minus_one = minus_one || e.value == -1;
      zero = zero || e.value == 0;
    }
    for (size_t k = 0; k < elems.size(); ++k) {
      const auto& e = elems[k];
      if (e.value) target.push_back(*e.value);
      else if (!e.of.empty() && (e.of == x && e.dim == static_cast<int64_t>(k) ? true : same_dim(ctx, e, x, k)))
        target.push_back(0);
      else {
        ++unknown;
        target.push_back(-1);
      }
    }
    if (!zero && (unknown == 0 || (unknown == 1 && !minus_one))) {
      ctx.bind(0, ctx.emit("Reshape", {x, ctx.const_i64(target)}));
      ctx.set_rank(0, static_cast<int64_t>(target.size()));
      return;
    }
  }
  ctx.bind(0, ctx.emit("Reshape", {x, ctx.int_list(1)}));
  ctx.set_rank(0, ctx.list_length(1));
}

void permute(ConvertContext& ctx) {
  const auto perm = ctx.ints_const(1);
  auto& n = ctx.add("Transpose", {ctx.tensor(0)});
  set_ints(n, "perm", perm);
  ctx.bind(0, n.output(0));
  ctx.set_rank(0, static_cast<int64_t>(perm.size()));
}

// transpose(x, a, b): a permutation of x's rank swapping a and b.
void transpose_op(ConvertContext& ctx) {
  const int64_t r = ctx.rank(0);
  int64_t a = ctx.int_const(1), b = ctx.int_const(2);
  if (a < 0) a += r;
  if (b < 0) b += r;
  std::vector<int64_t> perm(static_cast<size_t>(r));
  for (int64_t i = 0; i < r; ++i) perm[i] = i;
  std::swap(perm.at(a), perm.at(b));
  auto& n = ctx.add("Transpose", {ctx.tensor(0)});
  set_ints(n, "perm", perm);
  ctx.bind(0, n.output(0));
  ctx.set_rank(0, r);
}

// chunk(x, chunks, dim) / split(x, size, dim): Split with sizes from x's static dim.
std::vector<std::string> split_into(ConvertContext& ctx, int64_t dim, const std::vector<int64_t>& sizes) {
  std::vector<std::string> inputs = {ctx.tensor(0)};
  if (ctx.opset() >= 13) inputs.push_back(ctx.const_i64(sizes));
  auto& n = ctx.add("Split", inputs, sizes.size());
  set_int(n, "axis", dim);
  if (ctx.opset() < 13) set_ints(n, "split", sizes);
  std::vector<std::string> outs(n.output().begin(), n.output().end());
  ctx.bind_tensor_list(0, outs, std::vector<int32_t>(outs.size(), ctx.elem_type(0)));
  return outs;
}

int64_t static_dim(ConvertContext& ctx, int64_t& dim) {
  const auto shape = ctx.shape(0);
  if (!shape) throw Unconvertible("the shape of '" + ctx.in(0).name + "' is not known");
  if (dim < 0) dim += static_cast<int64_t>(shape->size());
  const int64_t size = shape->at(dim);
  if (size < 0) throw Unconvertible("splitting a dynamic dim is not supported yet");
  return size;
}

// Equal parts of a dim whose size is known only at run time (from opset 13, where Split takes
// its sizes as an input): each part is size / chunks. A size that does not divide evenly would
// differ from torch.chunk; verification catches that.
void chunk_dynamic(ConvertContext& ctx, int64_t chunks, int64_t dim) {
  if (ctx.opset() < 13) throw Unconvertible("chunking a dynamic dim needs opset 13 or newer");
  if (dim < 0) dim += ctx.rank(0);
  const std::string x = ctx.tensor(0);
  auto& g = ctx.add("Gather", {ctx.emit("Shape", {x}), ctx.const_i64({dim})});
  set_int(g, "axis", 0);
  const std::string part = ctx.emit("Div", {g.output(0), ctx.const_i64({chunks})});
  const std::string sizes = ctx.emit("Expand", {part, ctx.const_i64({chunks})});
  auto& n = ctx.add("Split", {x, sizes}, static_cast<size_t>(chunks));
  set_int(n, "axis", dim);
  ctx.bind_tensor_list(0, std::vector<std::string>(n.output().begin(), n.output().end()),
                       std::vector<int32_t>(static_cast<size_t>(chunks), ctx.elem_type(0)));
}

void chunk(ConvertContext& ctx) {
  const int64_t chunks = ctx.int_const(1);
  int64_t dim = ctx.int_const(2);
  const auto shape = ctx.shape(0);
  if (shape && (dim < 0 ? (*shape)[shape->size() + dim] : (*shape)[dim]) < 0) return chunk_dynamic(ctx, chunks, dim);
  const int64_t size = static_dim(ctx, dim);
  const int64_t step = (size + chunks - 1) / chunks;
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < size; at += step) sizes.push_back(std::min(step, size - at));
  split_into(ctx, dim, sizes);
}

// split(x, sizes, dim) with sizes computed at run time (e.g. [E, 2 * E] from x.size(-1)): Split
// takes them as an input from opset 13; before, one Slice per part over running sums.
void split_computed(ConvertContext& ctx) {
  const int64_t parts = ctx.list_length(1);
  if (parts < 0) throw Unconvertible("split into a computed number of parts is not supported");
  const int64_t dim = ctx.int_const(2);
  const std::string x = ctx.tensor(0), sizes = ctx.int_list(1);
  std::vector<std::string> outs;
  if (ctx.opset() >= 13) {
    auto& n = ctx.add("Split", {x, sizes}, static_cast<size_t>(parts));
    set_int(n, "axis", dim);
    outs.assign(n.output().begin(), n.output().end());
  } else {
    std::string start = ctx.const_i64({0});
    for (int64_t k = 0; k < parts; ++k) {
      const std::string len = ctx.emit("Slice", {sizes, ctx.const_i64({k}), ctx.const_i64({k + 1}), ctx.const_i64({0})});
      const std::string end = ctx.emit("Add", {start, len});
      outs.push_back(ctx.emit("Slice", {x, start, end, ctx.const_i64({dim})}));
      start = end;
    }
  }
  ctx.bind_tensor_list(0, outs, std::vector<int32_t>(outs.size(), ctx.elem_type(0)));
}

void split(ConvertContext& ctx) {
  if (!ctx.maybe_ints(1) && ctx.in(1).type == IrType::kIntList) return split_computed(ctx);
  int64_t dim = ctx.int_const(2);
  const int64_t size = static_dim(ctx, dim);
  std::vector<int64_t> sizes;
  if (const auto v = ctx.maybe_ints(1); v && v->size() > 1) {
    sizes = *v;
  } else {
    const int64_t step = ctx.int_const(1);
    for (int64_t at = 0; at < size; at += step) sizes.push_back(std::min(step, size - at));
  }
  split_into(ctx, dim, sizes);
}

void unsqueeze_op(ConvertContext& ctx) { ctx.bind(0, unsqueeze(ctx, ctx.tensor(0), {ctx.int_const(1)})); }

void squeeze_op(ConvertContext& ctx) {
  std::vector<int64_t> axes;
  if (ctx.num_inputs() > 1) axes = {ctx.int_const(1)};
  ctx.bind(0, squeeze(ctx, ctx.tensor(0), axes));
}

void cat(ConvertContext& ctx) {
  auto& n = ctx.add("Concat", ctx.tensor_list(0));
  set_int(n, "axis", ctx.int_const(1));
  const auto types = ctx.tensor_list_types(0);
  ctx.bind(0, n.output(0), types.empty() ? onnx::TensorProto::FLOAT : types[0]);
}

void stack(ConvertContext& ctx) {
  const int64_t dim = ctx.int_const(1);
  std::vector<std::string> items;
  for (const auto& t : ctx.tensor_list(0)) items.push_back(unsqueeze(ctx, t, {dim}));
  auto& n = ctx.add("Concat", items);
  set_int(n, "axis", dim);
  const auto types = ctx.tensor_list_types(0);
  ctx.bind(0, n.output(0), types.empty() ? onnx::TensorProto::FLOAT : types[0]);
}

// unbind(x, dim): one Split output per element of a static dim, each squeezed.
void unbind(ConvertContext& ctx) {
  int64_t dim = ctx.int_const(1);
  const int64_t size = static_dim(ctx, dim);
  std::vector<std::string> parts = split_into(ctx, dim, std::vector<int64_t>(static_cast<size_t>(size), 1));
  for (auto& p : parts) p = squeeze(ctx, p, {dim});
  ctx.bind_tensor_list(0, parts, std::vector<int32_t>(parts.size(), ctx.elem_type(0)));
}

// t(x): 2-D transpose; 0-D and 1-D tensors are returned as they are.
void t(ConvertContext& ctx) {
  if (ctx.rank(0) < 2) return ctx.forward(0, 0);
  ctx.bind(0, transpose(ctx, ctx.tensor(0), {1, 0}));
}

// numel(x): the product of Shape(x), an int computed at run time.
void numel(ConvertContext& ctx) {
  if (const auto s = ctx.shape(0); s && std::all_of(s->begin(), s->end(), [](int64_t d) { return d >= 0; })) {
    int64_t n = 1;
    for (int64_t d : *s) n *= d;
    return ctx.bind_ints(0, {n});  // static: a constant, like aten::size
  }
  auto& n = ctx.add("ReduceProd", {ctx.emit("Shape", {ctx.tensor(0)})});
  set_int(n, "keepdims", 0);
  ctx.bind(0, n.output(0), onnx::TensorProto::INT64);
}

// The dims of x before `from` and from `to` on, as 1-D int64 values (Slices of Shape(x)).
std::string shape_slice(ConvertContext& ctx, const std::string& shape, int64_t from, int64_t to) {
  return ctx.emit("Slice", {shape, ctx.const_i64({from}), ctx.const_i64({to}), ctx.const_i64({0})});
}

// unflatten(x, dim, sizes): Reshape to x's dims with `dim` replaced by `sizes`.
void unflatten(ConvertContext& ctx) {
  const int64_t r = ctx.rank(0);
  int64_t dim = ctx.int_const(1);
  if (dim < 0) dim += r;
  const std::string x = ctx.tensor(0);
  const auto sizes = ctx.maybe_ints(2);
  const auto known = ctx.shape(0);
  bool trailing_static = known.has_value();
  for (int64_t d = dim + 1; known && d < r; ++d) trailing_static = trailing_static && (*known)[d] >= 0;
  if (sizes && trailing_static) {  // a constant target: 0 copies each leading dim
    std::vector<int64_t> target(static_cast<size_t>(dim), 0);
    target.insert(target.end(), sizes->begin(), sizes->end());
    for (int64_t d = dim + 1; d < r; ++d) target.push_back((*known)[d]);
    ctx.bind(0, ctx.emit("Reshape", {x, ctx.const_i64(target)}));
    ctx.set_rank(0, static_cast<int64_t>(target.size()));
    return;
  }
  const std::string shape = ctx.emit("Shape", {x});
  auto& c = ctx.add("Concat", {shape_slice(ctx, shape, 0, dim), ctx.int_list(2), shape_slice(ctx, shape, dim + 1, INT64_MAX)});
  set_int(c, "axis", 0);
  ctx.bind(0, ctx.emit("Reshape", {x, c.output(0)}));
  ctx.set_rank(0, r - 1 + ctx.list_length(2));
}

// repeat(x, repeats): Tile, after giving x leading 1-dims when repeats is longer than its rank.
void repeat(ConvertContext& ctx) {
  const int64_t n = ctx.list_length(1);
  if (n < 0) throw Unconvertible("repeat with a computed number of repeats");
  std::string x = ctx.tensor(0);
  const int64_t r = ctx.rank(0);
  if (n > r) {
    std::vector<int64_t> axes;
    for (int64_t a = 0; a < n - r; ++a) axes.push_back(a);
    x = unsqueeze(ctx, x, axes);
  }
  ctx.bind(0, ctx.emit("Tile", {x, ctx.int_list(1)}));
  ctx.set_rank(0, std::max(n, r));
}

// flip(x, dims): a Slice running backwards over each dim.
void flip(ConvertContext& ctx) {
  const auto dims = ctx.ints_const(1);
  const std::vector<int64_t> starts(dims.size(), -1), ends(dims.size(), INT64_MIN), steps(dims.size(), -1);
  ctx.bind(0, ctx.emit("Slice", {ctx.tensor(0), ctx.const_i64(starts), ctx.const_i64(ends), ctx.const_i64(dims),
                                 ctx.const_i64(steps)}));
}

void view_as(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Reshape", {ctx.tensor(0), ctx.emit("Shape", {ctx.tensor(1)})}));
}
void expand_as(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Expand", {ctx.tensor(0), ctx.emit("Shape", {ctx.tensor(1)})}));
}

// narrow(x, dim, start, length)
void narrow(ConvertContext& ctx) {
  const std::string start = unsqueeze(ctx, ctx.int_scalar(2), {0});
  const std::string end = ctx.emit("Add", {start, unsqueeze(ctx, ctx.int_scalar(3), {0})});
  ctx.bind(0, ctx.emit("Slice", {ctx.tensor(0), start, end, ctx.const_i64({ctx.int_const(1)})}));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_unbind, "aten::unbind", unbind);
PIU_REGISTER_CONVERTER(aten_t, "aten::t", t);
PIU_REGISTER_CONVERTER(aten_numel, "aten::numel", numel);
PIU_REGISTER_CONVERTER(aten_unflatten, "aten::unflatten", unflatten);
PIU_REGISTER_CONVERTER(aten_repeat, "aten::repeat", repeat);
PIU_REGISTER_CONVERTER(aten_flip, "aten::flip", flip);
PIU_REGISTER_CONVERTER(aten_view_as, "aten::view_as", view_as);
PIU_REGISTER_CONVERTER(aten_reshape_as, "aten::reshape_as", view_as);
PIU_REGISTER_CONVERTER(aten_expand_as, "aten::expand_as", expand_as);
PIU_REGISTER_CONVERTER(aten_narrow, "aten::narrow", narrow);
PIU_REGISTER_CONVERTER(aten_split_with_sizes, "aten::split_with_sizes", split);
PIU_REGISTER_CONVERTER(aten_unsafe_split, "aten::unsafe_split", split);
PIU_REGISTER_CONVERTER(aten_unsafe_split_with_sizes, "aten::unsafe_split_with_sizes", split);
PIU_REGISTER_CONVERTER(aten_unsafe_chunk, "aten::unsafe_chunk", chunk);
PIU_REGISTER_CONVERTER(aten_flatten, "aten::flatten", flatten);
PIU_REGISTER_CONVERTER(aten_view, "aten::view", reshape);
PIU_REGISTER_CONVERTER(aten_reshape, "aten::reshape", reshape);
PIU_REGISTER_CONVERTER(aten_permute, "aten::permute", permute);
PIU_REGISTER_CONVERTER(aten_transpose, "aten::transpose", transpose_op);
PIU_REGISTER_CONVERTER(aten_chunk, "aten::chunk", chunk);
PIU_REGISTER_CONVERTER(aten_split, "aten::split", split);
PIU_REGISTER_CONVERTER(aten_unsqueeze, "aten::unsqueeze", unsqueeze_op);
PIU_REGISTER_CONVERTER(aten_squeeze, "aten::squeeze", squeeze_op);
PIU_REGISTER_CONVERTER(aten_cat, "aten::cat", cat);
PIU_REGISTER_CONVERTER(aten_stack, "aten::stack", stack);

}  // namespace piu::exporter

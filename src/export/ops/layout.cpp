// Layout ops: movedim, numpy_T, pixel_shuffle/unshuffle, meshgrid, repeat_interleave,
// tensor_split, unfold, tril/triu.
#include <algorithm>
#include <climits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

int64_t normalized(int64_t dim, int64_t rank) { return dim < 0 ? dim + rank : dim; }

// movedim(x, source, destination): the moved dims land at their destinations, the others keep
// their order in the remaining places.
void movedim(ConvertContext& ctx) {
  const int64_t rank = ctx.rank(0);
  const auto src = ctx.ints_const(1), dst = ctx.ints_const(2);
  if (src.size() != dst.size()) throw Unconvertible("movedim with different numbers of source and destination dims");
  std::vector<int64_t> perm(static_cast<size_t>(rank), -1);
  std::vector<bool> moved(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < src.size(); ++k) {
    perm[normalized(dst[k], rank)] = normalized(src[k], rank);
    moved[normalized(src[k], rank)] = true;
  }
  int64_t next = 0;
  for (auto& p : perm) {
    if (p >= 0) continue;
    while (moved[next]) ++next;
    p = next++;
  }
  ctx.bind(0, transpose(ctx, ctx.tensor(0), perm));
}

// numpy_T(x) (x.T): every dim reversed.
void numpy_t(ConvertContext& ctx) {
  std::vector<int64_t> perm;
  for (int64_t d = ctx.rank(0) - 1; d >= 0; --d) perm.push_back(d);
  ctx.bind(0, transpose(ctx, ctx.tensor(0), perm));
}

// pixel_shuffle(x, r): [N, C*r*r, H, W] -> [N, C, H*r, W*r], DepthToSpace's CRD order.
void pixel_shuffle(ConvertContext& ctx) {
  if (ctx.rank(0) != 4) throw Unconvertible("pixel_shuffle of a tensor other than 4-D is not supported yet");
  auto& n = ctx.add("DepthToSpace", {ctx.tensor(0)});
  set_int(n, "blocksize", ctx.int_const(1));
  auto* mode = n.add_attribute();
  mode->set_name("mode");
  mode->set_type(onnx::AttributeProto::STRING);
  mode->set_s("CRD");
  ctx.bind(0, n.output(0));
}

// pixel_unshuffle(x, r): [N, C, H*r, W*r] -> [N, C*r*r, H, W] with PyTorch's channel order (c, i, j)
// (SpaceToDepth's is (i, j, c)): reshape to [N, C, H, r, W, r], move the r dims after C, merge.
void pixel_unshuffle(ConvertContext& ctx) {
  const int64_t r = ctx.int_const(1);
  const auto s = ctx.shape(0);
  if (!s || s->size() != 4 || (*s)[1] < 0 || (*s)[2] < 0 || (*s)[3] < 0)
    throw Unconvertible("pixel_unshuffle needs a 4-D input with static channels, height and width");
  const int64_t c = (*s)[1], h = (*s)[2] / r, w = (*s)[3] / r;
  const std::string split = ctx.emit("Reshape", {ctx.tensor(0), ctx.const_i64({0, c, h, r, w, r})});
  const std::string moved = transpose(ctx, split, {0, 1, 3, 5, 2, 4});
  ctx.bind(0, ctx.emit("Reshape", {moved, ctx.const_i64({0, c * r * r, h, w})}));
}

// meshgrid(tensors, indexing='ij'): each 1-D tensor laid along its own dim and expanded to the
// grid; 'xy' swaps the first two inputs and outputs.
void meshgrid(ConvertContext& ctx) {
  auto items = ctx.tensor_list(0);
  auto types = ctx.tensor_list_types(0);
  const bool xy = ctx.num_inputs() > 1 && ctx.in(1).str && *ctx.in(1).str == "xy";
  if (ctx.num_inputs() > 1 && ctx.in(1).str && !xy && *ctx.in(1).str != "ij")
    throw Unconvertible("meshgrid indexing '" + *ctx.in(1).str + "'");
  if (xy && items.size() >= 2) {
    std::swap(items[0], items[1]);
    std::swap(types[0], types[1]);
  }
  const int64_t n = static_cast<int64_t>(items.size());
  std::vector<std::string> lengths;
  for (const auto& t : items) lengths.push_back(ctx.emit("Reshape", {t, ctx.const_i64({-1})}));
  std::vector<std::string> dims;
  for (const auto& t : lengths) dims.push_back(ctx.emit("Shape", {t}));
  auto& grid = ctx.add("Concat", dims);
  set_int(grid, "axis", 0);
  std::vector<std::string> outs;
  for (int64_t k = 0; k < n; ++k) {
    std::vector<int64_t> target(static_cast<size_t>(n), 1);
    target[k] = -1;
    const std::string laid = ctx.emit("Reshape", {lengths[k], ctx.const_i64(target)});
    outs.push_back(ctx.emit("Expand", {laid, grid.output(0)}));
  }
  if (xy && outs.size() >= 2) {
    std::swap(outs[0], outs[1]);
    std::swap(types[0], types[1]);
  }
  ctx.bind_tensor_list(0, outs, types);
}

// Slice of a 1-D int64 value, as a 1-D value.
std::string part(ConvertContext& ctx, const std::string& v, int64_t from, int64_t to) {
  return ctx.emit("Slice", {v, ctx.const_i64({from}), ctx.const_i64({to}), ctx.const_i64({0})});
}

// repeat_interleave(x, repeats, dim=None, output_size=None) with repeats an int (or a constant
// tensor): each element repeated along dim (the flattened tensor when dim is None).
void repeat_interleave(ConvertContext& ctx) {
  if (ctx.num_inputs() < 3) throw Unconvertible("repeat_interleave of a repeats tensor alone is not supported");
  std::string x = ctx.tensor(0);
  int64_t dim = 0;
  if (ctx.is_none(2))
    x = ctx.emit("Reshape", {x, ctx.const_i64({-1})});
  else
    dim = ctx.int_const(2);
  const int64_t rank = ctx.is_none(2) ? 1 : ctx.rank(0);
  dim = normalized(dim, rank);
  std::vector<int64_t> repeats;
  if (const auto& t = ctx.in(1).tensor) {
    for (int64_t k = 0; k < t->numel(); ++k) repeats.push_back(static_cast<int64_t>(element_as_double(*t, k)));
  } else {
    repeats = ctx.ints_const(1);
  }
  if (repeats.size() > 1) {  // one count per element: a Gather of constant indices
    std::vector<int64_t> indices;
    for (size_t k = 0; k < repeats.size(); ++k) indices.insert(indices.end(), static_cast<size_t>(repeats[k]), k);
    auto& g = ctx.add("Gather", {x, ctx.const_i64(indices)});
    set_int(g, "axis", dim);
    return ctx.bind(0, g.output(0));
  }
  if (repeats.empty()) throw Unconvertible("repeat_interleave with no repeats");
  std::vector<int64_t> tiles(static_cast<size_t>(rank + 1), 1);
  tiles[dim + 1] = repeats[0];
  const std::string tiled = ctx.emit("Tile", {unsqueeze(ctx, x, {dim + 1}), ctx.const_i64(tiles)});
  const std::string shape = ctx.emit("Shape", {x});
  auto& target =
      ctx.add("Concat", {part(ctx, shape, 0, dim), ctx.const_i64({-1}), part(ctx, shape, dim + 1, INT64_MAX)});
  set_int(target, "axis", 0);
  ctx.bind(0, ctx.emit("Reshape", {tiled, target.output(0)}));
  ctx.set_rank(0, rank);
}

// tensor_split(x, sections, dim) / tensor_split(x, indices, dim): Slices between the split points
// (sections need the dim's static size: the first size % sections parts are one longer).
void tensor_split(ConvertContext& ctx) {
  const int64_t dim = ctx.int_const(2);
  std::vector<int64_t> points;
  const IrValue& arg = ctx.in(1);
  const bool sections = arg.type == IrType::kInt || (arg.tensor && arg.tensor->rank() == 0);
  if (sections) {
    const int64_t n = arg.tensor ? static_cast<int64_t>(element_as_double(*arg.tensor, 0)) : ctx.int_const(1);
    const auto s = ctx.shape(0);
    const int64_t at = s ? normalized(dim, static_cast<int64_t>(s->size())) : -1;
    if (!s || at < 0 || (*s)[at] < 0) throw Unconvertible("tensor_split into sections needs the dim's static size");
    const int64_t size = (*s)[at];
    int64_t start = 0;
    for (int64_t k = 0; k + 1 < n; ++k) points.push_back(start += size / n + (k < size % n ? 1 : 0));
  } else if (arg.tensor) {
    for (int64_t k = 0; k < arg.tensor->numel(); ++k)
      points.push_back(static_cast<int64_t>(element_as_double(*arg.tensor, k)));
  } else {
    points = ctx.ints_const(1);
  }
  std::vector<std::string> outs;
  int64_t from = 0;
  points.push_back(INT64_MAX);
  for (int64_t to : points) {
    outs.push_back(
        ctx.emit("Slice", {ctx.tensor(0), ctx.const_i64({from}), ctx.const_i64({to}), ctx.const_i64({dim})}));
    from = to;
  }
  ctx.bind_tensor_list(0, outs, std::vector<int32_t>(outs.size(), ctx.elem_type(0)));
}

// unfold(x, dim, size, step): windows of `size` every `step` along a static dim, as a new last dim
// (a Gather of constant [windows, size] indices, then that dim moved last).
void unfold(ConvertContext& ctx) {
  const int64_t rank = ctx.rank(0);
  const int64_t dim = normalized(ctx.int_const(1), rank), size = ctx.int_const(2), step = ctx.int_const(3);
  const auto s = ctx.shape(0);
  if (!s || (*s)[dim] < 0) throw Unconvertible("unfold needs the dim's static size");
  const int64_t windows = ((*s)[dim] - size) / step + 1;
  Tensor indices = Tensor::zeros(DType::kInt64, {windows, size});
  for (int64_t w = 0; w < windows; ++w)
    for (int64_t k = 0; k < size; ++k) indices.data_as<int64_t>()[w * size + k] = w * step + k;
  auto& g = ctx.add("Gather", {ctx.tensor(0), ctx.const_tensor(indices, "windows")});
  set_int(g, "axis", dim);
  std::vector<int64_t> perm;
  for (int64_t d = 0; d <= rank; ++d)
    if (d != dim + 1) perm.push_back(d);
  perm.push_back(dim + 1);
  ctx.bind(0, transpose(ctx, g.output(0), perm));
}

// tril/triu(x, diagonal=0): Trilu from opset 14; before it, a Where over a mask of
// (column - row) compared with the diagonal, built from Range over the last two dims.
void triangle(ConvertContext& ctx, bool upper) {
  const int64_t k = ctx.num_inputs() > 1 ? ctx.int_const(1) : 0;
  const std::string x = ctx.tensor(0);
  if (ctx.opset() >= 14) {
    auto& n = ctx.add("Trilu", {x, ctx.const_i64({k}, true)});
    set_int(n, "upper", upper ? 1 : 0);
    return ctx.bind(0, n.output(0));
  }
  const std::string shape = ctx.emit("Shape", {x});
  auto length = [&](int64_t d) {
    auto& g = ctx.add("Gather", {shape, ctx.const_i64({d}, true)});
    set_int(g, "axis", 0);
    return ctx.emit("Range", {ctx.const_i64({0}, true), g.output(0), ctx.const_i64({1}, true)});
  };
  const std::string rows = unsqueeze(ctx, length(-2), {1});
  const std::string diff = ctx.emit("Sub", {length(-1), rows});
  const std::string outside = ctx.emit(upper ? "Less" : "Greater", {diff, ctx.const_i64({k}, true)});
  const std::string zero = ctx.const_scalar(0, ctx.elem_type(0), "zero");
  ctx.bind(0, ctx.emit("Where", {outside, zero, x}));
}
void tril(ConvertContext& ctx) { triangle(ctx, false); }
void triu(ConvertContext& ctx) { triangle(ctx, true); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_movedim, "aten::movedim", movedim);
PIU_REGISTER_CONVERTER(aten_numpy_T, "aten::numpy_T", numpy_t);
PIU_REGISTER_CONVERTER(aten_pixel_shuffle, "aten::pixel_shuffle", pixel_shuffle);
PIU_REGISTER_CONVERTER(aten_pixel_unshuffle, "aten::pixel_unshuffle", pixel_unshuffle);
PIU_REGISTER_CONVERTER(aten_meshgrid, "aten::meshgrid", meshgrid);
PIU_REGISTER_CONVERTER(aten_repeat_interleave, "aten::repeat_interleave", repeat_interleave);
PIU_REGISTER_CONVERTER(aten_tensor_split, "aten::tensor_split", tensor_split);
PIU_REGISTER_CONVERTER(aten_unfold, "aten::unfold", unfold);
PIU_REGISTER_CONVERTER(aten_tril, "aten::tril", tril);
PIU_REGISTER_CONVERTER(aten_triu, "aten::triu", triu);

}  // namespace piu::exporter

// Shape ops: flatten, view/reshape, permute, transpose, chunk/split, unsqueeze, squeeze, cat, stack. Targets
// computed from sizes stay graph ops (dynamic dims are never baked in).
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// flatten(x, start_dim, end_dim): Flatten for (1, -1); otherwise a Reshape whose target copies the
// leading dims (0) and merges the rest (-1).
void flatten(ConvertContext& ctx) {
  const int64_t start = ctx.int_const(1), end = ctx.int_const(2);
  const std::string x = ctx.tensor(0);
  if (end != -1) throw Unconvertible("flatten with end_dim other than -1 is not supported yet");
  if (start == 1) {
    auto& n = ctx.add("Flatten", {x});
    set_int(n, "axis", 1);
    ctx.bind(0, n.output(0));
    return;
  }
  if (start < 0) throw Unconvertible("flatten with a negative start_dim is not supported yet");
  std::vector<int64_t> target(static_cast<size_t>(start), 0);
  target.push_back(-1);
  ctx.bind(0, ctx.emit("Reshape", {x, ctx.const_i64(target)}));
}

void reshape(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Reshape", {ctx.tensor(0), ctx.int_list(1)}));
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
void transpose(ConvertContext& ctx) {
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
void split_into(ConvertContext& ctx, int64_t dim, const std::vector<int64_t>& sizes) {
  std::vector<std::string> inputs = {ctx.tensor(0)};
  if (ctx.opset() >= 13) inputs.push_back(ctx.const_i64(sizes));
  auto& n = ctx.add("Split", inputs, sizes.size());
  set_int(n, "axis", dim);
  if (ctx.opset() < 13) set_ints(n, "split", sizes);
  std::vector<std::string> outs(n.output().begin(), n.output().end());
  ctx.bind_tensor_list(0, outs);
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
  ctx.bind_tensor_list(0, std::vector<std::string>(n.output().begin(), n.output().end()));
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

void split(ConvertContext& ctx) {
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
  ctx.bind(0, n.output(0), onnx::TensorProto::FLOAT);
}

void stack(ConvertContext& ctx) {
  const int64_t dim = ctx.int_const(1);
  std::vector<std::string> items;
  for (const auto& t : ctx.tensor_list(0)) items.push_back(unsqueeze(ctx, t, {dim}));
  auto& n = ctx.add("Concat", items);
  set_int(n, "axis", dim);
  ctx.bind(0, n.output(0));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_flatten, "aten::flatten", flatten);
PIU_REGISTER_CONVERTER(aten_view, "aten::view", reshape);
PIU_REGISTER_CONVERTER(aten_reshape, "aten::reshape", reshape);
PIU_REGISTER_CONVERTER(aten_permute, "aten::permute", permute);
PIU_REGISTER_CONVERTER(aten_transpose, "aten::transpose", transpose);
PIU_REGISTER_CONVERTER(aten_chunk, "aten::chunk", chunk);
PIU_REGISTER_CONVERTER(aten_split, "aten::split", split);
PIU_REGISTER_CONVERTER(aten_unsqueeze, "aten::unsqueeze", unsqueeze_op);
PIU_REGISTER_CONVERTER(aten_squeeze, "aten::squeeze", squeeze_op);
PIU_REGISTER_CONVERTER(aten_cat, "aten::cat", cat);
PIU_REGISTER_CONVERTER(aten_stack, "aten::stack", stack);

}  // namespace piu::exporter

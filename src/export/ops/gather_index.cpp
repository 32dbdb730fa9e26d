// Gathers and scatters: gather, index_fill, index_copy, index_add, index_put (a bool mask or
// integer indices on leading dims), bucketize, argsort, broadcast_tensors.
#include <climits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

using onnx::TensorProto;

int64_t positive_dim(ConvertContext& ctx, size_t dim_i) {
  int64_t dim = ctx.int_const(dim_i);
  return dim < 0 ? dim + ctx.rank(0) : dim;
}

// Size of x's dim as a 1-D int64 value of one element.
std::string dim_size(ConvertContext& ctx, const std::string& x, int64_t dim) {
  auto& g = ctx.add("Gather", {ctx.emit("Shape", {x}), ctx.const_i64({dim})});
  set_int(g, "axis", 0);
  return g.output(0);
}

// gather(x, dim, index, sparse_grad)
void gather(ConvertContext& ctx) {
  auto& n = ctx.add("GatherElements", {ctx.tensor(0), ctx.tensor(2)});
  set_int(n, "axis", ctx.int_const(1));
  ctx.bind(0, n.output(0));
}

// The 1-D index (a 0-d index becomes one element) reshaped to lie along `dim` of a rank-`rank`
// tensor: [1, .., k, .., 1].
std::string index_along(ConvertContext& ctx, size_t i, int64_t dim, int64_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[dim] = -1;
  return ctx.emit("Reshape", {ctx.tensor(i), ctx.const_i64(shape)});
}

// index_fill(x, dim, index, value): a mask along dim (any position equal to an index), then Where.
void index_fill(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const int64_t dim = positive_dim(ctx, 1), rank = ctx.rank(0);
  const std::string positions =
      ctx.emit("Range", {ctx.const_i64({0}, true), squeeze(ctx, dim_size(ctx, x, dim), {0}), ctx.const_i64({1}, true)});
  const std::string index = ctx.emit("Reshape", {ctx.tensor(2), ctx.const_i64({-1, 1})});
  const std::string hits = cast(ctx, ctx.emit("Equal", {index, positions}), TensorProto::INT64);  // [k, n]
  std::vector<int64_t> shape(rank, 1);
  shape[dim] = -1;
  const std::string any = reduce(ctx, "ReduceSum", hits, {0}, false).output(0);
  const std::string mask =
      ctx.emit("Reshape", {ctx.emit("Greater", {any, ctx.const_i64({0}, true)}), ctx.const_i64(shape)});
  ctx.bind(0, ctx.emit("Where", {mask, ctx.tensor(3, 0), x}));
}

// index_copy(x, dim, index, source): ScatterElements with the index broadcast to source's shape.
void index_copy(ConvertContext& ctx) {
  const int64_t dim = positive_dim(ctx, 1), rank = ctx.rank(0);
  const std::string source = ctx.tensor(3);
  const std::string index = ctx.emit("Expand", {index_along(ctx, 2, dim, rank), ctx.emit("Shape", {source})});
  auto& n = ctx.add("ScatterElements", {ctx.tensor(0), index, source});
  set_int(n, "axis", dim);
  ctx.bind(0, n.output(0));
}

// index_add(x, dim, index, source, alpha): x + alpha * (source summed into the positions of
// index), as source (dim moved last) @ one_hot(index) [k, n], which adds repeated indices too.
void index_add(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const int64_t dim = positive_dim(ctx, 1), rank = ctx.rank(0);
  const int32_t type = ctx.elem_type(0);
  const std::string positions =
      ctx.emit("Range", {ctx.const_i64({0}, true), squeeze(ctx, dim_size(ctx, x, dim), {0}), ctx.const_i64({1}, true)});
  const std::string index = ctx.emit("Reshape", {ctx.tensor(2), ctx.const_i64({-1, 1})});
  const std::string one_hot = cast(ctx, ctx.emit("Equal", {index, positions}), type, TensorProto::BOOL);
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim) perm.push_back(d);
  perm.push_back(dim);
  std::vector<int64_t> back(rank);
  for (int64_t d = 0; d < rank; ++d) back[perm[d]] = d;
  std::string added = transpose(ctx, ctx.emit("MatMul", {transpose(ctx, ctx.tensor(3), perm), one_hot}), back);
  if (ctx.num_inputs() > 4 && ctx.maybe_scalar(4) != 1.0) added = ctx.emit("Mul", {added, ctx.tensor(4, 0)});
  ctx.bind(0, ctx.emit("Add", {x, added}));
}

// index_put(x, indices, values, accumulate): x[mask] = values for one bool mask, or
// x[i0, i1, ..] = values for integer index tensors on the leading dims -> ScatterND.
void index_put(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const auto indices = ctx.tensor_list(1);
  const auto types = ctx.tensor_list_types(1);
  const bool accumulate = ctx.num_inputs() > 3 && ctx.bool_const(3);
  for (const auto& i : indices)
    if (i.empty()) throw Unconvertible("index_put with None (':') before an index tensor is not supported yet");
  std::string nd;  // [..., m] indices of the first m dims
  if (indices.size() == 1 && types[0] == TensorProto::BOOL) {
    nd = transpose(ctx, ctx.emit("NonZero", {indices[0]}), {1, 0});
  } else {
    std::string common = indices[0];  // the broadcast of every index tensor
    for (size_t k = 1; k < indices.size(); ++k) common = ctx.emit("Expand", {common, ctx.emit("Shape", {indices[k]})});
    const std::string shape = ctx.emit("Shape", {common});
    std::vector<std::string> parts;
    for (size_t k = 0; k < indices.size(); ++k)
      parts.push_back(
          unsqueeze(ctx, cast(ctx, ctx.emit("Expand", {indices[k], shape}), TensorProto::INT64, types[k]), {-1}));
    auto& cat = ctx.add("Concat", parts);
    set_int(cat, "axis", -1);
    nd = cat.output(0);
  }
  // values broadcast to the indices' shape ++ the dims of x that are not indexed
  const std::string nd_shape = ctx.emit("Shape", {nd});
  const std::string m = ctx.emit("Slice", {nd_shape, ctx.const_i64({-1}), ctx.const_i64({INT64_MAX})});
  auto& target = ctx.add("Concat", {ctx.emit("Slice", {nd_shape, ctx.const_i64({0}), ctx.const_i64({-1})}),
                                    ctx.emit("Slice", {ctx.emit("Shape", {x}), m, ctx.const_i64({INT64_MAX})})});
  set_int(target, "axis", 0);
  const std::string values = ctx.emit("Expand", {ctx.tensor(2, 0), target.output(0)});
  auto& n = ctx.add("ScatterND", {x, nd, values});
  if (accumulate) {
    if (ctx.opset() < 16) throw Unconvertible("index_put with accumulate=True needs opset 16");
    auto* a = n.add_attribute();
    a->set_name("reduction");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s("add");
  }
  ctx.bind(0, n.output(0));
}

// bucketize(x, boundaries, out_int32, right): how many boundaries lie below x (right: at or below).
void bucketize(ConvertContext& ctx) {
  const std::string x = unsqueeze(ctx, ctx.tensor(0), {-1}), b = ctx.tensor(1);
  const bool right = ctx.num_inputs() > 3 && ctx.bool_const(3);
  const std::string below = right ? ctx.emit("Not", {ctx.emit("Less", {x, b})}) : ctx.emit("Less", {b, x});
  const std::string count =
      reduce(ctx, "ReduceSum", cast(ctx, below, TensorProto::INT64, TensorProto::BOOL), {-1}, false).output(0);
  const bool int32 = ctx.num_inputs() > 2 && ctx.bool_const(2);
  const int32_t type = int32 ? TensorProto::INT32 : TensorProto::INT64;
  ctx.bind(0, cast(ctx, count, type, TensorProto::INT64), type);
}

// argsort(x, dim, descending) and argsort.stable(x, stable, dim, descending): TopK's indices over
// the whole dim (ties in index order).
void argsort(ConvertContext& ctx) {
  const size_t dim_i = ctx.num_inputs() > 3 ? 2 : 1;
  const int64_t dim = ctx.int_const(dim_i);
  const bool descending = ctx.bool_const(dim_i + 1);
  const std::string x = ctx.tensor(0);
  auto& n = ctx.add("TopK", {x, dim_size(ctx, x, dim)}, 2);
  set_int(n, "axis", dim);
  set_int(n, "largest", descending ? 1 : 0);
  set_int(n, "sorted", 1);
  ctx.bind(0, n.output(1), TensorProto::INT64);
}

// broadcast_tensors(tensors): each expanded to the shape they broadcast to.
void broadcast_tensors(ConvertContext& ctx) {
  const auto items = ctx.tensor_list(0);
  const auto types = ctx.tensor_list_types(0);
  std::string common = items.at(0);
  for (size_t k = 1; k < items.size(); ++k) common = ctx.emit("Expand", {common, ctx.emit("Shape", {items[k]})});
  const std::string shape = ctx.emit("Shape", {common});
  std::vector<std::string> out;
  for (const auto& t : items) out.push_back(ctx.emit("Expand", {t, shape}));
  ctx.bind_tensor_list(0, out, types);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_gather, "aten::gather", gather);
PIU_REGISTER_CONVERTER(aten_index_fill, "aten::index_fill", index_fill);
PIU_REGISTER_CONVERTER(aten_index_fill_, "aten::index_fill_", index_fill);
PIU_REGISTER_CONVERTER(aten_index_copy, "aten::index_copy", index_copy);
PIU_REGISTER_CONVERTER(aten_index_copy_, "aten::index_copy_", index_copy);
PIU_REGISTER_CONVERTER(aten_index_add, "aten::index_add", index_add);
PIU_REGISTER_CONVERTER(aten_index_add_, "aten::index_add_", index_add);
PIU_REGISTER_CONVERTER(aten_index_put, "aten::index_put", index_put);
PIU_REGISTER_CONVERTER(aten_index_put_, "aten::index_put_", index_put);
PIU_REGISTER_CONVERTER(aten_bucketize, "aten::bucketize", bucketize);
PIU_REGISTER_CONVERTER(aten_argsort, "aten::argsort", argsort);
PIU_REGISTER_CONVERTER(aten_broadcast_tensors, "aten::broadcast_tensors", broadcast_tensors);

}  // namespace piu::exporter

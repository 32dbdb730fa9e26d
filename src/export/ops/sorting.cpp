// Sorting and selection: topk, sort (a TopK over the whole dim), unique_dim (Unique).
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// TopK of x along `dim` with k given as a 1-D int64 value; binds (values, indices).
void top_k(ConvertContext& ctx, const std::string& k, int64_t dim, bool largest, bool sorted) {
  auto& n = ctx.add("TopK", {ctx.tensor(0), k}, 2);
  set_int(n, "axis", dim);
  set_int(n, "largest", largest ? 1 : 0);
  set_int(n, "sorted", sorted ? 1 : 0);
  ctx.bind(0, n.output(0));
  ctx.bind(1, n.output(1), onnx::TensorProto::INT64);
}

// topk(x, k, dim=-1, largest=True, sorted=True)
void topk(ConvertContext& ctx) {
  const int64_t dim = ctx.num_inputs() > 2 ? ctx.int_const(2) : -1;
  const bool largest = ctx.num_inputs() <= 3 || ctx.bool_const(3);
  const bool sorted = ctx.num_inputs() <= 4 || ctx.bool_const(4);
  top_k(ctx, unsqueeze(ctx, ctx.int_scalar(1), {0}), dim, largest, sorted);
}

// sort(x, dim=-1, descending=False) and sort(x, stable, dim, descending): TopK of the dim's whole
// size (a constant when static). Equal elements may come in another order than PyTorch's.
void sort(ConvertContext& ctx) {
  const size_t first = ctx.num_inputs() > 3 ? 2 : 1;  // sort.stable has `stable` first
  const int64_t dim = ctx.int_const(first);
  const bool descending = ctx.bool_const(first + 1);
  std::string k;
  const auto s = ctx.shape(0);
  const int64_t at = s && dim < 0 ? dim + static_cast<int64_t>(s->size()) : dim;
  if (s && at >= 0 && at < static_cast<int64_t>(s->size()) && (*s)[at] >= 0) {
    k = ctx.const_i64({(*s)[at]});
  } else {
    auto& g = ctx.add("Gather", {ctx.emit("Shape", {ctx.tensor(0)}), ctx.const_i64({dim})});
    set_int(g, "axis", 0);
    k = g.output(0);
  }
  top_k(ctx, k, dim, descending, true);
}

// unique_dim(x, dim, sorted, return_inverse, return_counts) -> (values, inverse, counts): sorted
// lexicographically along dim as ONNX's sorted Unique does (PyTorch sorts even when sorted=False).
void unique_dim(ConvertContext& ctx) {
  auto& n = ctx.add("Unique", {ctx.tensor(0)}, 4);
  set_int(n, "axis", ctx.int_const(1));
  set_int(n, "sorted", 1);
  ctx.bind(0, n.output(0));
  ctx.bind(1, n.output(2), onnx::TensorProto::INT64);
  ctx.bind(2, n.output(3), onnx::TensorProto::INT64);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_topk, "aten::topk", topk);
PIU_REGISTER_CONVERTER(aten_sort, "aten::sort", sort);
PIU_REGISTER_CONVERTER(aten_unique_dim, "aten::unique_dim", unique_dim);

}  // namespace piu::exporter

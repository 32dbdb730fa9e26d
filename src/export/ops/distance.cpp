// Norms, distances and vector products: cdist, cosine_similarity, frobenius_norm, dot, cross,
// _weight_norm.
#include <limits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// cdist(x1 [.., P, M], x2 [.., R, M], p) -> [.., P, R]: the p-norm of every pairwise difference.
void cdist(ConvertContext& ctx) {
  const double p = ctx.float_const(2);
  const int32_t type = ctx.elem_type(0);
  const std::string diff =
      ctx.emit("Abs", {ctx.emit("Sub", {unsqueeze(ctx, ctx.tensor(0), {-2}), unsqueeze(ctx, ctx.tensor(1), {-3})})});
  if (p == 1) return ctx.bind(0, reduce(ctx, "ReduceSum", diff, {-1}, false).output(0));
  if (p == std::numeric_limits<double>::infinity())
    return ctx.bind(0, reduce(ctx, "ReduceMax", diff, {-1}, false).output(0));
  if (p == 2)
    return ctx.bind(0,
                    ctx.emit("Sqrt", {reduce(ctx, "ReduceSum", ctx.emit("Mul", {diff, diff}), {-1}, false).output(0)}));
  if (p <= 0) throw Unconvertible("cdist with p <= 0");
  const std::string sum =
      reduce(ctx, "ReduceSum", ctx.emit("Pow", {diff, ctx.const_scalar(p, type, "p")}), {-1}, false).output(0);
  ctx.bind(0, ctx.emit("Pow", {sum, ctx.const_scalar(1 / p, type, "inv_p")}));
}

// cosine_similarity(x1, x2, dim, eps) = sum(x1 x2) / sqrt(max(sum(x1^2) sum(x2^2), eps^2))
void cosine_similarity(ConvertContext& ctx) {
  const std::string a = ctx.tensor(0), b = ctx.tensor(1);
  const int64_t dim = ctx.int_const(2);
  const double eps = ctx.float_const(3);
  auto sum_of = [&](const std::string& u, const std::string& v) {
    return reduce(ctx, "ReduceSum", ctx.emit("Mul", {u, v}), {dim}, false).output(0);
  };
  const std::string norms = ctx.emit("Mul", {sum_of(a, a), sum_of(b, b)});
  const std::string clamped = ctx.emit("Max", {norms, ctx.const_scalar(eps * eps, ctx.elem_type(0), "eps2")});
  ctx.bind(0, ctx.emit("Div", {sum_of(a, b), ctx.emit("Sqrt", {clamped})}));
}

// frobenius_norm(x, dim, keepdim) = sqrt(sum(x^2 over dim))
void frobenius_norm(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  const std::string sq = ctx.emit("Mul", {x, x});
  const bool keep = ctx.num_inputs() > 2 && ctx.bool_const(2);
  const auto dims = ctx.num_inputs() > 1 ? ctx.ints_const(1) : std::vector<int64_t>{};
  if (dims.empty()) {
    auto& n = ctx.add("ReduceSum", {sq});
    set_int(n, "keepdims", keep ? 1 : 0);
    return ctx.bind(0, ctx.emit("Sqrt", {n.output(0)}));
  }
  ctx.bind(0, ctx.emit("Sqrt", {reduce(ctx, "ReduceSum", sq, dims, keep).output(0)}));
}

void dot(ConvertContext& ctx) { ctx.bind(0, ctx.emit("MatMul", {ctx.tensor(0), ctx.tensor(1)})); }

// cross(a, b, dim): a[i+1] b[i+2] - a[i+2] b[i+1] along a dim of size 3 (dim None: the first such).
void cross(ConvertContext& ctx) {
  int64_t dim = 0;
  if (!ctx.is_none(2)) {
    dim = ctx.int_const(2);
  } else {
    const auto shape = ctx.shape(0);
    if (!shape) throw Unconvertible("cross without dim needs the input's shape");
    while (dim < static_cast<int64_t>(shape->size()) && (*shape)[dim] != 3) ++dim;
    if (dim == static_cast<int64_t>(shape->size())) throw Unconvertible("cross: no dim of size 3");
  }
  auto roll = [&](const std::string& v, std::vector<int64_t> idx) {
    auto& g = ctx.add("Gather", {v, ctx.const_i64(idx)});
    set_int(g, "axis", dim);
    return g.output(0);
  };
  const std::string a = ctx.tensor(0), b = ctx.tensor(1);
  const std::string l = ctx.emit("Mul", {roll(a, {1, 2, 0}), roll(b, {2, 0, 1})});
  const std::string r = ctx.emit("Mul", {roll(a, {2, 0, 1}), roll(b, {1, 2, 0})});
  ctx.bind(0, ctx.emit("Sub", {l, r}));
}

// _weight_norm(v, g, dim) = v * g / ||v|| with the norm over every dim but `dim` (-1: all dims).
void weight_norm(ConvertContext& ctx) {
  const std::string v = ctx.tensor(0);
  const int64_t rank = ctx.rank(0);
  int64_t dim = ctx.int_const(2);
  if (dim < -1) dim += rank;
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim) axes.push_back(d);
  const std::string norm = ctx.emit("Sqrt", {reduce(ctx, "ReduceSum", ctx.emit("Mul", {v, v}), axes, true).output(0)});
  ctx.bind(0, ctx.emit("Mul", {v, ctx.emit("Div", {ctx.tensor(1), norm})}));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_cdist, "aten::cdist", cdist);
PIU_REGISTER_CONVERTER(aten_cosine_similarity, "aten::cosine_similarity", cosine_similarity);
PIU_REGISTER_CONVERTER(aten_frobenius_norm, "aten::frobenius_norm", frobenius_norm);
PIU_REGISTER_CONVERTER(aten_dot, "aten::dot", dot);
PIU_REGISTER_CONVERTER(aten_cross, "aten::cross", cross);
PIU_REGISTER_CONVERTER(aten__weight_norm, "aten::_weight_norm", weight_norm);

}  // namespace piu::exporter

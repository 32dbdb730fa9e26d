// Reductions beyond sum and mean: prod, logsumexp, var/std and var_mean/std_mean (with
// unbiased or correction).
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// The dims of argument i (an int or int[]; absent, None or [] means every dim of input 0).
std::vector<int64_t> dims_arg(ConvertContext& ctx, size_t i) {
  std::vector<int64_t> dims;
  if (!ctx.is_none(i)) dims = ctx.ints_const(i);
  if (dims.empty())
    for (int64_t d = 0; d < ctx.rank(0); ++d) dims.push_back(d);
  return dims;
}

// prod(x, dtype) over all elements; prod(x, dim, keepdim, dtype).
void prod(ConvertContext& ctx) {
  const bool all = ctx.num_inputs() <= 2;
  const size_t dtype_i = all ? 1 : 3;
  int32_t type = ctx.elem_type(0);
  std::string x = ctx.tensor(0);
  if (!ctx.is_none(dtype_i)) {
    type = dtype_arg(ctx, dtype_i, type);
    x = cast(ctx, x, type, ctx.elem_type(0));
  }
  if (all) {
    auto& n = ctx.add("ReduceProd", {x});
    set_int(n, "keepdims", 0);
    return ctx.bind(0, n.output(0), type);
  }
  ctx.bind(0, reduce(ctx, "ReduceProd", x, {ctx.int_const(1)}, ctx.bool_const(2)).output(0), type);
}

// logsumexp(x, dim, keepdim)
void logsumexp(ConvertContext& ctx) {
  const bool keep = ctx.num_inputs() > 2 && ctx.bool_const(2);
  ctx.bind(0, reduce(ctx, "ReduceLogSumExp", ctx.tensor(0), dims_arg(ctx, 1), keep).output(0));
}

// The number of elements over `dims` of x as a 0-d value of `type`: a constant when those dims
// are static, else the product of Shape(x)'s entries.
std::string count(ConvertContext& ctx, const std::string& x, const std::vector<int64_t>& dims, int32_t type) {
  const auto s = ctx.shape(0);
  double n = 1;
  bool known = s.has_value();
  for (int64_t d : dims) {
    const int64_t at = d < 0 ? d + static_cast<int64_t>(s ? s->size() : 0) : d;
    if (!s || at < 0 || at >= static_cast<int64_t>(s->size()) || (*s)[at] < 0)
      known = false;
    else
      n *= static_cast<double>((*s)[at]);
  }
  if (known) return ctx.const_scalar(n, type, "count");
  auto& g = ctx.add("Gather", {ctx.emit("Shape", {x}), ctx.const_i64(dims)});
  set_int(g, "axis", 0);
  auto& p = ctx.add("ReduceProd", {g.output(0)});
  set_int(p, "keepdims", 0);
  return cast(ctx, p.output(0), type, onnx::TensorProto::INT64);
}

// var(x, unbiased), var(x, dim, unbiased, keepdim), var(x, dim, *, correction, keepdim) and the
// same for std, var_mean and std_mean: sum((x - mean)^2) / (N - correction).
void variance(ConvertContext& ctx, bool root) {
  const bool all = ctx.num_inputs() <= 2;
  const std::vector<int64_t> dims = dims_arg(ctx, all ? ctx.num_inputs() : 1);
  const bool keep = !all && ctx.num_inputs() > 3 && ctx.bool_const(3);
  const size_t c_i = all ? 1 : 2;
  double correction = 1;
  if (c_i < ctx.num_inputs() && !ctx.is_none(c_i))
    correction = ctx.in(c_i).type == IrType::kBool ? (ctx.bool_const(c_i) ? 1 : 0) : ctx.float_const(c_i);
  const int32_t type = ctx.elem_type(0);
  const std::string x = ctx.tensor(0);
  const std::string mean = reduce(ctx, "ReduceMean", x, dims, true).output(0);
  const std::string d = ctx.emit("Sub", {x, mean});
  const std::string ss = reduce(ctx, "ReduceSum", ctx.emit("Mul", {d, d}), dims, keep).output(0);
  const std::string n = ctx.emit("Sub", {count(ctx, x, dims, type), ctx.const_scalar(correction, type, "correction")});
  std::string v = ctx.emit("Div", {ss, n});
  if (root) v = ctx.emit("Sqrt", {v});
  ctx.bind(0, v);
  if (ctx.node().outputs.size() > 1) ctx.bind(1, keep ? mean : reduce(ctx, "ReduceMean", x, dims, false).output(0));
}
void var_op(ConvertContext& ctx) { variance(ctx, false); }
void std_op(ConvertContext& ctx) { variance(ctx, true); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_prod, "aten::prod", prod);
PIU_REGISTER_CONVERTER(aten_logsumexp, "aten::logsumexp", logsumexp);
PIU_REGISTER_CONVERTER(aten_var, "aten::var", var_op);
PIU_REGISTER_CONVERTER(aten_std, "aten::std", std_op);
PIU_REGISTER_CONVERTER(aten_var_mean, "aten::var_mean", var_op);
PIU_REGISTER_CONVERTER(aten_std_mean, "aten::std_mean", std_op);

}  // namespace piu::exporter

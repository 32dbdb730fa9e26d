// Norms: norm, linalg_vector_norm, linalg_matrix_norm ('fro', 1, -1, inf, -inf), linalg_norm (the
// one or the other by its dims) and pairwise_distance.
#include <cmath>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// Every dim of a rank-`rank` tensor.
std::vector<int64_t> all_dims(int64_t rank) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
  return dims;
}

// The p-norm of x over `dims`: ReduceL1/L2, max/min of |x| for +-inf, the count of non-zeros for
// 0, else (sum |x|^p)^(1/p).
std::string vector_norm(ConvertContext& ctx, const std::string& x, double p, const std::vector<int64_t>& dims,
                        bool keep, int32_t type) {
  if (p == 2.0) return reduce(ctx, "ReduceL2", x, dims, keep).output(0);
  if (p == 1.0) return reduce(ctx, "ReduceL1", x, dims, keep).output(0);
  const std::string abs = ctx.emit("Abs", {x});
  if (std::isinf(p)) return reduce(ctx, p > 0 ? "ReduceMax" : "ReduceMin", abs, dims, keep).output(0);
  if (p == 0.0) {
    const std::string nonzero = ctx.emit("Not", {ctx.emit("Equal", {x, ctx.const_scalar(0, type, "zero")})});
    return reduce(ctx, "ReduceSum", cast(ctx, nonzero, type, onnx::TensorProto::BOOL), dims, keep).output(0);
  }
  const std::string sum =
      reduce(ctx, "ReduceSum", ctx.emit("Pow", {abs, ctx.const_scalar(p, type, "p")}), dims, keep).output(0);
  return ctx.emit("Pow", {sum, ctx.const_scalar(1.0 / p, type, "inv_p")});
}

// x cast to the dtype argument i when one is given.
std::string with_dtype(ConvertContext& ctx, size_t i, int32_t& type) {
  type = ctx.elem_type(0);
  if (i >= ctx.num_inputs() || ctx.is_none(i)) return ctx.tensor(0);
  const int32_t from = type;
  type = dtype_arg(ctx, i, type);
  return cast(ctx, ctx.tensor(0), type, from);
}

// norm(x, p=2), norm(x, p, dtype), norm(x, p, dim, keepdim[, dtype]); p None is 2.
void norm(ConvertContext& ctx) {
  const double p = ctx.is_none(1) ? 2.0 : ctx.float_const(1);
  const bool with_dims = ctx.num_inputs() >= 4;
  int32_t type = 0;
  const std::string x = with_dtype(ctx, with_dims ? 4 : 2, type);
  std::vector<int64_t> dims = with_dims ? ctx.ints_const(2) : std::vector<int64_t>{};
  if (dims.empty()) dims = all_dims(ctx.rank(0));
  ctx.bind(0, vector_norm(ctx, x, p, dims, with_dims && ctx.bool_const(3), type), type);
}

// linalg_vector_norm(x, ord=2, dim=None, keepdim=False, dtype=None): dim None flattens.
void linalg_vector_norm(ConvertContext& ctx) {
  const double p = ctx.num_inputs() > 1 ? ctx.float_const(1) : 2.0;
  int32_t type = 0;
  const std::string x = with_dtype(ctx, 4, type);
  std::vector<int64_t> dims;
  if (!ctx.is_none(2)) dims = ctx.ints_const(2);
  if (dims.empty()) dims = all_dims(ctx.rank(0));
  ctx.bind(0, vector_norm(ctx, x, p, dims, ctx.num_inputs() > 3 && ctx.bool_const(3), type), type);
}

// The matrix norm of x over dims (rows, cols): 'fro', or +-1 (max/min over columns of their
// absolute sums) and +-inf (the same over rows). Singular-value norms have no ONNX form.
std::string matrix_norm(ConvertContext& ctx, const std::string& x, const std::string& ord, std::vector<int64_t> dims,
                        bool keep) {
  if (dims.size() != 2) throw Unconvertible("a matrix norm needs two dims");
  if (ord == "fro") return reduce(ctx, "ReduceL2", x, dims, keep).output(0);
  if (ord == "nuc" || ord == "2" || ord == "-2")
    throw Unconvertible("matrix norm ord=" + ord + " needs singular values, which ONNX cannot compute");
  const bool over_columns = ord == "1" || ord == "-1";  // sum down each column, then the extreme
  const bool largest = ord == "1" || ord == "inf";
  if (!over_columns && ord != "inf" && ord != "-inf")
    throw Unconvertible("matrix norm ord=" + ord + " is not supported");
  const int64_t rank = ctx.rank(0);
  for (auto& d : dims)
    if (d < 0) d += rank;
  const int64_t summed = over_columns ? dims[0] : dims[1], extreme = over_columns ? dims[1] : dims[0];
  const std::string sums = reduce(ctx, "ReduceSum", ctx.emit("Abs", {x}), {summed}, true).output(0);
  const std::string r = reduce(ctx, largest ? "ReduceMax" : "ReduceMin", sums, {extreme}, true).output(0);
  return keep ? r : squeeze(ctx, r, dims);
}

// An ord argument as matrix_norm's spelling ("fro", "nuc", "1", "-inf", ...).
std::string ord_name(ConvertContext& ctx, size_t i) {
  if (ctx.in(i).str) return *ctx.in(i).str;
  const double p = ctx.float_const(i);
  if (std::isinf(p)) return p > 0 ? "inf" : "-inf";
  if (p != std::floor(p)) throw Unconvertible("matrix norm ord=" + std::to_string(p) + " is not supported");
  return std::to_string(static_cast<int64_t>(p));
}

// linalg_matrix_norm(x, ord, dim=[-2, -1], keepdim, dtype) with ord a number or a string.
void linalg_matrix_norm(ConvertContext& ctx) {
  int32_t type = 0;
  const std::string x = with_dtype(ctx, 4, type);
  ctx.bind(0, matrix_norm(ctx, x, ord_name(ctx, 1), ctx.ints_const(2), ctx.bool_const(3)), type);
}

// linalg_norm(x, ord=None, dim=None, keepdim=False, dtype=None): a vector norm over one dim (or
// the flattened tensor when ord and dim are None), a matrix norm over two.
void linalg_norm(ConvertContext& ctx) {
  int32_t type = 0;
  const std::string x = with_dtype(ctx, 4, type);
  const bool keep = ctx.bool_const(3);
  std::vector<int64_t> dims;
  if (!ctx.is_none(2)) dims = ctx.ints_const(2);
  if (dims.empty()) {
    if (!ctx.is_none(1)) {
      const int64_t rank = ctx.rank(0);
      if (rank != 1 && rank != 2) throw Unconvertible("linalg_norm with ord and no dim needs a 1-D or 2-D input");
      dims = all_dims(rank);
    } else {
      dims = all_dims(ctx.rank(0));
      return ctx.bind(0, vector_norm(ctx, x, 2.0, dims, keep, type), type);
    }
  }
  if (dims.size() == 2) {
    const std::string ord = ctx.is_none(1) ? "fro" : ord_name(ctx, 1);
    return ctx.bind(0, matrix_norm(ctx, x, ord, dims, keep), type);
  }
  if (ctx.in(1).str) throw Unconvertible("linalg_norm with a string ord needs two dims");
  const double p = ctx.is_none(1) ? 2.0 : ctx.float_const(1);
  ctx.bind(0, vector_norm(ctx, x, p, dims, keep, type), type);
}

// pairwise_distance(x1, x2, p=2, eps=1e-6, keepdim=False) = ||x1 - x2 + eps||_p over the last dim.
void pairwise_distance(ConvertContext& ctx) {
  const int32_t type = ctx.elem_type(0);
  const std::string d = ctx.emit("Sub", {ctx.tensor(0), ctx.tensor(1)});
  const std::string shifted = ctx.emit("Add", {d, ctx.const_scalar(ctx.float_const(3), type, "eps")});
  ctx.bind(0, vector_norm(ctx, shifted, ctx.float_const(2), {-1}, ctx.bool_const(4), type), type);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_norm, "aten::norm", norm);
PIU_REGISTER_CONVERTER(aten_linalg_vector_norm, "aten::linalg_vector_norm", linalg_vector_norm);
PIU_REGISTER_CONVERTER(aten_linalg_matrix_norm, "aten::linalg_matrix_norm", linalg_matrix_norm);
PIU_REGISTER_CONVERTER(aten_linalg_norm, "aten::linalg_norm", linalg_norm);
PIU_REGISTER_CONVERTER(aten_pairwise_distance, "aten::pairwise_distance", pairwise_distance);

}  // namespace piu::exporter

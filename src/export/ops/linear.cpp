// Matrix products and normalization: linear, matmul, bmm, addmm, batch_norm, layer_norm; softmax,
// log_softmax; mean and sum reductions.
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// linear(x, W, b): MatMul with W^T folded into a constant when W is one, plus the bias.
void linear(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  std::string wt;
  if (const auto& w = ctx.in(1).tensor; w && w->rank() == 2) {
    const int64_t rows = w->dim(0), cols = w->dim(1);
    if (w->dtype() != DType::kFloat32) throw Unconvertible("linear with non-float32 constant weights is not supported yet");
    // W^T written straight into the initializer's bytes: no second copy of a large weight.
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(cols);
    t.add_dims(rows);
    std::string* raw = t.mutable_raw_data();
    raw->resize(static_cast<size_t>(rows * cols) * sizeof(float));
    const float* src = w->data_as<float>();
    float* dst = reinterpret_cast<float*>(raw->data());
    constexpr int64_t kTile = 64;  // tiles keep both sides in cache (a 1 GB weight: seconds -> a fraction)
    for (int64_t r0 = 0; r0 < rows; r0 += kTile)
      for (int64_t c0 = 0; c0 < cols; c0 += kTile)
        for (int64_t r = r0; r < std::min(rows, r0 + kTile); ++r)
          for (int64_t c = c0; c < std::min(cols, c0 + kTile); ++c) dst[c * rows + r] = src[r * cols + c];
    wt = ctx.const_proto(std::move(t), ctx.in(1).name + "_t");
  } else {
    auto& tr = ctx.add("Transpose", {ctx.tensor(1)});
    set_ints(tr, "perm", {1, 0});
    wt = tr.output(0);
  }
  std::string y = ctx.emit("MatMul", {x, wt});
  if (!ctx.is_none(2)) y = ctx.emit("Add", {y, ctx.tensor(2)});
  ctx.bind(0, y);
}

void matmul(ConvertContext& ctx) { ctx.bind(0, ctx.emit("MatMul", {ctx.tensor(0), ctx.tensor(1)})); }

// addmm(bias, a, b, beta, alpha) = beta * bias + alpha * a @ b
void addmm(ConvertContext& ctx) {
  const double beta = ctx.num_inputs() > 3 ? ctx.float_const(3) : 1, alpha = ctx.num_inputs() > 4 ? ctx.float_const(4) : 1;
  auto& g = ctx.add("Gemm", {ctx.tensor(1), ctx.tensor(2), ctx.tensor(0)});
  set_float(g, "alpha", static_cast<float>(alpha));
  set_float(g, "beta", static_cast<float>(beta));
  ctx.bind(0, g.output(0), ctx.elem_type(1));
}

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
void batch_norm(ConvertContext& ctx) {
  if (ctx.bool_const(5)) throw Unconvertible("batch_norm in training mode cannot be exported; call model.eval()");
  if (ctx.is_none(1) || ctx.is_none(2) || ctx.is_none(3) || ctx.is_none(4))
    throw Unconvertible("batch_norm without affine weights or running statistics is not supported yet");
  auto& n = ctx.add("BatchNormalization", {ctx.tensor(0), ctx.tensor(1), ctx.tensor(2), ctx.tensor(3), ctx.tensor(4)});
  set_float(n, "epsilon", static_cast<float>(ctx.float_const(7)));
  ctx.bind(0, n.output(0));
}

// The channel count (dim 1) of input i, which must be static.
int64_t channels(ConvertContext& ctx, size_t i) {
  const auto s = ctx.shape(i);
  if (!s || s->size() < 2 || (*s)[1] < 0) throw Unconvertible("the channel dim of '" + ctx.in(i).name + "' is not static");
  return (*s)[1];
}

// [C] -> [C, 1, ..., 1] to broadcast over the spatial dims of a rank-`rank` input.
std::string per_channel(ConvertContext& ctx, const std::string& v, int64_t rank) {
  std::vector<int64_t> axes;
  for (int64_t a = 1; a < rank - 1; ++a) axes.push_back(a);
  return axes.empty() ? v : unsqueeze(ctx, v, axes);
}

std::string ones_of(ConvertContext& ctx, int64_t n, double value, int32_t type) {
  return fill(ctx, ctx.const_i64({n}), value, type);
}

// group_norm(input, num_groups, weight, bias, eps, cudnn_enabled): InstanceNormalization over
// [N, G, -1], reshaped back, then the per-channel affine.
void group_norm(ConvertContext& ctx) {
  const int64_t groups = ctx.int_const(1);
  const int32_t type = ctx.elem_type(0);
  const std::string x = ctx.tensor(0);
  const int64_t rank = ctx.rank(0);
  const std::string grouped = ctx.emit("Reshape", {x, ctx.const_i64({0, groups, -1})});
  auto& n = ctx.add("InstanceNormalization", {grouped, ones_of(ctx, groups, 1, type), ones_of(ctx, groups, 0, type)});
  set_float(n, "epsilon", static_cast<float>(ctx.float_const(4)));
  std::string y = ctx.emit("Reshape", {n.output(0), ctx.emit("Shape", {x})});
  if (!ctx.is_none(2)) y = ctx.emit("Mul", {y, per_channel(ctx, ctx.tensor(2), rank)});
  if (!ctx.is_none(3)) y = ctx.emit("Add", {y, per_channel(ctx, ctx.tensor(3), rank)});
  ctx.bind(0, y, type);
  ctx.set_rank(0, rank);
}

// instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
// cudnn_enabled): InstanceNormalization with statistics of the input.
void instance_norm(ConvertContext& ctx) {
  if (!ctx.bool_const(5))
    throw Unconvertible("instance_norm with running statistics (track_running_stats in eval) is not supported yet");
  const int32_t type = ctx.elem_type(0);
  const int64_t c = channels(ctx, 0);
  auto& n = ctx.add("InstanceNormalization", {ctx.tensor(0), ctx.is_none(1) ? ones_of(ctx, c, 1, type) : ctx.tensor(1),
                                              ctx.is_none(2) ? ones_of(ctx, c, 0, type) : ctx.tensor(2)});
  set_float(n, "epsilon", static_cast<float>(ctx.float_const(7)));
  ctx.bind(0, n.output(0), type);
}

// layer_norm(input, normalized_shape, weight, bias, eps)
void layer_norm_op(ConvertContext& ctx) {
  const auto normalized = ctx.ints_const(1);
  ctx.bind(0, layer_norm(ctx, ctx.tensor(0), static_cast<int64_t>(normalized.size()), ctx.is_none(2) ? "" : ctx.tensor(2),
                         ctx.is_none(3) ? "" : ctx.tensor(3), static_cast<float>(ctx.float_const(4)), ctx.elem_type(0)));
}

// softmax(x, dim, dtype). Before opset 13 Softmax flattens the dims from `axis` on, which is the
// same as one axis only for the last: other axes are moved last and back.
void softmax(ConvertContext& ctx, const std::string& op, bool has_dtype = true) {
  std::string x = ctx.tensor(0);
  int32_t type = ctx.elem_type(0);
  if (has_dtype && ctx.num_inputs() > 2 && !ctx.is_none(2)) {
    type = dtype_arg(ctx, 2, type);
    x = cast(ctx, x, type, ctx.elem_type(0));
  }
  int64_t axis = ctx.int_const(1);
  std::vector<int64_t> perm;
  if (ctx.opset() < 13 && axis != -1) {
    const int64_t rank = ctx.rank(0);
    if (axis < 0) axis += rank;
    if (axis != rank - 1) {
      for (int64_t d = 0; d < rank; ++d) perm.push_back(d);
      std::swap(perm[axis], perm[rank - 1]);
      x = transpose(ctx, x, perm);
    }
    axis = -1;
  }
  auto& n = ctx.add(op, {x});
  set_int(n, "axis", axis);
  ctx.bind(0, perm.empty() ? n.output(0) : transpose(ctx, n.output(0), perm), type);
}
void softmax_op(ConvertContext& ctx) { softmax(ctx, "Softmax"); }
void log_softmax_op(ConvertContext& ctx) { softmax(ctx, "LogSoftmax"); }
// _log_softmax(x, dim, half_to_float): half_to_float is a CUDA-only flag, not a dtype.
void internal_log_softmax(ConvertContext& ctx) { softmax(ctx, "LogSoftmax", false); }

// mean(x, dims, keepdim, dtype) / sum(x, dims, keepdim, dtype), and mean(x, dtype) / sum(x, dtype)
// over all elements (a 0-d result).
void reduction(ConvertContext& ctx, const std::string& op) {
  std::string x = ctx.tensor(0);
  const size_t dtype_i = ctx.num_inputs() <= 2 ? 1 : 3;
  int32_t type = ctx.elem_type(0);
  if (!ctx.is_none(dtype_i)) {
    type = dtype_arg(ctx, dtype_i, type);
    x = cast(ctx, x, type, ctx.elem_type(0));
  }
  if (ctx.num_inputs() <= 2) {
    auto& n = ctx.add(op, {x});
    set_int(n, "keepdims", 0);
    ctx.bind(0, n.output(0), type);
    return;
  }
  auto& n = reduce(ctx, op, x, ctx.ints_const(1), ctx.bool_const(2));
  ctx.bind(0, n.output(0), type);
}
void mean(ConvertContext& ctx) { reduction(ctx, "ReduceMean"); }
void sum(ConvertContext& ctx) { reduction(ctx, "ReduceSum"); }

// einsum(equation, operands): a batched matrix product ("bhid,bhjd->bhij": same leading letters,
// one contracted letter) becomes MatMul with the transposes it needs, at any opset; other
// equations become Einsum (opset 12+).
void einsum(ConvertContext& ctx) {
  if (!ctx.in(0).str) throw Unconvertible("einsum with an equation computed at run time");
  std::string eq;
  for (char c : *ctx.in(0).str)
    if (c != ' ') eq += c;
  const auto operands = ctx.tensor_list(1);
  const size_t arrow = eq.find("->"), comma = eq.find(',');
  if (operands.size() == 2 && arrow != std::string::npos && comma != std::string::npos && comma < arrow &&
      eq.find("...") == std::string::npos) {
    const std::string a = eq.substr(0, comma), b = eq.substr(comma + 1, arrow - comma - 1), c = eq.substr(arrow + 2);
    const size_t n = a.size();
    if (n >= 2 && b.size() == n && c.size() == n && a.compare(0, n - 2, b, 0, n - 2) == 0 &&
        a.compare(0, n - 2, c, 0, n - 2) == 0) {
      const std::string la = a.substr(n - 2), lb = b.substr(n - 2), lc = c.substr(n - 2);
      // the contracted letter: in both operands, not in the result
      char k = 0;
      for (char x : la)
        if (lb.find(x) != std::string::npos && lc.find(x) == std::string::npos) k = x;
      const char i = la[0] == k ? la[1] : la[0], j = lb[0] == k ? lb[1] : lb[0];
      if (k && i != j && lc.find(i) != std::string::npos && lc.find(j) != std::string::npos && i != k && j != k) {
        std::vector<int64_t> swap_last;
        for (size_t d = 0; d < n; ++d) swap_last.push_back(static_cast<int64_t>(d));
        std::swap(swap_last[n - 1], swap_last[n - 2]);
        const std::string x = la[1] == k ? operands[0] : transpose(ctx, operands[0], swap_last);  // [.., i, k]
        const std::string y = lb[0] == k ? operands[1] : transpose(ctx, operands[1], swap_last);  // [.., k, j]
        std::string out = ctx.emit("MatMul", {x, y});                                          // [.., i, j]
        if (lc[0] != i) out = transpose(ctx, out, swap_last);
        ctx.bind(0, out, ctx.tensor_list_types(1)[0]);
        return;
      }
    }
  }
  if (ctx.opset() < 12) throw Unconvertible("einsum '" + eq + "' needs opset 12 (Einsum) unless it is a batched matmul");
  auto& node = ctx.add("Einsum", operands);
  auto* attr = node.add_attribute();
  attr->set_name("equation");
  attr->set_type(onnx::AttributeProto::STRING);
  attr->set_s(eq);
  ctx.bind(0, node.output(0), ctx.tensor_list_types(1)[0]);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_einsum, "aten::einsum", einsum);
PIU_REGISTER_CONVERTER(aten_linear, "aten::linear", linear);
PIU_REGISTER_CONVERTER(aten_matmul, "aten::matmul", matmul);
PIU_REGISTER_CONVERTER(aten_bmm, "aten::bmm", matmul);  // batched [B, n, m] x [B, m, p]: MatMul broadcasts the same
PIU_REGISTER_CONVERTER(aten_addmm, "aten::addmm", addmm);
PIU_REGISTER_CONVERTER(aten_batch_norm, "aten::batch_norm", batch_norm);
PIU_REGISTER_CONVERTER(aten_layer_norm, "aten::layer_norm", layer_norm_op);
PIU_REGISTER_CONVERTER(aten_group_norm, "aten::group_norm", group_norm);
PIU_REGISTER_CONVERTER(aten_instance_norm, "aten::instance_norm", instance_norm);
PIU_REGISTER_CONVERTER(aten_softmax, "aten::softmax", softmax_op);
PIU_REGISTER_CONVERTER(aten_log_softmax, "aten::log_softmax", log_softmax_op);
PIU_REGISTER_CONVERTER(aten__log_softmax, "aten::_log_softmax", internal_log_softmax);
PIU_REGISTER_CONVERTER(aten_mean, "aten::mean", mean);
PIU_REGISTER_CONVERTER(aten_sum, "aten::sum", sum);

}  // namespace piu::exporter

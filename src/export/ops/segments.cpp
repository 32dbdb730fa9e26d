// Ops over groups of elements: embedding_bag (sum/mean/max of each bag, bags given by offsets or
// by the rows of a 2-D input), embedding_renorm (the rows an embedding reads) and unique
// (_unique, _unique2).
#include <limits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

using onnx::TensorProto;

std::string range_to(ConvertContext& ctx, const std::string& end) {
  return ctx.emit("Range", {ctx.const_i64({0}, true), end, ctx.const_i64({1}, true)});
}

// embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse, per_sample_weights,
// include_last_offset, padding_idx): membership of each index position in each bag as a [B, N]
// mask, then a MatMul (sum, mean) or a masked ReduceMax. Only the first output (the bags) is bound.
void embedding_bag(ConvertContext& ctx) {
  const std::string weight = ctx.tensor(0);
  const int32_t type = ctx.elem_type(0);
  const int64_t mode = ctx.int_const(4);
  const bool include_last = ctx.num_inputs() > 7 && ctx.bool_const(7);
  std::string indices = ctx.tensor(1), starts, ends;
  const std::string n = ctx.emit("Size", {indices});
  if (ctx.rank(1) == 2) {  // each row a bag
    auto& g = ctx.add("Gather", {ctx.emit("Shape", {indices}), ctx.const_i64({1}, true)});
    set_int(g, "axis", 0);
    starts = ctx.emit("Range", {ctx.const_i64({0}, true), n, g.output(0)});
    ends = ctx.emit("Add", {starts, g.output(0)});
    indices = ctx.emit("Reshape", {indices, ctx.const_i64({-1})});
  } else {
    const std::string offsets = cast(ctx, ctx.tensor(2), TensorProto::INT64, ctx.elem_type(2));
    const std::string max = ctx.const_i64({std::numeric_limits<int64_t>::max()});
    starts = include_last ? ctx.emit("Slice", {offsets, ctx.const_i64({0}), ctx.const_i64({-1})}) : offsets;
    ends = ctx.emit("Slice", {offsets, ctx.const_i64({1}), max});
    if (!include_last) {
      auto& cat = ctx.add("Concat", {ends, unsqueeze(ctx, n, {0})});
      set_int(cat, "axis", 0);
      ends = cat.output(0);
    }
  }
  const std::string pos = unsqueeze(ctx, range_to(ctx, n), {0});  // [1, N]
  std::string member = ctx.emit("And", {ctx.emit("Not", {ctx.emit("Less", {pos, unsqueeze(ctx, starts, {1})})}),
                                        ctx.emit("Less", {pos, unsqueeze(ctx, ends, {1})})});  // [B, N]
  if (ctx.num_inputs() > 8 && !ctx.is_none(8) && ctx.int_const(8) >= 0)
    member = ctx.emit(
        "And", {member,
                unsqueeze(ctx, ctx.emit("Not", {ctx.emit("Equal", {indices, ctx.const_i64({ctx.int_const(8)}, true)})}),
                          {0})});
  auto& rows = ctx.add("Gather", {weight, indices});
  set_int(rows, "axis", 0);
  std::string emb = rows.output(0);  // [N, D]
  if (ctx.num_inputs() > 6 && !ctx.is_none(6)) {
    if (mode != 0) throw Unconvertible("embedding_bag: per_sample_weights need mode='sum'");
    emb = ctx.emit("Mul", {emb, unsqueeze(ctx, ctx.emit("Reshape", {ctx.tensor(6), ctx.const_i64({-1})}), {1})});
  }
  const std::string m = cast(ctx, member, type, TensorProto::BOOL);
  const std::string count = reduce(ctx, "ReduceSum", m, {1}, true).output(0);  // [B, 1]
  const std::string zero = ctx.const_scalar(0, type, "zero");
  if (mode == 0 || mode == 1) {
    std::string sum = ctx.emit("MatMul", {m, emb});
    if (mode == 1) sum = ctx.emit("Div", {sum, ctx.emit("Max", {count, ctx.const_scalar(1, type, "one")})});
    return ctx.bind(0, sum);
  }
  if (mode != 2) throw Unconvertible("embedding_bag mode " + std::to_string(mode));
  const std::string lowest = ctx.const_scalar(-std::numeric_limits<float>::infinity(), type, "lowest");
  const std::string masked = ctx.emit("Where", {unsqueeze(ctx, member, {2}), unsqueeze(ctx, emb, {0}), lowest});
  const std::string max = reduce(ctx, "ReduceMax", masked, {1}, false).output(0);
  ctx.bind(0, ctx.emit("Where", {ctx.emit("Greater", {count, zero}), max, zero}));  // empty bags: 0
}

// embedding_renorm(weight, indices, max_norm, norm_type) (nn.Embedding's max_norm): the rows that
// indices reads and whose p-norm exceeds max_norm scaled to max_norm / (norm + 1e-7).
void embedding_renorm(ConvertContext& ctx) {
  const std::string w = ctx.tensor(0);
  const int32_t type = ctx.elem_type(0);
  const double max_norm = ctx.float_const(2), p = ctx.float_const(3);
  const std::string pow = ctx.emit("Pow", {ctx.emit("Abs", {w}), ctx.const_scalar(p, type, "p")});
  const std::string norm =
      ctx.emit("Pow", {reduce(ctx, "ReduceSum", pow, {1}, true).output(0), ctx.const_scalar(1 / p, type, "inv_p")});
  auto& rows = ctx.add("Gather", {ctx.emit("Shape", {w}), ctx.const_i64({0}, true)});
  set_int(rows, "axis", 0);
  const std::string ids = ctx.emit("Reshape", {ctx.tensor(1), ctx.const_i64({-1, 1})});
  const std::string hits =
      cast(ctx, ctx.emit("Equal", {ids, range_to(ctx, rows.output(0))}), TensorProto::INT64, TensorProto::BOOL);
  const std::string read =
      ctx.emit("Greater", {reduce(ctx, "ReduceSum", hits, {0}, false).output(0), ctx.const_i64({0}, true)});
  const std::string limit = ctx.const_scalar(max_norm, type, "max_norm");
  const std::string over = ctx.emit("And", {unsqueeze(ctx, read, {1}), ctx.emit("Greater", {norm, limit})});
  const std::string scale = ctx.emit("Div", {limit, ctx.emit("Add", {norm, ctx.const_scalar(1e-7, type, "eps")})});
  ctx.bind(0, ctx.emit("Mul", {w, ctx.emit("Where", {over, scale, ctx.const_scalar(1, type, "one")})}));
}

// _unique2(x, sorted, return_inverse, return_counts) -> (values, inverse, counts), and
// _unique(x, sorted, return_inverse) -> (values, inverse): ONNX Unique over the flattened x.
void unique(ConvertContext& ctx) {
  const std::string x = ctx.tensor(0);
  auto& n = ctx.add("Unique", {x}, 4);
  set_int(n, "sorted", ctx.num_inputs() > 1 && !ctx.bool_const(1) ? 0 : 1);
  ctx.bind(0, n.output(0));
  ctx.set_rank(0, 1);
  if (ctx.node().outputs.size() > 1)
    ctx.bind(1, ctx.emit("Reshape", {n.output(2), ctx.emit("Shape", {x})}), TensorProto::INT64);
  if (ctx.node().outputs.size() > 2) ctx.bind(2, n.output(3), TensorProto::INT64);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_embedding_bag, "aten::embedding_bag", embedding_bag);
PIU_REGISTER_CONVERTER(aten__embedding_bag, "aten::_embedding_bag", embedding_bag);
PIU_REGISTER_CONVERTER(aten_embedding_renorm, "aten::embedding_renorm", embedding_renorm);
PIU_REGISTER_CONVERTER(aten__unique, "aten::_unique", unique);
PIU_REGISTER_CONVERTER(aten__unique2, "aten::_unique2", unique);

}  // namespace piu::exporter

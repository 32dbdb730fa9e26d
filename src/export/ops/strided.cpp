// Views computed from static sizes: diagonal, as_strided, im2col (F.unfold) — each a Gather with
// indices built at conversion time — and its inverse col2im (F.fold, ONNX Col2Im).
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

Tensor index_tensor(const std::vector<int64_t>& shape, const std::vector<int64_t>& values) {
  Tensor t = Tensor::zeros(DType::kInt64, Shape(shape.begin(), shape.end()));
  std::copy(values.begin(), values.end(), t.data_as<int64_t>());
  return t;
}

// diagonal(x, offset, dim1, dim2): dim1 and dim2 (static sizes) moved last and flattened, then a
// Gather of the diagonal's positions; the diagonal becomes the last dim, as in PyTorch.
void diagonal(ConvertContext& ctx) {
  const int64_t offset = ctx.int_const(1);
  const auto shape = ctx.shape(0);
  if (!shape) throw Unconvertible("diagonal needs the input's rank");
  const int64_t rank = static_cast<int64_t>(shape->size());
  int64_t d1 = ctx.int_const(2), d2 = ctx.int_const(3);
  if (d1 < 0) d1 += rank;
  if (d2 < 0) d2 += rank;
  const int64_t n1 = (*shape)[d1], n2 = (*shape)[d2];
  if (n1 < 0 || n2 < 0) throw Unconvertible("diagonal of dynamic dims");
  std::vector<int64_t> perm, flat;
  for (int64_t d = 0; d < rank; ++d)
    if (d != d1 && d != d2) perm.push_back(d);
  perm.push_back(d1);
  perm.push_back(d2);
  for (int64_t d = 0; d < rank - 2; ++d) flat.push_back(0);
  flat.push_back(n1 * n2);
  std::vector<int64_t> positions;
  for (int64_t r = std::max<int64_t>(0, -offset), c = std::max<int64_t>(0, offset); r < n1 && c < n2; ++r, ++c)
    positions.push_back(r * n2 + c);
  const std::string x = ctx.emit("Reshape", {transpose(ctx, ctx.tensor(0), perm), ctx.const_i64(flat)});
  auto& g = ctx.add("Gather",
                    {x, ctx.const_tensor(index_tensor({static_cast<int64_t>(positions.size())}, positions), "diag")});
  set_int(g, "axis", -1);
  ctx.bind(0, g.output(0));
}

// as_strided(x, size, stride, storage_offset): element i of the result is the flattened x at
// storage_offset + sum(i_k stride_k) — x read as its own contiguous storage.
void as_strided(ConvertContext& ctx) {
  const auto size = ctx.ints_const(1), stride = ctx.ints_const(2);
  const int64_t offset = ctx.is_none(3) ? 0 : ctx.int_const(3);
  if (size.size() != stride.size()) throw Unconvertible("as_strided: size and stride differ in length");
  std::vector<int64_t> positions = {offset};
  for (size_t d = 0; d < size.size(); ++d) {
    std::vector<int64_t> next;
    for (int64_t p : positions)
      for (int64_t i = 0; i < size[d]; ++i) next.push_back(p + i * stride[d]);
    positions = std::move(next);
  }
  const std::string flat = ctx.emit("Reshape", {ctx.tensor(0), ctx.const_i64({-1})});
  auto& g = ctx.add("Gather", {flat, ctx.const_tensor(index_tensor(size, positions), "strided")});
  set_int(g, "axis", 0);
  ctx.bind(0, g.output(0));
}

// im2col(x [N, C, H, W], kernel_size, dilation, padding, stride) -> [N, C*kh*kw, L]: x padded
// and flattened to [N, C, Hp*Wp], one Gather of every patch position, reshaped.
void im2col(ConvertContext& ctx) {
  const auto k = repeat_to(ctx.ints_const(1), 2), dil = repeat_to(ctx.ints_const(2), 2);
  const auto pad = repeat_to(ctx.ints_const(3), 2), stride = repeat_to(ctx.ints_const(4), 2);
  const auto shape = ctx.shape(0);
  if (!shape || shape->size() != 4 || (*shape)[2] < 0 || (*shape)[3] < 0)
    throw Unconvertible("im2col needs a 4-D input with static height and width");
  const int64_t hp = (*shape)[2] + 2 * pad[0], wp = (*shape)[3] + 2 * pad[1];
  const int64_t oh = (hp - dil[0] * (k[0] - 1) - 1) / stride[0] + 1,
                ow = (wp - dil[1] * (k[1] - 1) - 1) / stride[1] + 1;
  std::vector<int64_t> positions;
  for (int64_t ki = 0; ki < k[0]; ++ki)
    for (int64_t kj = 0; kj < k[1]; ++kj)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x)
          positions.push_back((ki * dil[0] + y * stride[0]) * wp + kj * dil[1] + x * stride[1]);
  std::string x = ctx.tensor(0);
  if (pad[0] || pad[1]) x = ctx.emit("Pad", {x, ctx.const_i64({0, 0, pad[0], pad[1], 0, 0, pad[0], pad[1]})});
  x = ctx.emit("Reshape", {x, ctx.const_i64({0, 0, hp * wp})});
  auto& g = ctx.add("Gather", {x, ctx.const_tensor(index_tensor({k[0] * k[1], oh * ow}, positions), "patches")});
  set_int(g, "axis", 2);
  ctx.bind(0, ctx.emit("Reshape", {g.output(0), ctx.const_i64({0, -1, oh * ow})}));
}

// col2im(cols [N, C*kh*kw, L], output_size, kernel_size, dilation, padding, stride) -> [N, C, H, W]
// (F.fold, the sum of the patches back in place): ONNX Col2Im, which exists from opset 18. The
// pads are ONNX's begins then ends (torch.onnx's opset-18 symbolic lists them per dim, which
// swaps them when the two paddings differ). An unbatched [C*kh*kw, L] gets a batch dim of 1.
void col2im(ConvertContext& ctx) {
  if (ctx.opset() < 18) throw Unconvertible("col2im (F.fold) needs ONNX Col2Im: export with --opset 18 or higher");
  const auto size = repeat_to(ctx.ints_const(1), 2), k = repeat_to(ctx.ints_const(2), 2);
  const auto dil = repeat_to(ctx.ints_const(3), 2), pad = repeat_to(ctx.ints_const(4), 2);
  const auto stride = repeat_to(ctx.ints_const(5), 2);
  const bool unbatched = ctx.rank(0) == 2;
  const std::string cols = unbatched ? unsqueeze(ctx, ctx.tensor(0), {0}) : ctx.tensor(0);
  auto& n = ctx.add("Col2Im", {cols, ctx.const_i64(size), ctx.const_i64(k)});
  set_ints(n, "dilations", dil);
  set_ints(n, "pads", both_sides(pad));
  set_ints(n, "strides", stride);
  ctx.bind(0, unbatched ? squeeze(ctx, n.output(0), {0}) : n.output(0));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_diagonal, "aten::diagonal", diagonal);
PIU_REGISTER_CONVERTER(aten_as_strided, "aten::as_strided", as_strided);
PIU_REGISTER_CONVERTER(aten_im2col, "aten::im2col", im2col);
PIU_REGISTER_CONVERTER(aten_col2im, "aten::col2im", col2im);

}  // namespace piu::exporter

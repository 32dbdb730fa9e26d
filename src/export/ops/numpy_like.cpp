// NumPy-style shape ops that torch 2.x's torch.onnx converts: atleast_1d/2d/3d, hstack, vstack,
// tile (broadcast_to is expand's converter, src/export/ops/index.cpp).
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// x with dims of size 1 added until its rank is at least `rank`, where NumPy puts them: a 0-d
// tensor becomes [1], [1, 1] or [1, 1, 1]; 1-D [n] becomes [1, n] and [1, n, 1]; 2-D [m, n]
// becomes [m, n, 1].
std::string at_least(ConvertContext& ctx, const std::string& x, int64_t rank, int64_t want) {
  if (rank >= want) return x;
  std::vector<int64_t> axes;
  if (rank == 0) {
    for (int64_t a = 0; a < want; ++a) axes.push_back(a);
  } else if (rank == 1) {
    axes = want == 2 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 2};
  } else {
    axes = {2};
  }
  return unsqueeze(ctx, x, axes);
}

template <int64_t kRank>
void atleast(ConvertContext& ctx) {
  if (ctx.in(0).type != IrType::kTensor) throw Unconvertible("atleast_nd of a list of tensors is not supported yet");
  const int64_t r = ctx.rank(0);
  ctx.bind(0, at_least(ctx, ctx.tensor(0), r, kRank));
  ctx.set_rank(0, std::max(r, kRank));
}

// hstack(tensors) = cat(atleast_1d(t), dim = 1, or 0 for 1-D tensors); vstack = cat(atleast_2d(t), 0).
void stack_along(ConvertContext& ctx, int64_t want) {
  const auto items = ctx.tensor_list(0);
  const auto types = ctx.tensor_list_types(0);
  if (items.empty()) throw Unconvertible("stacking an empty list");
  std::vector<std::string> parts;
  int64_t rank = -1;
  for (const auto& t : items) {
    const auto s = ctx.value_shape(t);
    if (!s) throw Unconvertible("hstack/vstack needs each tensor's rank");
    rank = std::max<int64_t>(static_cast<int64_t>(s->size()), want);
    parts.push_back(at_least(ctx, t, static_cast<int64_t>(s->size()), want));
  }
  auto& n = ctx.add("Concat", parts);
  set_int(n, "axis", want == 1 && rank == 1 ? 0 : want == 1 ? 1 : 0);
  ctx.bind(0, n.output(0), types[0]);
  ctx.set_rank(0, rank);
}
void hstack(ConvertContext& ctx) { stack_along(ctx, 1); }
void vstack(ConvertContext& ctx) { stack_along(ctx, 2); }

// tile(x, dims): repeats per dim; fewer dims than x's rank are padded with leading 1s, more add
// leading dims to x (as repeat does).
void tile(ConvertContext& ctx) {
  const int64_t n = ctx.list_length(1);
  if (n < 0) throw Unconvertible("tile with a computed number of dims");
  const int64_t r = ctx.rank(0);
  std::string x = ctx.tensor(0);
  std::string reps = ctx.int_list(1);
  if (n > r) {
    std::vector<int64_t> axes;
    for (int64_t a = 0; a < n - r; ++a) axes.push_back(a);
    x = unsqueeze(ctx, x, axes);
  } else if (n < r) {
    auto& c = ctx.add("Concat", {ctx.const_i64(std::vector<int64_t>(r - n, 1)), reps});
    set_int(c, "axis", 0);
    reps = c.output(0);
  }
  ctx.bind(0, ctx.emit("Tile", {x, reps}));
  ctx.set_rank(0, std::max(n, r));
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_atleast_1d, "aten::atleast_1d", atleast<1>);
PIU_REGISTER_CONVERTER(aten_atleast_2d, "aten::atleast_2d", atleast<2>);
PIU_REGISTER_CONVERTER(aten_atleast_3d, "aten::atleast_3d", atleast<3>);
PIU_REGISTER_CONVERTER(aten_hstack, "aten::hstack", hstack);
PIU_REGISTER_CONVERTER(aten_vstack, "aten::vstack", vstack);
PIU_REGISTER_CONVERTER(aten_tile, "aten::tile", tile);

}  // namespace piu::exporter

// Recurrent cells run one step at a time: lstm_cell, written out as its gates.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// lstm_cell(x, [h, c], w_ih, w_hh, b_ih, b_hh) -> (h', c'): gates x W_ih^T + b_ih + h W_hh^T + b_hh
// split in PyTorch's order (input, forget, cell, output); c' = f c + i g, h' = o tanh(c').
void lstm_cell(ConvertContext& ctx) {
  const auto hx = ctx.tensor_list(1);
  if (hx.size() != 2) throw Unconvertible("lstm_cell needs (h, c)");
  const auto w_hh = ctx.shape(3);
  if (!w_hh || w_hh->size() != 2 || (*w_hh)[1] < 0) throw Unconvertible("lstm_cell's hidden size is not known");
  const int64_t hidden = (*w_hh)[1];
  const std::string gates =
      ctx.emit("Add", {linear(ctx, ctx.tensor(0), ctx.tensor(2), ctx.is_none(4) ? "" : ctx.tensor(4)),
                       linear(ctx, hx[0], ctx.tensor(3), ctx.is_none(5) ? "" : ctx.tensor(5))});
  auto gate = [&](int64_t k) {
    return ctx.emit("Slice",
                    {gates, ctx.const_i64({k * hidden}), ctx.const_i64({(k + 1) * hidden}), ctx.const_i64({-1})});
  };
  const std::string i = ctx.emit("Sigmoid", {gate(0)}), f = ctx.emit("Sigmoid", {gate(1)});
  const std::string g = ctx.emit("Tanh", {gate(2)}), o = ctx.emit("Sigmoid", {gate(3)});
  const std::string c = ctx.emit("Add", {ctx.emit("Mul", {f, hx[1]}), ctx.emit("Mul", {i, g})});
  ctx.bind(0, ctx.emit("Mul", {o, ctx.emit("Tanh", {c})}));
  ctx.bind(1, c);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_lstm_cell, "aten::lstm_cell", lstm_cell);

}  // namespace piu::exporter

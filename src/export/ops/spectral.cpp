// Spectral ops: aten::stft with real output (return_complex=False: [..., n_fft/2+1, frames, 2]) ->
// ONNX STFT (opset 17). Complex tensors have no ONNX type, so return_complex=True is refused.
#include <cmath>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// stft(x, n_fft, hop_length, win_length, window, normalized, onesided, return_complex), and the
// overload with center and pad_mode after window (torch 2.x records it when center is given).
void stft(ConvertContext& ctx) {
  if (ctx.opset() < 17) throw Unconvertible("stft needs opset 17 (STFT)");
  const bool with_center = ctx.num_inputs() >= 10;
  const size_t normalized_i = with_center ? 7 : 5, onesided_i = normalized_i + 1, complex_i = normalized_i + 2;
  if (ctx.is_none(complex_i) || ctx.bool_const(complex_i))
    throw Unconvertible("stft with complex output (return_complex=True): ONNX has no complex tensors; "
                        "use return_complex=False (a trailing dim of 2)");
  const int64_t n_fft = ctx.int_const(1);
  const int64_t hop = ctx.is_none(2) ? n_fft / 4 : ctx.int_const(2);
  const int64_t win_length = ctx.is_none(3) ? n_fft : ctx.int_const(3);
  if (win_length > n_fft) throw Unconvertible("stft with win_length > n_fft");
  const int32_t type = ctx.elem_type(0);
  const int64_t rank = ctx.rank(0);
  if (rank != 1 && rank != 2) throw Unconvertible("stft of a tensor of rank other than 1 or 2");
  std::string x = rank == 1 ? unsqueeze(ctx, ctx.tensor(0), {0}) : ctx.tensor(0);
  if (with_center && ctx.bool_const(5)) {  // center: pad n_fft/2 on both sides
    const std::string mode = ctx.in(6).str ? *ctx.in(6).str : "reflect";
    if (mode != "reflect" && mode != "constant") throw Unconvertible("stft with pad_mode '" + mode + "'");
    auto& pad = ctx.add("Pad", {x, ctx.const_i64({0, n_fft / 2, 0, n_fft / 2})});
    auto* a = pad.add_attribute();
    a->set_name("mode");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(mode);
    x = pad.output(0);
  }
  // The window (rectangular when None) of win_length, centered in n_fft.
  std::string window;
  if (!ctx.is_none(4)) {
    window = ctx.tensor(4);
  } else {
    window = ctx.const_tensor(filled(type, Shape{win_length}, 1.0), "window");
  }
  if (win_length < n_fft) {
    const int64_t left = (n_fft - win_length) / 2;
    window = ctx.emit("Pad", {window, ctx.const_i64({left, n_fft - win_length - left})});
  }
  auto& n = ctx.add("STFT", {unsqueeze(ctx, x, {-1}), ctx.const_i64({hop}, true), window, ctx.const_i64({n_fft}, true)});
  set_int(n, "onesided", ctx.is_none(onesided_i) || ctx.bool_const(onesided_i) ? 1 : 0);
  std::string y = transpose(ctx, n.output(0), {0, 2, 1, 3});  // [batch, frames, bins, 2] -> [batch, bins, frames, 2]
  if (ctx.bool_const(normalized_i)) {
    y = ctx.emit("Mul", {y, ctx.const_scalar(1.0 / std::sqrt(static_cast<double>(n_fft)), type, "norm")});
  }
  if (rank == 1) y = squeeze(ctx, y, {0});
  ctx.bind(0, y, type);
  ctx.set_rank(0, rank + 2);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_stft, "aten::stft", stft);

}  // namespace piu::exporter

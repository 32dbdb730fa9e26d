// Packed sequences (nn.utils.rnn.pack_padded_sequence / pad_packed_sequence around an RNN,
// lengths sorted longest first as enforce_sorted=True asks): piu holds the packed pair as the
// padded input, time-major, and PyTorch's batch_sizes (how many sequences are longer than each
// step), so that batch_sizes.size(0), which the traced graph reads, is the longest length. The
// recurrent converters (rnn.cpp) pass the lengths to ONNX as sequence_lens: outputs past a
// sequence's end are zero and the last state is the state at its end, as in PyTorch.
#include "export/converter.hpp"

namespace piu::exporter {

namespace {

using onnx::TensorProto;

std::string range_to(ConvertContext& ctx, const std::string& end) {
  return ctx.emit("Range", {ctx.const_i64({0}, true), end, ctx.const_i64({1}, true)});
}

// batch_sizes[t] = how many lengths exceed t, for t below the longest length.
std::string batch_sizes_of(ConvertContext& ctx, const std::string& lengths) {
  auto& longest = ctx.add("ReduceMax", {lengths});
  set_int(longest, "keepdims", 0);
  const std::string t = unsqueeze(ctx, range_to(ctx, longest.output(0)), {1});
  const std::string longer = cast(ctx, ctx.emit("Less", {t, unsqueeze(ctx, lengths, {0})}), TensorProto::INT64);
  return reduce(ctx, "ReduceSum", longer, {1}, false).output(0);
}

// _pack_padded_sequence(input, lengths, batch_first) -> (data, batch_sizes)
void pack_padded_sequence(ConvertContext& ctx) {
  std::string x = ctx.tensor(0);
  if (ctx.bool_const(2)) x = transpose(ctx, x, {1, 0, 2});
  ctx.bind(0, x, ctx.elem_type(0));
  ctx.set_rank(0, 3);
  ctx.bind(1, batch_sizes_of(ctx, cast(ctx, ctx.tensor(1), TensorProto::INT64, ctx.elem_type(1))), TensorProto::INT64);
  ctx.set_rank(1, 1);
}

// _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length) -> (padded,
// lengths): total_length steps (PyTorch passes the longest length when none is asked for),
// padding_value past each sequence's end.
void pad_packed_sequence(ConvertContext& ctx) {
  const std::string data = ctx.tensor(0);
  const std::string lengths = packed_lengths(ctx, ctx.tensor(1), data);
  const std::string steps = unsqueeze(ctx, ctx.int_scalar(4), {0});
  const std::string value = ctx.tensor(3, 0);
  std::string y = ctx.emit("Slice", {data, ctx.const_i64({0}), steps, ctx.const_i64({0})});
  // pads [begin T, B, F, end T, B, F]: the time dim up to total_length
  auto& have = ctx.add("Gather", {ctx.emit("Shape", {y}), ctx.const_i64({0})});
  set_int(have, "axis", 0);
  auto& pads =
      ctx.add("Concat", {ctx.const_i64({0, 0, 0}), ctx.emit("Sub", {steps, have.output(0)}), ctx.const_i64({0, 0})});
  set_int(pads, "axis", 0);
  y = ctx.emit("Pad", {y, pads.output(0), value});
  // step t of sequence b is padding when t >= lengths[b]: a mask [T, B, 1]
  const std::string t = unsqueeze(ctx, range_to(ctx, squeeze(ctx, steps, {0})), {1});
  const std::string past = ctx.emit("Not", {ctx.emit("Less", {t, unsqueeze(ctx, lengths, {0})})});
  y = ctx.emit("Where", {unsqueeze(ctx, past, {2}), value, y});
  if (ctx.bool_const(2)) y = transpose(ctx, y, {1, 0, 2});
  ctx.bind(0, y, ctx.elem_type(0));
  ctx.set_rank(0, 3);
  ctx.bind(1, lengths, TensorProto::INT64);
}

}  // namespace

std::string packed_lengths(ConvertContext& ctx, const std::string& batch_sizes, const std::string& data) {
  auto& batch = ctx.add("Gather", {ctx.emit("Shape", {data}), ctx.const_i64({1}, true)});
  set_int(batch, "axis", 0);
  const std::string b = unsqueeze(ctx, range_to(ctx, batch.output(0)), {0});
  const std::string covers = cast(ctx, ctx.emit("Less", {b, unsqueeze(ctx, batch_sizes, {1})}), TensorProto::INT64);
  return reduce(ctx, "ReduceSum", covers, {0}, false).output(0);
}

PIU_REGISTER_CONVERTER(aten__pack_padded_sequence, "aten::_pack_padded_sequence", pack_padded_sequence);
PIU_REGISTER_CONVERTER(aten__pad_packed_sequence, "aten::_pad_packed_sequence", pad_packed_sequence);

}  // namespace piu::exporter

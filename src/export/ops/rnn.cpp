// Recurrent layers: aten::lstm, aten::gru, aten::rnn_tanh, aten::rnn_relu -> one ONNX LSTM / GRU /
// RNN node per layer (both directions in one node), gates reordered from PyTorch's layout to
// ONNX's, outputs laid out as PyTorch's ([seq, batch, dirs * hidden], batch first if asked).
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

struct RnnKind {
  const char* op;
  int64_t gates;
  std::vector<int64_t> order;  // ONNX gate k is PyTorch gate order[k]
  const char* activation;      // for RNN only
};
// PyTorch LSTM gates are (input, forget, cell, output), ONNX's (input, output, forget, cell);
// PyTorch GRU gates (reset, update, new), ONNX's (update, reset, hidden).
const RnnKind kLstm{"LSTM", 4, {0, 3, 1, 2}, nullptr};
const RnnKind kGru{"GRU", 3, {1, 0, 2}, nullptr};
const RnnKind kRnnTanh{"RNN", 1, {0}, "Tanh"};
const RnnKind kRnnRelu{"RNN", 1, {0}, "Relu"};

// A PyTorch weight/bias stacked by gate along dim 0, rearranged to ONNX's gate order (folded into a
// constant when the weight is one).
std::string reorder(ConvertContext& ctx, const RnnKind& kind, const std::string& w, int64_t hidden) {
  if (kind.gates == 1) return w;
  std::vector<std::string> inputs = {w};
  if (ctx.opset() >= 13) inputs.push_back(ctx.const_i64(std::vector<int64_t>(kind.gates, hidden)));
  auto& split = ctx.add("Split", inputs, static_cast<size_t>(kind.gates), "gate");
  set_int(split, "axis", 0);
  if (ctx.opset() < 13) set_ints(split, "split", std::vector<int64_t>(kind.gates, hidden));
  std::vector<std::string> parts;
  for (int64_t g : kind.order) parts.push_back(split.output(static_cast<int>(g)));
  auto& c = ctx.add("Concat", parts, 1, "gates");
  set_int(c, "axis", 0);
  return c.output(0);
}

std::string stack_dirs(ConvertContext& ctx, const std::vector<std::string>& per_dir) {
  std::vector<std::string> items;
  for (const auto& v : per_dir) items.push_back(unsqueeze(ctx, v, {0}));
  if (items.size() == 1) return items[0];
  auto& c = ctx.add("Concat", items);
  set_int(c, "axis", 0);
  return c.output(0);
}

std::string rows(ConvertContext& ctx, const std::string& v, int64_t from, int64_t to) {
  return ctx.emit("Slice", {v, ctx.const_i64({from}), ctx.const_i64({to}), ctx.const_i64({0})});
}

// lstm(input, hx[h0, c0], params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
// gru / rnn_*(input, h0, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
// The packed-sequence overloads (lstm.data, gru.data, ...) take (data, batch_sizes, hx, params, ...,
// bidirectional): piu holds a packed pair as the padded time-major tensor and batch_sizes
// (src/export/ops/packed.cpp), and the lengths become the ONNX op's sequence_lens.
void recurrent(ConvertContext& ctx, const RnnKind& kind) {
  const bool lstm = kind.gates == 4;
  const size_t p = ctx.num_inputs() > 3 && ctx.in(3).type == IrType::kTensorList ? 1 : 0;  // packed
  const bool has_biases = ctx.bool_const(3 + p);
  const int64_t layers = ctx.int_const(4 + p);
  if (ctx.bool_const(6 + p))
    throw Unconvertible("a recurrent layer in training mode cannot be exported; call model.eval()");
  const int64_t dirs = ctx.bool_const(7 + p) ? 2 : 1;
  const bool batch_first = !p && ctx.bool_const(8);
  const std::string lengths = p ? cast(ctx, packed_lengths(ctx, ctx.tensor(1), ctx.tensor(0)), onnx::TensorProto::INT32,
                                       onnx::TensorProto::INT64)
                                : "";
  const auto params = ctx.tensor_list(2 + p);
  const size_t per = has_biases ? 4 : 2;
  if (params.size() != static_cast<size_t>(layers * dirs) * per)
    throw Unconvertible("recurrent layers with projections (proj_size) are not supported yet");
  if (ctx.rank(0) != 3) throw Unconvertible("an unbatched (2-D) recurrent input is not supported yet");
  const auto whh_shape = ctx.value_shape(params[1]);
  if (!whh_shape || whh_shape->size() != 2 || (*whh_shape)[1] < 0)
    throw Unconvertible("the hidden size is not known (weights computed at run time)");
  const int64_t hidden = (*whh_shape)[1];

  std::string h0, c0;
  if (lstm) {
    const auto hx = ctx.tensor_list(1 + p);
    h0 = hx.at(0);
    c0 = hx.at(1);
  } else if (!ctx.is_none(1 + p)) {
    h0 = ctx.tensor(1 + p);
  }
  std::string x = ctx.tensor(0);
  if (batch_first) x = transpose(ctx, x, {1, 0, 2});
  std::vector<std::string> last_h, last_c;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<std::string> w, r, b;
    for (int64_t d = 0; d < dirs; ++d) {
      const size_t at = static_cast<size_t>(l * dirs + d) * per;
      w.push_back(reorder(ctx, kind, params[at], hidden));
      r.push_back(reorder(ctx, kind, params[at + 1], hidden));
      if (has_biases) {
        auto& c = ctx.add("Concat", {reorder(ctx, kind, params[at + 2], hidden), reorder(ctx, kind, params[at + 3], hidden)});
        set_int(c, "axis", 0);
        b.push_back(c.output(0));
      }
    }
    std::vector<std::string> inputs = {x, stack_dirs(ctx, w), stack_dirs(ctx, r), has_biases ? stack_dirs(ctx, b) : "",
                                       lengths};
    inputs.push_back(h0.empty() ? "" : rows(ctx, h0, l * dirs, (l + 1) * dirs));
    if (lstm) inputs.push_back(rows(ctx, c0, l * dirs, (l + 1) * dirs));
    while (inputs.back().empty()) inputs.pop_back();
    auto& n = ctx.add(kind.op, inputs, lstm ? 3 : 2);
    set_int(n, "hidden_size", hidden);
    auto* dir = n.add_attribute();
    dir->set_name("direction");
    dir->set_type(onnx::AttributeProto::STRING);
    dir->set_s(dirs == 2 ? "bidirectional" : "forward");
    if (kind.gates == 3) set_int(n, "linear_before_reset", 1);
    if (kind.activation) {
      auto* a = n.add_attribute();
      a->set_name("activations");
      a->set_type(onnx::AttributeProto::STRINGS);
      for (int64_t d = 0; d < dirs; ++d) a->add_strings(kind.activation);
    }
    // Y [seq, dirs, batch, hidden] -> [seq, batch, dirs * hidden]
    x = ctx.emit("Reshape", {transpose(ctx, n.output(0), {0, 2, 1, 3}), ctx.const_i64({0, 0, -1})});
    last_h.push_back(n.output(1));
    if (lstm) last_c.push_back(n.output(2));
  }
  if (batch_first) x = transpose(ctx, x, {1, 0, 2});
  ctx.bind(0, x, ctx.elem_type(0));
  ctx.set_rank(0, 3);
  auto concat = [&](const std::vector<std::string>& parts) {
    if (parts.size() == 1) return parts[0];
    auto& c = ctx.add("Concat", parts);
    set_int(c, "axis", 0);
    return c.output(0);
  };
  if (ctx.node().outputs.size() > 1) ctx.bind(1, concat(last_h), ctx.elem_type(0));
  if (lstm && ctx.node().outputs.size() > 2) ctx.bind(2, concat(last_c), ctx.elem_type(0));
}

void lstm(ConvertContext& ctx) { recurrent(ctx, kLstm); }
void gru(ConvertContext& ctx) { recurrent(ctx, kGru); }
void rnn_tanh(ConvertContext& ctx) { recurrent(ctx, kRnnTanh); }
void rnn_relu(ConvertContext& ctx) { recurrent(ctx, kRnnRelu); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_lstm, "aten::lstm", lstm);
PIU_REGISTER_CONVERTER(aten_gru, "aten::gru", gru);
PIU_REGISTER_CONVERTER(aten_rnn_tanh, "aten::rnn_tanh", rnn_tanh);
PIU_REGISTER_CONVERTER(aten_rnn_relu, "aten::rnn_relu", rnn_relu);

}  // namespace piu::exporter

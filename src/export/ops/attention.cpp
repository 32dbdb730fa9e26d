// Attention: scaled_dot_product_attention, the fused multi-head attention and transformer encoder
// layer that nn.MultiheadAttention / nn.TransformerEncoderLayer run in eval mode
// (_native_multi_head_attention, _transformer_encoder_layer_fwd), and baddbmm (the unfused path).
// All become MatMul / Softmax graphs that keep batch and sequence length dynamic.
#include <cmath>
#include <limits>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// dims [from, to) of value's shape as a 1-D int64 value.
std::string dims_of(ConvertContext& ctx, const std::string& value, int64_t from, int64_t to) {
  return ctx.emit("Slice", {ctx.emit("Shape", {value}), ctx.const_i64({from}), ctx.const_i64({to}), ctx.const_i64({0})});
}

// A boolean mask as an additive one: where `masked_when` is the mask's value for "left out", -inf.
std::string additive(ConvertContext& ctx, const std::string& mask, bool masked_when, int32_t type) {
  const std::string zero = ctx.const_scalar(0, type, "zero"), ninf = ctx.const_scalar(kNegInf, type, "neg_inf");
  return ctx.emit("Where", masked_when ? std::vector<std::string>{mask, ninf, zero} : std::vector<std::string>{mask, zero, ninf});
}

struct Attention {
  std::string mask;  // additive, broadcast against [..., L, S]; "" for none
  bool causal = false;
  std::optional<double> scale;  // default 1/sqrt(E)
};

// softmax(q k^T * scale + mask) v for q [..., L, E], k [..., S, E], v [..., S, Ev]; `probs`
// receives the attention weights.
std::string attend(ConvertContext& ctx, const std::string& q, const std::string& k, const std::string& v, int64_t rank,
                   int32_t type, const Attention& a, std::string* probs = nullptr) {
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d) perm.push_back(d);
  std::swap(perm[rank - 1], perm[rank - 2]);
  std::string scores = ctx.emit("MatMul", {q, transpose(ctx, k, perm)});
  std::string scale;
  if (a.scale) {
    scale = ctx.const_scalar(*a.scale, type, "scale");
  } else if (auto s = ctx.value_shape(q); s && !s->empty() && s->back() > 0) {
    scale = ctx.const_scalar(1.0 / std::sqrt(static_cast<double>(s->back())), type, "scale");
  } else {  // the head size is only known at run time
    const std::string e = cast(ctx, dims_of(ctx, q, -1, INT64_MAX), type, onnx::TensorProto::INT64);
    scale = ctx.emit("Reciprocal", {ctx.emit("Sqrt", {e})});
  }
  scores = ctx.emit("Mul", {scores, scale});
  if (!a.mask.empty()) scores = ctx.emit("Add", {scores, a.mask});
  if (a.causal) {  // key j is seen by query i when j <= i
    auto len = [&](const std::string& t) {
      auto& g = ctx.add("Gather", {ctx.emit("Shape", {t}), ctx.const_i64({rank - 2}, true)});
      set_int(g, "axis", 0);
      return g.output(0);
    };
    const std::string zero = ctx.const_i64({0}, true), one = ctx.const_i64({1}, true);
    const std::string i = unsqueeze(ctx, ctx.emit("Range", {zero, len(q), one}), {1});
    const std::string j = ctx.emit("Range", {zero, len(k), one});
    scores = ctx.emit("Add", {scores, additive(ctx, ctx.emit("Greater", {j, i}), true, type)});
  }
  auto& sm = ctx.add("Softmax", {scores});
  set_int(sm, "axis", ctx.opset() >= 13 ? -1 : rank - 1);
  if (probs) *probs = sm.output(0);
  return ctx.emit("MatMul", {sm.output(0), v});
}

// scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale, enable_gqa): a
// boolean mask marks the keys that take part.
void sdpa(ConvertContext& ctx) {
  Attention a;
  const int32_t type = ctx.elem_type(0);
  if (!ctx.is_none(3))
    a.mask = ctx.elem_type(3) == onnx::TensorProto::BOOL ? additive(ctx, ctx.tensor(3), false, type) : ctx.tensor(3);
  a.causal = ctx.num_inputs() > 5 && ctx.bool_const(5);
  if (ctx.num_inputs() > 6 && !ctx.is_none(6)) a.scale = ctx.float_const(6);
  if (ctx.num_inputs() > 7 && ctx.bool_const(7)) throw Unconvertible("grouped-query attention (enable_gqa) is not supported yet");
  ctx.bind(0, attend(ctx, ctx.tensor(0), ctx.tensor(1), ctx.tensor(2), ctx.rank(0), type, a), type);
}

// Multi-head self/cross attention over [B, L, E] inputs with packed in-projection weights
// [3E, E] (q, k, v rows) and an out-projection; `mask` is PyTorch's (true = left out), of type
// 0 ([L, S] attention mask) or 1 ([B, S] key padding mask).
std::string multi_head(ConvertContext& ctx, const std::string& query, const std::string& key, const std::string& value,
                       int64_t embed, int64_t heads, const std::string& w_qkv, const std::string& b_qkv,
                       const std::string& w_out, const std::string& b_out, size_t mask_i, size_t mask_type_i,
                       int32_t type, std::string* probs) {
  if (embed % heads != 0) throw Unconvertible("embed_dim is not a multiple of num_heads");
  const int64_t head = embed / heads;
  auto project = [&](const std::string& x, int64_t part) {
    const std::string w = ctx.emit("Slice", {w_qkv, ctx.const_i64({part * embed}), ctx.const_i64({(part + 1) * embed}),
                                             ctx.const_i64({0})});
    const std::string b = b_qkv.empty() ? "" : ctx.emit("Slice", {b_qkv, ctx.const_i64({part * embed}),
                                                                  ctx.const_i64({(part + 1) * embed}), ctx.const_i64({0})});
    // [B, L, E] -> [B, L, H, D] -> [B, H, L, D]
    return transpose(ctx, ctx.emit("Reshape", {linear(ctx, x, w, b), ctx.const_i64({0, 0, heads, head})}), {0, 2, 1, 3});
  };
  Attention a;
  if (!ctx.is_none(mask_i)) {
    std::string m = ctx.elem_type(mask_i) == onnx::TensorProto::BOOL ? additive(ctx, ctx.tensor(mask_i), true, type)
                                                                      : ctx.tensor(mask_i);
    const int64_t mask_type = ctx.is_none(mask_type_i) ? (ctx.rank(mask_i) == 2 ? 0 : -1) : ctx.int_const(mask_type_i);
    if (mask_type == 1) m = unsqueeze(ctx, m, {1, 2});  // [B, S] -> [B, 1, 1, S]
    a.mask = m;
  }
  std::string p;
  const std::string y = attend(ctx, project(query, 0), project(key, 1), project(value, 2), 4, type, a, &p);
  if (probs) *probs = p;
  const std::string merged = ctx.emit("Reshape", {transpose(ctx, y, {0, 2, 1, 3}), ctx.const_i64({0, 0, embed})});
  return linear(ctx, merged, w_out, b_out);
}

// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
// proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type) -> (out, weights)
void native_mha(ConvertContext& ctx) {
  const int32_t type = ctx.elem_type(0);
  std::string probs;
  const std::string y = multi_head(ctx, ctx.tensor(0), ctx.tensor(1), ctx.tensor(2), ctx.int_const(3), ctx.int_const(4),
                                   ctx.tensor(5), ctx.is_none(6) ? "" : ctx.tensor(6), ctx.tensor(7),
                                   ctx.is_none(8) ? "" : ctx.tensor(8), 9, 12, type, &probs);
  ctx.bind(0, y, type);
  const bool need_weights = ctx.num_inputs() > 10 && ctx.bool_const(10);
  const bool average = ctx.num_inputs() > 11 && ctx.bool_const(11);
  if (need_weights && ctx.node().outputs.size() > 1)
    ctx.bind(1, average ? reduce(ctx, "ReduceMean", probs, {1}, false).output(0) : probs, type);
}

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
// proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2,
// ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type): one encoder layer, post-norm
// (x = norm1(x + attn(x)); x = norm2(x + ffn(x))) or pre-norm.
void encoder_layer(ConvertContext& ctx) {
  const int32_t type = ctx.elem_type(0);
  const int64_t embed = ctx.int_const(1), heads = ctx.int_const(2);
  const bool gelu = ctx.bool_const(7), norm_first = ctx.bool_const(8);
  const float eps = static_cast<float>(ctx.float_const(9));
  auto norm = [&](const std::string& x, size_t w) { return layer_norm(ctx, x, 1, ctx.tensor(w), ctx.tensor(w + 1), eps, type); };
  auto attention = [&](const std::string& x) {
    return multi_head(ctx, x, x, x, embed, heads, ctx.tensor(3), ctx.tensor(4), ctx.tensor(5), ctx.tensor(6), 18, 19, type,
                      nullptr);
  };
  auto ffn = [&](const std::string& x) {
    std::string h = linear(ctx, x, ctx.tensor(14), ctx.tensor(15));
    if (gelu) {  // exact gelu: x * 0.5 * (1 + erf(x / sqrt(2)))
      const std::string e = ctx.emit("Erf", {ctx.emit("Div", {h, ctx.const_scalar(std::sqrt(2.0), type, "sqrt2")})});
      h = ctx.emit("Mul", {ctx.emit("Mul", {h, ctx.const_scalar(0.5, type, "half")}),
                           ctx.emit("Add", {e, ctx.const_scalar(1, type, "one")})});
    } else {
      h = ctx.emit("Relu", {h});
    }
    return linear(ctx, h, ctx.tensor(16), ctx.tensor(17));
  };
  std::string x = ctx.tensor(0);
  if (norm_first) {
    x = ctx.emit("Add", {x, attention(norm(x, 10))});
    x = ctx.emit("Add", {x, ffn(norm(x, 12))});
  } else {
    x = norm(ctx.emit("Add", {x, attention(x)}), 10);
    x = norm(ctx.emit("Add", {x, ffn(x)}), 12);
  }
  ctx.bind(0, x, type);
  ctx.set_rank(0, 3);
}

// baddbmm(self, b1, b2, beta, alpha) = beta * self + alpha * b1 @ b2
void baddbmm(ConvertContext& ctx) {
  const int32_t type = ctx.elem_type(1);
  const double beta = ctx.num_inputs() > 3 ? ctx.float_const(3) : 1, alpha = ctx.num_inputs() > 4 ? ctx.float_const(4) : 1;
  std::string prod = ctx.emit("MatMul", {ctx.tensor(1), ctx.tensor(2)});
  if (alpha != 1) prod = ctx.emit("Mul", {prod, ctx.const_scalar(alpha, type, "alpha")});
  if (beta == 0) return ctx.bind(0, prod, type);
  std::string self = ctx.tensor(0, 1);
  if (beta != 1) self = ctx.emit("Mul", {self, ctx.const_scalar(beta, type, "beta")});
  ctx.bind(0, ctx.emit("Add", {self, prod}), type);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_sdpa, "aten::scaled_dot_product_attention", sdpa);
PIU_REGISTER_CONVERTER(aten_native_mha, "aten::_native_multi_head_attention", native_mha);
PIU_REGISTER_CONVERTER(aten_encoder_layer, "aten::_transformer_encoder_layer_fwd", encoder_layer);
PIU_REGISTER_CONVERTER(aten_baddbmm, "aten::baddbmm", baddbmm);

}  // namespace piu::exporter

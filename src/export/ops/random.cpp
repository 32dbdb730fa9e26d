// Random tensors: rand/randn (sizes), rand_like/randn_like, randint/randint_like, normal, multinomial. ONNX draws its
// own numbers, so only their distribution and shape match PyTorch's.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// RandomUniformLike / RandomNormalLike over `like` (its shape), of element type `type`.
std::string random_like(ConvertContext& ctx, const std::string& op, const std::string& like, int32_t type) {
  auto& n = ctx.add(op, {like});
  set_int(n, "dtype", type);
  return n.output(0);
}

// rand/randn(size, dtype, ...) and (size, generator, dtype, ...).
void from_size(ConvertContext& ctx, const std::string& op) {
  const size_t dtype_i = ctx.num_inputs() > 5 ? 2 : 1;
  const int32_t type = dtype_arg(ctx, dtype_i, onnx::TensorProto::FLOAT);
  ctx.bind(0, random_like(ctx, op, fill(ctx, ctx.int_list(0), 0, type), type), type);
  ctx.set_rank(0, ctx.list_length(0));
}
void rand(ConvertContext& ctx) { from_size(ctx, "RandomUniformLike"); }
void randn(ConvertContext& ctx) { from_size(ctx, "RandomNormalLike"); }

// rand_like/randn_like(self, dtype, ...)
void like(ConvertContext& ctx, const std::string& op) {
  const int32_t type = dtype_arg(ctx, 1, ctx.elem_type(0));
  ctx.bind(0, random_like(ctx, op, ctx.tensor(0), type), type);
}
void rand_like(ConvertContext& ctx) { like(ctx, "RandomUniformLike"); }
void randn_like(ConvertContext& ctx) { like(ctx, "RandomNormalLike"); }

// low + floor(U[0, 1) * (high - low)) as `type` (int64 unless stated), U the shape of `like`.
void uniform_ints(ConvertContext& ctx, const std::string& like, size_t low_i, size_t high_i, int32_t type) {
  const double low = low_i == SIZE_MAX ? 0.0 : ctx.float_const(low_i), high = ctx.float_const(high_i);
  if (high <= low) throw Unconvertible("randint with high <= low");
  const std::string u = random_like(ctx, "RandomUniformLike", like, onnx::TensorProto::DOUBLE);
  const std::string scaled = ctx.emit(
      "Floor", {ctx.emit("Mul", {u, ctx.const_scalar(high - low, onnx::TensorProto::DOUBLE, "range")})});
  const std::string shifted = ctx.emit("Add", {scaled, ctx.const_scalar(low, onnx::TensorProto::DOUBLE, "low")});
  ctx.bind(0, cast(ctx, shifted, type, onnx::TensorProto::DOUBLE), type);
}

// randint(high, size, dtype, ...) and randint(low, high, size, dtype, ...): which one is told by
// whether argument 1 is a list (the size).
void randint(ConvertContext& ctx) {
  const bool with_low = ctx.in(1).type == IrType::kInt;
  const size_t size_i = with_low ? 2 : 1;
  const int32_t type = dtype_arg(ctx, size_i + 1, onnx::TensorProto::INT64);
  uniform_ints(ctx, fill(ctx, ctx.int_list(size_i), 0, onnx::TensorProto::DOUBLE), with_low ? 0 : SIZE_MAX,
               with_low ? 1 : 0, type);
  ctx.set_rank(0, ctx.list_length(size_i));
}

// randint_like(self, high, dtype, ...) and randint_like(self, low, high, dtype, ...).
void randint_like(ConvertContext& ctx) {
  const bool with_low = ctx.num_inputs() >= 8;  // (self, low, high, dtype, layout, device, pin, format)
  const int32_t type = dtype_arg(ctx, with_low ? 3 : 2, ctx.elem_type(0));
  uniform_ints(ctx, ctx.tensor(0), with_low ? 1 : SIZE_MAX, with_low ? 2 : 1, type);
}

// normal(mean, std, generator) with either a tensor, and normal(mean, std, size, ...) of floats:
// mean + std * N(0, 1) in the broadcast shape.
void normal(ConvertContext& ctx) {
  const bool mean_t = ctx.in(0).type == IrType::kTensor, std_t = ctx.in(1).type == IrType::kTensor;
  int32_t type = mean_t ? ctx.elem_type(0) : std_t ? ctx.elem_type(1) : onnx::TensorProto::FLOAT;
  std::string shape_of;
  if (!mean_t && !std_t) {
    type = dtype_arg(ctx, 4, type);
    shape_of = fill(ctx, ctx.int_list(2), 0, type);
  }
  const std::string mean = ctx.tensor(0, mean_t ? -1 : std_t ? 1 : -1);
  const std::string scale = ctx.tensor(1, std_t ? -1 : mean_t ? 0 : -1);
  if (shape_of.empty()) shape_of = mean_t && std_t ? ctx.emit("Add", {mean, scale}) : mean_t ? mean : scale;
  const std::string z = random_like(ctx, "RandomNormalLike", shape_of, type);
  ctx.bind(0,
           ctx.emit("Add", {ctx.emit("Mul", {z, cast(ctx, scale, type, std_t ? ctx.elem_type(1) : type)}),
                            cast(ctx, mean, type, mean_t ? ctx.elem_type(0) : type)}),
           type);
}

// multinomial(probs, num_samples, replacement, generator): Multinomial over log-probabilities
// (with replacement, or a single sample); a 1-D input is a batch of one.
void multinomial(ConvertContext& ctx) {
  const int64_t samples = ctx.int_const(1);
  if (samples > 1 && !ctx.bool_const(2)) throw Unconvertible("multinomial without replacement of several samples");
  const bool vector = ctx.rank(0) == 1;
  std::string logits = ctx.emit("Log", {ctx.tensor(0)});
  if (vector) logits = unsqueeze(ctx, logits, {0});
  auto& n = ctx.add("Multinomial", {logits});
  set_int(n, "sample_size", samples);
  set_int(n, "dtype", onnx::TensorProto::INT64);
  ctx.bind(0, vector ? squeeze(ctx, n.output(0), {0}) : n.output(0), onnx::TensorProto::INT64);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_rand, "aten::rand", rand);
PIU_REGISTER_CONVERTER(aten_randn, "aten::randn", randn);
PIU_REGISTER_CONVERTER(aten_rand_like, "aten::rand_like", rand_like);
PIU_REGISTER_CONVERTER(aten_randn_like, "aten::randn_like", randn_like);
PIU_REGISTER_CONVERTER(aten_normal, "aten::normal", normal);
PIU_REGISTER_CONVERTER(aten_randint, "aten::randint", randint);
PIU_REGISTER_CONVERTER(aten_randint_like, "aten::randint_like", randint_like);
PIU_REGISTER_CONVERTER(aten_multinomial, "aten::multinomial", multinomial);

}  // namespace piu::exporter

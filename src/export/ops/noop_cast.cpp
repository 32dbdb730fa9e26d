// Ops that are identities, casts or constants at inference: the _cast_<Type> family, as_tensor,
// conj on real tensors, alias, dropout variants in eval mode, is_floating_point / is_pinned,
// item, _shape_as_tensor, _reshape_from_tensor, _dim_arange.
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// alpha_dropout(x, p, train) and the feature_ / in-place variants: identities in eval mode.
void dropout(ConvertContext& ctx) {
  if (ctx.num_inputs() > 2 && ctx.bool_const(2)) throw Unconvertible("dropout in training mode (train=True)");
  ctx.forward(0, 0);
}

// _cast_<Type>(x, non_blocking)
template <int32_t Type>
void cast_to(ConvertContext& ctx) {
  ctx.bind(0, cast(ctx, ctx.tensor(0), Type, ctx.elem_type(0)), Type);
}
using onnx::TensorProto;

// as_tensor(data, dtype, device): a cast when dtype is given.
void as_tensor(ConvertContext& ctx) {
  const int32_t type = dtype_arg(ctx, 1, ctx.elem_type(0));
  ctx.bind(0, cast(ctx, ctx.tensor(0), type, ctx.elem_type(0)), type);
}

void is_floating_point(ConvertContext& ctx) {
  const int32_t t = ctx.elem_type(0);
  ctx.bind_ints(0, {t == TensorProto::FLOAT || t == TensorProto::DOUBLE || t == TensorProto::FLOAT16 ||
                    t == TensorProto::BFLOAT16});
}
// Exported models run wherever the runtime puts them: never pinned.
void is_pinned(ConvertContext& ctx) { ctx.bind_ints(0, {0}); }

void shape_as_tensor(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Shape", {ctx.tensor(0)}), TensorProto::INT64); }

// _reshape_from_tensor(x, shape): Reshape with a 1-D int64 shape tensor.
void reshape_from_tensor(ConvertContext& ctx) {
  ctx.bind(0, ctx.emit("Reshape", {ctx.tensor(0), cast(ctx, ctx.tensor(1), TensorProto::INT64, ctx.elem_type(1))}));
}

// item(x): the one element as the 0-d tensor that stands for a number.
void item(ConvertContext& ctx) { ctx.bind(0, ctx.emit("Reshape", {ctx.tensor(0), ctx.const_i64({})})); }

// _dim_arange(like, dim) = arange(like.size(dim))
void dim_arange(ConvertContext& ctx) {
  auto& g = ctx.add("Gather", {ctx.emit("Shape", {ctx.tensor(0)}), ctx.const_i64({ctx.int_const(1)}, true)});
  set_int(g, "axis", 0);
  ctx.bind(0, ctx.emit("Range", {ctx.const_i64({0}, true), g.output(0), ctx.const_i64({1}, true)}), TensorProto::INT64);
  ctx.set_rank(0, 1);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_alias, "aten::alias", convert_identity);
// conj on real tensors (complex ones are not exported; aten::_conj asserts on real ones).
PIU_REGISTER_CONVERTER(aten_conj, "aten::conj", convert_identity);
PIU_REGISTER_CONVERTER(aten_conj_physical, "aten::conj_physical", convert_identity);
PIU_REGISTER_CONVERTER(aten_item, "aten::item", item);
PIU_REGISTER_CONVERTER(aten_alpha_dropout_, "aten::alpha_dropout_", dropout);
PIU_REGISTER_CONVERTER(aten_feature_alpha_dropout, "aten::feature_alpha_dropout", dropout);
PIU_REGISTER_CONVERTER(aten_feature_alpha_dropout_, "aten::feature_alpha_dropout_", dropout);
PIU_REGISTER_CONVERTER(aten_feature_dropout_, "aten::feature_dropout_", dropout);
PIU_REGISTER_CONVERTER(aten__cast_Byte, "aten::_cast_Byte", cast_to<TensorProto::UINT8>);
PIU_REGISTER_CONVERTER(aten__cast_Char, "aten::_cast_Char", cast_to<TensorProto::INT8>);
PIU_REGISTER_CONVERTER(aten__cast_Short, "aten::_cast_Short", cast_to<TensorProto::INT16>);
PIU_REGISTER_CONVERTER(aten__cast_Int, "aten::_cast_Int", cast_to<TensorProto::INT32>);
PIU_REGISTER_CONVERTER(aten__cast_Long, "aten::_cast_Long", cast_to<TensorProto::INT64>);
PIU_REGISTER_CONVERTER(aten__cast_Half, "aten::_cast_Half", cast_to<TensorProto::FLOAT16>);
PIU_REGISTER_CONVERTER(aten__cast_Float, "aten::_cast_Float", cast_to<TensorProto::FLOAT>);
PIU_REGISTER_CONVERTER(aten__cast_Double, "aten::_cast_Double", cast_to<TensorProto::DOUBLE>);
PIU_REGISTER_CONVERTER(aten_as_tensor, "aten::as_tensor", as_tensor);
PIU_REGISTER_CONVERTER(aten_is_floating_point, "aten::is_floating_point", is_floating_point);
PIU_REGISTER_CONVERTER(aten_is_pinned, "aten::is_pinned", is_pinned);
PIU_REGISTER_CONVERTER(aten__shape_as_tensor, "aten::_shape_as_tensor", shape_as_tensor);
PIU_REGISTER_CONVERTER(aten__reshape_from_tensor, "aten::_reshape_from_tensor", reshape_from_tensor);
PIU_REGISTER_CONVERTER(aten__dim_arange, "aten::_dim_arange", dim_arange);

}  // namespace piu::exporter

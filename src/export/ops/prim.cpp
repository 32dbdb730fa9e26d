// Lists, numbers and no-ops: prim::ListConstruct / ListUnpack / NumToTensor, aten::size, aten::Int,
// and the ops that are identities at inference (contiguous, detach, clone, dropout in eval).
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// A list of ints with computed elements becomes a 1-D int64 value (Concat of the elements); a
// list of tensors is kept as names for cat/stack.
void list_construct(ConvertContext& ctx) {
  if (ctx.num_inputs() == 0 && ctx.out(0).type == IrType::kTensorList)  // an empty list, appended to later
    return ctx.bind_tensor_list(0, {});
  std::vector<std::string> items;
  // Tensor?[] (aten::index) holds None elements too; an empty Tensor[] is appended to later.
  bool tensors = ctx.num_inputs() > 0 || ctx.value(ctx.node().outputs.at(0)).type == IrType::kTensorList;
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    tensors = tensors && (ctx.in(i).type == IrType::kTensor || ctx.in(i).none);
  if (tensors) {
    std::vector<int32_t> types;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      items.push_back(ctx.in(i).none ? "" : ctx.tensor(i));
      types.push_back(ctx.in(i).none ? 0 : ctx.elem_type(i));
    }
    ctx.bind_tensor_list(0, items, types);
    return;
  }
  std::vector<int64_t> known;  // every element known (constants, static sizes): a constant list
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (auto v = ctx.maybe_ints(i); v && v->size() == 1 && ctx.in(i).type != IrType::kFloat) known.push_back(v->at(0));
  if (known.size() == ctx.num_inputs() && ctx.num_inputs() > 0) {
    ctx.bind_ints(0, known);
    return;
  }
  for (size_t i = 0; i < ctx.num_inputs(); ++i) items.push_back(unsqueeze(ctx, ctx.int_scalar(i), {0}));
  auto& concat = ctx.add("Concat", items);
  set_int(concat, "axis", 0);
  ctx.bind(0, concat.output(0), onnx::TensorProto::INT64);
  ctx.set_list_length(0, static_cast<int64_t>(items.size()));
  std::vector<ConvertContext::IntElem> elems;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) elems.push_back(ctx.int_elem(i));
  ctx.set_list_elems(0, elems);
}

void list_unpack(ConvertContext& ctx) {
  if (auto ints = ctx.maybe_ints(0)) {
    for (size_t k = 0; k < ctx.node().outputs.size(); ++k) ctx.bind_ints(k, {ints->at(k)});
    return;
  }
  if (ctx.in(0).type == IrType::kIntList) {  // n, c, h, w = x.shape with a dynamic dim
    const auto elems = ctx.int_list_elems(0);
    const std::string list = ctx.int_list(0);
    for (size_t k = 0; k < ctx.node().outputs.size(); ++k) {
      if (k < elems.size() && elems[k].value) {
        ctx.bind_ints(k, {*elems[k].value});
        continue;
      }
      auto& g = ctx.add("Gather", {list, ctx.const_i64({static_cast<int64_t>(k)}, true)});
      set_int(g, "axis", 0);
      ctx.bind(k, g.output(0), onnx::TensorProto::INT64);
      if (k < elems.size() && !elems[k].of.empty()) ctx.set_size_of(k, elems[k].of, elems[k].dim);
    }
    return;
  }
  const auto items = ctx.tensor_list(0);
  const auto types = ctx.tensor_list_types(0);
  for (size_t k = 0; k < items.size() && k < ctx.node().outputs.size(); ++k) ctx.bind(k, items[k], types[k]);
}

// aten::size(x, dim): the dim's value when it is static (fixed by the input shapes given, so the
// same on every run; later converters then see a constant), else Gather(Shape(x), dim) — a
// dynamic dim is never baked in. aten::size(x) likewise as a whole.
void size(ConvertContext& ctx) {
  const auto known = ctx.shape(0);
  if (known && std::all_of(known->begin(), known->end(), [](int64_t d) { return d >= 0; }) && ctx.num_inputs() < 2) {
    ctx.bind_ints(0, *known);
    return;
  }
  if (known && ctx.num_inputs() >= 2) {
    int64_t dim = ctx.int_const(1);
    if (dim < 0) dim += static_cast<int64_t>(known->size());
    if (dim >= 0 && dim < static_cast<int64_t>(known->size()) && (*known)[dim] >= 0) {
      ctx.bind_ints(0, {(*known)[dim]});
      return;
    }
  }
  const std::string x = ctx.tensor(0);
  const std::string shape = ctx.emit("Shape", {x});
  if (ctx.num_inputs() < 2) {
    ctx.bind(0, shape, onnx::TensorProto::INT64);
    ctx.set_list_length(0, known ? static_cast<int64_t>(known->size()) : -1);
    if (known) {  // each dim: its value when static, else where it comes from
      std::vector<ConvertContext::IntElem> elems;
      for (size_t d = 0; d < known->size(); ++d)
        elems.push_back((*known)[d] >= 0 ? ConvertContext::IntElem{(*known)[d], "", -1}
                                         : ConvertContext::IntElem{std::nullopt, x, static_cast<int64_t>(d)});
      ctx.set_list_elems(0, elems);
    }
    return;
  }
  int64_t dim = ctx.int_const(1);
  auto& g = ctx.add("Gather", {shape, ctx.const_i64({dim}, true)});
  set_int(g, "axis", 0);
  ctx.bind(0, g.output(0), onnx::TensorProto::INT64);
  if (dim < 0 && known) dim += static_cast<int64_t>(known->size());
  if (dim >= 0) ctx.set_size_of(0, x, dim);
}

// aten::Int(x): a number, or a one-element tensor, as an int. An integer one is itself; a float
// tensor (traced size arithmetic through ceil and true division, as in timm's TF-"SAME" padding)
// is truncated toward zero, as int() does.
void to_int(ConvertContext& ctx) {
  const int32_t type = ctx.elem_type(0);
  const bool real = type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE ||
                    type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::BFLOAT16;
  if (ctx.in(0).type != IrType::kTensor || !real || ctx.maybe_ints(0)) return convert_identity(ctx);
  ctx.bind(0, cast(ctx, ctx.tensor(0), onnx::TensorProto::INT64, type), onnx::TensorProto::INT64);
}

// clone: a no-op, except that a clone of a constant is a tensor of its own that in-place writes
// may change (Swin V2: bias = qkv_bias.clone(); bias[n:2n].zero_()).
void clone(ConvertContext& ctx) {
  if (const auto& t = ctx.in(0).tensor; t && t->numel() <= (1 << 22)) return ctx.bind_constant(0, t->clone());
  ctx.forward(0, 0);
}

}  // namespace

PIU_REGISTER_CONVERTER(prim_ListConstruct, "prim::ListConstruct", list_construct);
PIU_REGISTER_CONVERTER(prim_ListUnpack, "prim::ListUnpack", list_unpack);
PIU_REGISTER_CONVERTER(prim_NumToTensor, "prim::NumToTensor", convert_identity);
PIU_REGISTER_CONVERTER(aten_Int, "aten::Int", to_int);
PIU_REGISTER_CONVERTER(aten_ScalarImplicit, "aten::ScalarImplicit", convert_identity);
PIU_REGISTER_CONVERTER(aten_size, "aten::size", size);
PIU_REGISTER_CONVERTER(prim_unchecked_cast, "prim::unchecked_cast", convert_identity);
PIU_REGISTER_CONVERTER(aten_list, "aten::list", convert_identity);
PIU_REGISTER_CONVERTER(aten_contiguous, "aten::contiguous", convert_identity);
PIU_REGISTER_CONVERTER(aten_detach, "aten::detach", convert_identity);
PIU_REGISTER_CONVERTER(aten_clone, "aten::clone", clone);
PIU_REGISTER_CONVERTER(aten_dropout, "aten::dropout", convert_identity);
PIU_REGISTER_CONVERTER(aten_dropout_, "aten::dropout_", convert_identity);
PIU_REGISTER_CONVERTER(aten_feature_dropout, "aten::feature_dropout", convert_identity);
PIU_REGISTER_CONVERTER(aten_alpha_dropout, "aten::alpha_dropout", convert_identity);

}  // namespace piu::exporter

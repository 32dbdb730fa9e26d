// Lists, numbers and no-ops: prim::ListConstruct / ListUnpack / NumToTensor, aten::size, aten::Int,
// and the ops that are identities at inference (contiguous, detach, clone, dropout in eval).
#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// A list of ints with computed elements becomes a 1-D int64 value (Concat of the elements); a
// list of tensors is kept as names for cat/stack.
void list_construct(ConvertContext& ctx) {
  std::vector<std::string> items;
  bool tensors = true;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) tensors = tensors && ctx.in(i).type == IrType::kTensor;
  if (tensors) {
    for (size_t i = 0; i < ctx.num_inputs(); ++i) items.push_back(ctx.tensor(i));
    ctx.bind_tensor_list(0, items);
    return;
  }
  for (size_t i = 0; i < ctx.num_inputs(); ++i) items.push_back(unsqueeze(ctx, ctx.int_scalar(i), {0}));
  auto& concat = ctx.add("Concat", items);
  set_int(concat, "axis", 0);
  ctx.bind(0, concat.output(0), onnx::TensorProto::INT64);
  ctx.set_list_length(0, static_cast<int64_t>(items.size()));
}

void list_unpack(ConvertContext& ctx) {
  if (auto ints = ctx.maybe_ints(0)) {
    for (size_t k = 0; k < ctx.node().outputs.size(); ++k) ctx.bind_ints(k, {ints->at(k)});
    return;
  }
  const auto items = ctx.tensor_list(0);
  for (size_t k = 0; k < items.size() && k < ctx.node().outputs.size(); ++k) ctx.bind(k, items[k]);
}

// aten::size(x, dim) -> Gather(Shape(x), dim); aten::size(x) -> Shape(x). Never a constant: the
// dim may be dynamic, and the simplifier folds the static ones later.
void size(ConvertContext& ctx) {
  const std::string shape = ctx.emit("Shape", {ctx.tensor(0)});
  if (ctx.num_inputs() < 2) {
    ctx.bind(0, shape, onnx::TensorProto::INT64);
    return;
  }
  auto& g = ctx.add("Gather", {shape, ctx.const_i64({ctx.int_const(1)}, true)});
  set_int(g, "axis", 0);
  ctx.bind(0, g.output(0), onnx::TensorProto::INT64);
}

void identity(ConvertContext& ctx) { ctx.forward(0, 0); }

}  // namespace

PIU_REGISTER_CONVERTER(prim_ListConstruct, "prim::ListConstruct", list_construct);
PIU_REGISTER_CONVERTER(prim_ListUnpack, "prim::ListUnpack", list_unpack);
PIU_REGISTER_CONVERTER(prim_NumToTensor, "prim::NumToTensor", identity);
PIU_REGISTER_CONVERTER(aten_Int, "aten::Int", identity);
PIU_REGISTER_CONVERTER(aten_ScalarImplicit, "aten::ScalarImplicit", identity);
PIU_REGISTER_CONVERTER(aten_size, "aten::size", size);
PIU_REGISTER_CONVERTER(aten_contiguous, "aten::contiguous", identity);
PIU_REGISTER_CONVERTER(aten_detach, "aten::detach", identity);
PIU_REGISTER_CONVERTER(aten_clone, "aten::clone", identity);
PIU_REGISTER_CONVERTER(aten_dropout, "aten::dropout", identity);
PIU_REGISTER_CONVERTER(aten_dropout_, "aten::dropout_", identity);
PIU_REGISTER_CONVERTER(aten_feature_dropout, "aten::feature_dropout", identity);
PIU_REGISTER_CONVERTER(aten_alpha_dropout, "aten::alpha_dropout", identity);

}  // namespace piu::exporter

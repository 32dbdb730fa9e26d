// The scripted-code helpers that conditions of control flow (ops/control_flow.cpp) are made of:
// len, dim, list indexing, int and bool comparisons (known now, or computed at run time as 0-d
// tensors), `not`, `is None`, float(), and the string/exception ops of shape checks (converted
// only when a branch that raises is taken).
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// len(list) / len(tensor) (the size of dim 0) / len(str).
void len(ConvertContext& ctx) {
  if (ctx.in(0).str) return ctx.bind_ints(0, {static_cast<int64_t>(ctx.in(0).str->size())});
  if (ctx.in(0).type == IrType::kTensor) {
    const auto s = ctx.shape(0);
    if (s && !s->empty() && (*s)[0] >= 0) return ctx.bind_ints(0, {(*s)[0]});
    throw Unconvertible("len() of a tensor with a dynamic first dim");
  }
  if (ctx.in(0).tensors) return ctx.bind_ints(0, {static_cast<int64_t>(ctx.in(0).tensors->size())});
  const int64_t n = ctx.in(0).type == IrType::kTensorList ? static_cast<int64_t>(ctx.tensor_list(0).size())
                                                           : ctx.list_length(0);
  if (n < 0) throw Unconvertible("len() of a list whose length is known only at run time");
  ctx.bind_ints(0, {n});
}

// dim(x): the rank.
void dim(ConvertContext& ctx) { ctx.bind_ints(0, {ctx.rank(0)}); }

// list[i]: an element of an int list (known, or Gather of a computed one) or a tensor list.
void getitem(ConvertContext& ctx) {
  int64_t i = ctx.int_const(1);
  if (ctx.in(0).type == IrType::kTensorList) {
    const auto items = ctx.tensor_list(0);
    const auto types = ctx.tensor_list_types(0);
    if (i < 0) i += static_cast<int64_t>(items.size());
    return ctx.bind(0, items.at(static_cast<size_t>(i)), types.at(static_cast<size_t>(i)));
  }
  if (auto v = ctx.maybe_ints(0)) {
    if (i < 0) i += static_cast<int64_t>(v->size());
    return ctx.bind_ints(0, {v->at(static_cast<size_t>(i))});
  }
  auto& g = ctx.add("Gather", {ctx.int_list(0), ctx.const_i64({i}, true)});
  set_int(g, "axis", 0);
  ctx.bind(0, g.output(0), onnx::TensorProto::INT64);
}

// Comparisons and `not` of ints/bools/floats: done now when both are known (conditions of shape
// checks), else an ONNX comparison of 0-d tensors (a sample rate given as an input) whose bool
// result may decide an ONNX If or Loop.
template <typename Op>
void compare_known(ConvertContext& ctx, Op op, const char* onnx_op, bool negate) {
  const auto a = ctx.maybe_scalar(0), b = ctx.maybe_scalar(1);
  if (a && b) return ctx.bind_ints(0, {op(*a, *b) ? 1 : 0});
  const auto [x, y, type] = ctx.operands();
  (void)type;
  std::string r = ctx.emit(onnx_op, {x, y});
  if (negate) r = ctx.emit("Not", {r});
  ctx.bind(0, r, onnx::TensorProto::BOOL);
}
void int_eq(ConvertContext& ctx) { compare_known(ctx, [](double a, double b) { return a == b; }, "Equal", false); }
void int_ne(ConvertContext& ctx) { compare_known(ctx, [](double a, double b) { return a != b; }, "Equal", true); }
void int_lt(ConvertContext& ctx) { compare_known(ctx, [](double a, double b) { return a < b; }, "Less", false); }
void int_gt(ConvertContext& ctx) { compare_known(ctx, [](double a, double b) { return a > b; }, "Greater", false); }
void int_le(ConvertContext& ctx) { compare_known(ctx, [](double a, double b) { return a <= b; }, "Greater", true); }
void int_ge(ConvertContext& ctx) { compare_known(ctx, [](double a, double b) { return a >= b; }, "Less", true); }

void not_(ConvertContext& ctx) {
  if (const auto a = ctx.maybe_ints(0); a && a->size() == 1) return ctx.bind_ints(0, {a->at(0) ? 0 : 1});
  ctx.bind(0, ctx.emit("Not", {cast(ctx, ctx.tensor(0), onnx::TensorProto::BOOL, ctx.elem_type(0))}),
           onnx::TensorProto::BOOL);
}

// `x in list` for a list of ints/floats known now (`sr in self.sample_rates`): known now, or an Or
// of Equal on x computed at run time.
void contains(ConvertContext& ctx) {
  if (ctx.in(0).type == IrType::kTensorList || ctx.in(0).type == IrType::kOther)
    throw Unconvertible("`in` on a " + ctx.in(0).type_str + "; piu evaluates `in` on lists of numbers");
  std::vector<double> items;
  if (const auto& f = ctx.in(0).floats) items = *f;
  else if (const auto v = ctx.maybe_ints(0)) items.assign(v->begin(), v->end());
  else throw Unconvertible("`in` on a list known only at run time");
  if (const auto x = ctx.maybe_scalar(1)) {
    const bool found = std::find(items.begin(), items.end(), *x) != items.end();
    return ctx.bind_ints(0, {found ? 1 : 0});
  }
  const int32_t type = ctx.elem_type(1);
  const std::string x = ctx.tensor(1);
  std::string any = ctx.const_scalar(0, onnx::TensorProto::BOOL, "false");
  for (double item : items) any = ctx.emit("Or", {any, ctx.emit("Equal", {x, ctx.const_scalar(item, type, "item")})});
  ctx.bind(0, any, onnx::TensorProto::BOOL);
}

// float(x) of an int or a one-element tensor computed at run time: a 0-d float (PyTorch's double;
// float is what it meets in float tensors' arithmetic).
void to_float(ConvertContext& ctx) {
  if (const auto v = ctx.maybe_scalar(0)) {
    return ctx.bind(0, ctx.const_scalar(*v, onnx::TensorProto::FLOAT, "float"), onnx::TensorProto::FLOAT);
  }
  ctx.bind(0, cast(ctx, ctx.tensor(0), onnx::TensorProto::FLOAT, ctx.elem_type(0)), onnx::TensorProto::FLOAT);
}

// `x is None` / `x is not None`: known from the value's type. `a is b` of two tensors: the same
// graph value is the same object; different values are taken as different objects (what gates
// nn.MultiheadAttention's fused path, `query is key`; both paths compute the same result).
void is_none(ConvertContext& ctx, bool negate) {
  const bool a_none = ctx.in(0).none || ctx.in(0).type == IrType::kNone;
  const bool b_none = ctx.in(1).none || ctx.in(1).type == IrType::kNone;
  const bool same = (a_none && b_none) || (!a_none && !b_none && ctx.node().inputs[0] == ctx.node().inputs[1]);
  ctx.bind_ints(0, {(same != negate) ? 1 : 0});
}
void is(ConvertContext& ctx) { is_none(ctx, false); }
void isnot(ConvertContext& ctx) { is_none(ctx, true); }

// The exception of a taken branch: the module raises for these shapes.
void raise(ConvertContext& ctx) {
  std::string msg = ctx.num_inputs() > 0 && ctx.in(0).str ? *ctx.in(0).str : "";
  if (ctx.in_runtime_block())
    throw Unconvertible("a `raise` in a branch taken or not at run time" + (msg.empty() ? "" : " (" + msg + ")") +
                        "; ONNX has no exceptions: check the input before running the model, or move the check out "
                        "of forward()");
  throw Unconvertible("the module raises an exception for the given input shapes" + (msg.empty() ? "" : ": " + msg));
}

// x.dtype: PyTorch's ScalarType number of the tensor's element type.
void dtype(ConvertContext& ctx) {
  switch (ctx.elem_type(0)) {
    case onnx::TensorProto::UINT8: return ctx.bind_ints(0, {0});
    case onnx::TensorProto::INT8: return ctx.bind_ints(0, {1});
    case onnx::TensorProto::INT16: return ctx.bind_ints(0, {2});
    case onnx::TensorProto::INT32: return ctx.bind_ints(0, {3});
    case onnx::TensorProto::INT64: return ctx.bind_ints(0, {4});
    case onnx::TensorProto::FLOAT16: return ctx.bind_ints(0, {5});
    case onnx::TensorProto::FLOAT: return ctx.bind_ints(0, {6});
    case onnx::TensorProto::DOUBLE: return ctx.bind_ints(0, {7});
    case onnx::TensorProto::BOOL: return ctx.bind_ints(0, {11});
    case onnx::TensorProto::BFLOAT16: return ctx.bind_ints(0, {15});
    default: throw Unconvertible("the dtype of '" + ctx.in(0).name + "' is not known");
  }
}

// Questions scripted code asks about the run (fused-path gates): an exported model runs for
// inference, without autocast, without gradients.
void known_false(ConvertContext& ctx) { ctx.bind_ints(0, {0}); }

// x.device: an exported model's tensors live on the CPU as far as the graph is concerned.
void device(ConvertContext& ctx) { ctx.bind_str(0, "cpu"); }
void str(ConvertContext& ctx) {
  if (!ctx.in(0).str) throw Unconvertible("str() of a value known only at run time");
  ctx.bind_str(0, *ctx.in(0).str);
}
// find(s, sub, start, end) on known strings.
void find(ConvertContext& ctx) {
  if (!ctx.in(0).str || !ctx.in(1).str) throw Unconvertible("find() on strings known only at run time");
  const auto at = ctx.in(0).str->find(*ctx.in(1).str);
  ctx.bind_ints(0, {at == std::string::npos ? -1 : static_cast<int64_t>(at)});
}

// all(list) / any(list) of bools known now; on tensors, tensor_all_any.
void all_any(ConvertContext& ctx, bool all) {
  if (ctx.in(0).type == IrType::kTensor) return tensor_all_any(ctx, all);
  const auto v = ctx.maybe_ints(0);
  if (!v || ctx.in(0).type == IrType::kTensor) throw Unconvertible("all()/any() of values known only at run time");
  bool r = all;
  for (int64_t x : *v) r = all ? (r && x != 0) : (r || x != 0);
  ctx.bind_ints(0, {r ? 1 : 0});
}
void all(ConvertContext& ctx) { all_any(ctx, true); }
void any(ConvertContext& ctx) { all_any(ctx, false); }

// Strings and warnings of shape checks: nothing to compute.
void nothing(ConvertContext&) {}

}  // namespace

PIU_REGISTER_CONVERTER(aten_len, "aten::len", len);
PIU_REGISTER_CONVERTER(prim_dtype, "prim::dtype", dtype);
PIU_REGISTER_CONVERTER(prim_device, "prim::device", device);
PIU_REGISTER_CONVERTER(aten_str, "aten::str", str);
PIU_REGISTER_CONVERTER(aten_find, "aten::find", find);
PIU_REGISTER_CONVERTER(aten_all, "aten::all", all);
PIU_REGISTER_CONVERTER(aten_any, "aten::any", any);
PIU_REGISTER_CONVERTER(aten_is_autocast_enabled, "aten::is_autocast_enabled", known_false);
PIU_REGISTER_CONVERTER(aten_is_autocast_cpu_enabled, "aten::is_autocast_cpu_enabled", known_false);
PIU_REGISTER_CONVERTER(aten_is_grad_enabled, "aten::is_grad_enabled", known_false);
PIU_REGISTER_CONVERTER(prim_requires_grad, "prim::requires_grad", known_false);
PIU_REGISTER_CONVERTER(prim_is_cuda, "prim::is_cuda", known_false);
PIU_REGISTER_CONVERTER(prim_is_nested, "prim::is_nested", known_false);
PIU_REGISTER_CONVERTER(aten_dim, "aten::dim", dim);
PIU_REGISTER_CONVERTER(aten_Float, "aten::Float", to_float);
PIU_REGISTER_CONVERTER(aten___contains__, "aten::__contains__", contains);
PIU_REGISTER_CONVERTER(aten___getitem__, "aten::__getitem__", getitem);
PIU_REGISTER_CONVERTER(aten___not__, "aten::__not__", not_);
PIU_REGISTER_CONVERTER(aten___is__, "aten::__is__", is);
PIU_REGISTER_CONVERTER(aten___isnot__, "aten::__isnot__", isnot);
PIU_REGISTER_CONVERTER(prim_RaiseException, "prim::RaiseException", raise);
PIU_REGISTER_CONVERTER(aten_format, "aten::format", nothing);
PIU_REGISTER_CONVERTER(aten_warn, "aten::warn", nothing);
PIU_REGISTER_CONVERTER(prim_Uninitialized, "prim::Uninitialized", nothing);

// int/float comparisons (aten::eq.int etc. share their kind with the tensor ones: compare.cpp
// sends number operands here).
bool compare_numbers(ConvertContext& ctx) {
  if (ctx.in(0).type == IrType::kTensor || ctx.in(1).type == IrType::kTensor) return false;
  const std::string& k = ctx.node().kind;
  if (k == "aten::eq") int_eq(ctx);
  else if (k == "aten::ne") int_ne(ctx);
  else if (k == "aten::lt") int_lt(ctx);
  else if (k == "aten::gt") int_gt(ctx);
  else if (k == "aten::le") int_le(ctx);
  else if (k == "aten::ge") int_ge(ctx);
  else return false;
  return true;
}

}  // namespace piu::exporter

// List mutation and loop indices of scripted code (what LibTorch's RemoveListMutation leaves in
// loops): aten::append, insert, _set_item, Delete, pop on lists of tensors, and the __range_length /
// __derive_index arithmetic of `for i in range(start, stop, step)`. Loops with a known trip count
// are unrolled (control.cpp), so each mutation applies to the list as it is at that iteration.
#include <algorithm>

#include "export/converter.hpp"

namespace piu::exporter {
namespace {

// A list index (negative from the end) as a position in a list of `size` items.
int64_t position(ConvertContext& ctx, size_t i, size_t size) {
  int64_t idx = ctx.int_const(i);
  if (idx < 0) idx += static_cast<int64_t>(size);
  return idx;
}

struct TensorList {
  std::vector<std::string> items;
  std::vector<int32_t> types;
};
TensorList list_of(ConvertContext& ctx) {
  if (ctx.in(0).type != IrType::kTensorList) throw Unconvertible("mutating a list of non-tensors is not supported yet");
  return {ctx.tensor_list(0), ctx.tensor_list_types(0)};
}

// append(list, el) -> list
void append(ConvertContext& ctx) {
  auto l = list_of(ctx);
  l.items.push_back(ctx.tensor(1));
  l.types.push_back(ctx.elem_type(1));
  ctx.set_tensor_list(0, l.items, l.types);
  if (!ctx.node().outputs.empty()) ctx.bind_tensor_list(0, l.items, l.types);
}

// insert(list, idx, el): Python's insert, clamped to the list's ends.
void insert(ConvertContext& ctx) {
  auto l = list_of(ctx);
  const int64_t n = static_cast<int64_t>(l.items.size());
  const int64_t at = std::min(std::max<int64_t>(position(ctx, 1, l.items.size()), 0), n);
  l.items.insert(l.items.begin() + at, ctx.tensor(2));
  l.types.insert(l.types.begin() + at, ctx.elem_type(2));
  ctx.set_tensor_list(0, l.items, l.types);
}

// _set_item(list, idx, el) -> list
void set_item(ConvertContext& ctx) {
  auto l = list_of(ctx);
  const int64_t at = position(ctx, 1, l.items.size());
  if (at < 0 || at >= static_cast<int64_t>(l.items.size())) throw Unconvertible("list index out of range");
  l.items[at] = ctx.tensor(2);
  l.types[at] = ctx.elem_type(2);
  ctx.set_tensor_list(0, l.items, l.types);
  if (!ctx.node().outputs.empty()) ctx.bind_tensor_list(0, l.items, l.types);
}

// Delete(list, idx): del list[idx]
void delete_item(ConvertContext& ctx) {
  auto l = list_of(ctx);
  const int64_t at = position(ctx, 1, l.items.size());
  if (at < 0 || at >= static_cast<int64_t>(l.items.size())) throw Unconvertible("list index out of range");
  l.items.erase(l.items.begin() + at);
  l.types.erase(l.types.begin() + at);
  ctx.set_tensor_list(0, l.items, l.types);
}

// pop(list, idx=-1) -> the item, removed from the list. A list of tensors, or of ints known now
// (outside run-time branches and loops, where what it holds would depend on the run).
void pop(ConvertContext& ctx) {
  const bool has_index = ctx.num_inputs() > 1 && !ctx.is_none(1);
  if (ctx.in(0).type == IrType::kTensorList) {
    auto l = list_of(ctx);
    const int64_t at = has_index ? position(ctx, 1, l.items.size()) : static_cast<int64_t>(l.items.size()) - 1;
    if (at < 0 || at >= static_cast<int64_t>(l.items.size())) throw Unconvertible("pop index out of range");
    ctx.bind(0, l.items[at], l.types[at]);
    l.items.erase(l.items.begin() + at);
    l.types.erase(l.types.begin() + at);
    return ctx.set_tensor_list(0, l.items, l.types);
  }
  auto ints = ctx.maybe_ints(0);
  if (!ints || ctx.in(0).ints || ctx.in_runtime_block())
    throw Unconvertible("pop from a list of ints computed at run time is not supported");
  const int64_t at = has_index ? position(ctx, 1, ints->size()) : static_cast<int64_t>(ints->size()) - 1;
  if (at < 0 || at >= static_cast<int64_t>(ints->size())) throw Unconvertible("pop index out of range");
  ctx.bind_ints(0, {(*ints)[at]});
  ints->erase(ints->begin() + at);
  ctx.bind_value_ints(ctx.node().inputs.at(0), *ints);
}

// __range_length(lo, hi, step): the number of items of range(lo, hi, step): known now, or int64
// arithmetic at run time (a loop over a dynamic dim, an ONNX Loop's trip count).
void range_length(ConvertContext& ctx) {
  const auto lo = ctx.maybe_scalar(0), hi = ctx.maybe_scalar(1), step = ctx.maybe_scalar(2);
  if (!step) throw Unconvertible("range() with a step known only at run time");
  const auto s = static_cast<int64_t>(*step);
  if (s == 0) throw Unconvertible("range() with step 0");
  if (lo && hi) {
    const auto l = static_cast<int64_t>(*lo), h = static_cast<int64_t>(*hi);
    const int64_t n = s > 0 ? (h - l + s - 1) / s : (l - h - s - 1) / -s;
    return ctx.bind_ints(0, {std::max<int64_t>(n, 0)});
  }
  // (hi - lo + step - 1) / step for a positive step, (hi - lo + step + 1) / step for a negative one
  // (ONNX Div truncates, as C++ does); never below 0 (Where: Max takes int64 only from opset 12).
  const std::string span = ctx.emit("Sub", {ctx.int_scalar(1), ctx.int_scalar(0)});
  const std::string biased = ctx.emit("Add", {span, ctx.const_i64({s > 0 ? s - 1 : s + 1}, true)});
  const std::string n = ctx.emit("Div", {biased, ctx.const_i64({s}, true)});
  const std::string zero = ctx.const_i64({0}, true);
  ctx.bind(0, ctx.emit("Where", {ctx.emit("Less", {n, zero}), zero, n}), onnx::TensorProto::INT64);
}

// __derive_index(index, start, step) = start + index * step, known now or at run time.
void derive_index(ConvertContext& ctx) {
  const auto i = ctx.maybe_scalar(0), start = ctx.maybe_scalar(1), step = ctx.maybe_scalar(2);
  if (i && start && step)
    return ctx.bind_ints(0, {static_cast<int64_t>(*start) + static_cast<int64_t>(*i) * static_cast<int64_t>(*step)});
  const std::string scaled = ctx.emit("Mul", {ctx.int_scalar(0), ctx.int_scalar(2)});
  ctx.bind(0, ctx.emit("Add", {ctx.int_scalar(1), scaled}), onnx::TensorProto::INT64);
}

}  // namespace

PIU_REGISTER_CONVERTER(aten_append, "aten::append", append);
PIU_REGISTER_CONVERTER(aten_insert, "aten::insert", insert);
PIU_REGISTER_CONVERTER(aten__set_item, "aten::_set_item", set_item);
PIU_REGISTER_CONVERTER(aten_Delete, "aten::Delete", delete_item);
PIU_REGISTER_CONVERTER(aten_pop, "aten::pop", pop);
PIU_REGISTER_CONVERTER(aten___range_length, "aten::__range_length", range_length);
PIU_REGISTER_CONVERTER(aten___derive_index, "aten::__derive_index", derive_index);

}  // namespace piu::exporter

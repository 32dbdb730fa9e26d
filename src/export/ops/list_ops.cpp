// List mutation and loop indices of scripted code (what LibTorch's RemoveListMutation leaves in
// loops): aten::append, insert, _set_item, Delete on lists of tensors, and the __range_length /
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

// __range_length(lo, hi, step): the number of items of range(lo, hi, step), on known ints.
void range_length(ConvertContext& ctx) {
  const int64_t lo = ctx.int_const(0), hi = ctx.int_const(1), step = ctx.int_const(2);
  if (step == 0) throw Unconvertible("range() with step 0");
  const int64_t n = step > 0 ? (hi - lo + step - 1) / step : (lo - hi - step - 1) / -step;
  ctx.bind_ints(0, {std::max<int64_t>(n, 0)});
}

// __derive_index(index, start, step) = start + index * step
void derive_index(ConvertContext& ctx) { ctx.bind_ints(0, {ctx.int_const(1) + ctx.int_const(0) * ctx.int_const(2)}); }

}  // namespace

PIU_REGISTER_CONVERTER(aten_append, "aten::append", append);
PIU_REGISTER_CONVERTER(aten_insert, "aten::insert", insert);
PIU_REGISTER_CONVERTER(aten__set_item, "aten::_set_item", set_item);
PIU_REGISTER_CONVERTER(aten_Delete, "aten::Delete", delete_item);
PIU_REGISTER_CONVERTER(aten___range_length, "aten::__range_length", range_length);
PIU_REGISTER_CONVERTER(aten___derive_index, "aten::__derive_index", derive_index);

}  // namespace piu::exporter

// In-place writes into slices of a computed tensor (x[:, :, 1:] = y in traced code: a chain of
// aten::slice / aten::select views of x, then aten::copy_(view, y)), exported out of place: the
// base becomes a new value, Slice pieces around the view concatenated with the written values,
// and every later reader of the base reads that value. As torch.onnx's in-place removal does for
// traced graphs, this is only right when nothing still reads an older view of the base: that is
// checked, and anything else is refused.
#include <algorithm>
#include <climits>

#include "export/export_state.hpp"

namespace piu::exporter {
namespace {

// Ops whose output may share memory with their first input (a write through one shows in the
// other), besides in-place ops (a kind ending in '_', which return their input).
bool aliases_input(const std::string& kind) {
  static const std::set<std::string> kViews = {"aten::slice",
                                               "aten::select",
                                               "aten::view",
                                               "aten::reshape",
                                               "aten::transpose",
                                               "aten::permute",
                                               "aten::expand",
                                               "aten::expand_as",
                                               "aten::squeeze",
                                               "aten::unsqueeze",
                                               "aten::flatten",
                                               "aten::narrow",
                                               "aten::t",
                                               "aten::as_strided",
                                               "aten::detach",
                                               "aten::alias",
                                               "aten::contiguous",
                                               "aten::view_as",
                                               "aten::reshape_as",
                                               "aten::unfold",
                                               "aten::diagonal",
                                               "aten::movedim",
                                               "aten::swapaxes",
                                               "aten::split",
                                               "aten::chunk",
                                               "aten::unbind",
                                               "aten::unflatten",
                                               "aten::numpy_T",
                                               "aten::real",
                                               "aten::imag",
                                               "aten::split_with_sizes",
                                               "aten::tensor_split",
                                               "aten::__getitem__",
                                               "prim::ListUnpack",
                                               "aten::type_as",
                                               "aten::to"};
  return kViews.count(kind) || (!kind.empty() && kind.back() == '_' && kind.rfind("aten::__", 0) != 0);
}

// One view step: select(dim, index) or slice(dim, start, end, step), dim counted in the view.
struct ViewStep {
  const IrNode* node;
  bool select;
  int64_t dim, start, end, step;
};

// The slice/select chain from `v` back to its base, outermost first; `base` receives the base.
std::vector<ViewStep> view_chain(ExportState& state, int v, int& base) {
  std::vector<ViewStep> steps;
  while (const IrNode* n = state.producer[v]) {
    if (n->kind != "aten::slice" && n->kind != "aten::select") break;
    ConvertContext view(state, *n);
    if (n->kind == "aten::select") {
      steps.push_back({n, true, view.int_const(1), view.int_const(2), 0, 1});
    } else {
      const int64_t start = view.is_none(2) ? 0 : view.int_const(2);
      const int64_t end = view.is_none(3) ? INT64_MAX : view.int_const(3);
      steps.push_back({n, false, view.int_const(1), start, end, view.num_inputs() > 4 ? view.int_const(4) : 1});
    }
    v = n->inputs[0];
  }
  base = v;
  std::reverse(steps.begin(), steps.end());
  return steps;
}

// The base value a chain of aliasing ops leads back to from `v`.
int alias_root(const ExportState& state, int v) {
  for (const IrNode* n = state.producer[v]; n && aliases_input(n->kind) && !n->inputs.empty(); n = state.producer[v])
    v = n->inputs[0];
  return v;
}

}  // namespace

bool ConvertContext::is_view_of_constant(size_t i) {
  int base = -1;
  view_chain(state_, node_.inputs.at(i), base);
  return state_.repr[base].constant.has_value();
}

std::string ConvertContext::write_view(size_t i, const std::string& src, int32_t src_type) {
  const IrGraph& ir = state_.ir;
  if (ir.nodes.empty() || &node_ < &ir.nodes.front() || &node_ > &ir.nodes.back())
    throw Unconvertible("an in-place write inside a loop or branch is not supported");
  int base = -1;
  const auto steps = view_chain(state_, node_.inputs.at(i), base);
  if (steps.empty()) throw Unconvertible("an in-place write into a whole tensor (not a slice of it) is not supported");
  if (const IrNode* p = state_.producer[base]; p && aliases_input(p->kind))
    throw Unconvertible("an in-place write into a view (" + p->kind + ") of another tensor is not supported");
  // Every other alias of the base made so far must be done with: a later reader would see the
  // old values, where PyTorch's would see the write.
  for (size_t v = 0; v < state_.producer.size(); ++v) {
    const IrNode* p = state_.producer[v];
    if (!p || p == &node_ || static_cast<int>(v) == base || !aliases_input(p->kind)) continue;
    if (alias_root(state_, static_cast<int>(v)) != base) continue;
    int readers = state_.uses[v];
    readers -= static_cast<int>(std::count(node_.inputs.begin(), node_.inputs.end(), static_cast<int>(v)));
    const bool output = std::count(ir.outputs.begin(), ir.outputs.end(), static_cast<int>(v)) > 0;
    if (readers > 0 || output)
      throw Unconvertible("an in-place write into '" + ir.values[base].name + "' while its view '" + ir.values[v].name +
                          "' is still read afterwards is not supported");
  }
  ConvertContext first(state_, *steps.front().node);
  const std::string base_onnx = first.tensor(0);
  const int64_t rank = first.rank(0);
  const int32_t type = first.elem_type(0);
  // The written values in the view's shape (copy_ casts and broadcasts), then with each selected
  // dim back as a dim of 1.
  const std::string written = emit("Expand", {cast(*this, src, type, src_type), emit("Shape", {tensor(i)})});
  std::string values = written;
  std::vector<int64_t> view_to_base(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) view_to_base[d] = d;
  std::vector<int64_t> base_dims, selected;
  for (const auto& s : steps) {
    const int64_t n = static_cast<int64_t>(view_to_base.size());
    const int64_t d = s.dim < 0 ? s.dim + n : s.dim;
    if (d < 0 || d >= n) throw Unconvertible("a view dim out of range");
    if (s.step != 1)
      throw Unconvertible("an in-place write into a strided slice (step " + std::to_string(s.step) + ")");
    base_dims.push_back(view_to_base[d]);
    if (s.select) {
      selected.push_back(view_to_base[d]);
      view_to_base.erase(view_to_base.begin() + d);
    }
  }
  std::sort(selected.begin(), selected.end());
  if (!selected.empty()) values = unsqueeze(*this, values, selected);
  // Innermost first: each level is Concat(before, the level inside, after) along its dim.
  std::vector<std::string> levels = {base_onnx};  // levels[k]: the base seen through steps[0..k)
  for (size_t k = 0; k + 1 < steps.size(); ++k) {
    const auto& s = steps[k];
    const int64_t end = s.select ? (s.start == -1 ? INT64_MAX : s.start + 1) : s.end;
    levels.push_back(emit("Slice", {levels[k], const_i64({s.start}), const_i64({end}), const_i64({base_dims[k]})}));
  }
  std::string updated = values;
  for (size_t k = steps.size(); k-- > 0;) {
    const auto& s = steps[k];
    const int64_t start = s.start, end = s.select ? (s.start == -1 ? INT64_MAX : s.start + 1) : s.end;
    // Slices that overlap or cross (start past end, mixed signs) need the dim's size: refused.
    const bool ordered = (start >= 0 && end >= start) || (start < 0 && (end < 0 ? end >= start : end == INT64_MAX));
    if (!ordered)
      throw Unconvertible("an in-place write into slice [" + std::to_string(start) + ":" + std::to_string(end) +
                          "] is not supported");
    const auto axis = const_i64({base_dims[k]});
    std::vector<std::string> parts;
    if (start != 0) parts.push_back(emit("Slice", {levels[k], const_i64({0}), const_i64({start}), axis}));
    parts.push_back(updated);
    if (end != INT64_MAX) parts.push_back(emit("Slice", {levels[k], const_i64({end}), const_i64({INT64_MAX}), axis}));
    if (parts.size() == 1) continue;
    auto& cat = add("Concat", parts);
    set_int(cat, "axis", base_dims[k]);
    updated = cat.output(0);
  }
  bind_value(base, updated, type, rank);
  return written;
}

}  // namespace piu::exporter

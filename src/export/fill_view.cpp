// Constants a converter builds at conversion time (new_zeros, full with static sizes) and in-place
// fills of slices of them (x[:, 0] = 1 in scripted code): applied to the constant here, so the graph
// gets one initializer instead of ScatterND chains.
#include <algorithm>
#include <climits>

#include "export/export_state.hpp"

namespace piu::exporter {

void ConvertContext::bind_constant(size_t k, Tensor t) {
  auto& r = state_.repr[node_.outputs.at(k)];
  r.elem = dtype_to_onnx(t.dtype());
  r.rank = t.rank();
  r.onnx.clear();
  r.constant = std::move(t);
}

void ConvertContext::fill_view(size_t i, double value) {
  // Walk back through slice/select views to the base, recording each step.
  struct Step {
    bool select;
    int64_t dim, start, end, step;
  };
  std::vector<Step> steps;
  int v = node_.inputs.at(i);
  while (!state_.repr[v].constant) {
    const IrNode* n = state_.producer[v];
    if (!n || (n->kind != "aten::slice" && n->kind != "aten::select"))
      throw Unconvertible("in-place writes are exported only into slices of a tensor made from constants "
                          "(new_zeros, zeros, full with static sizes)");
    ConvertContext view(state_, *n);
    if (n->kind == "aten::select") {
      steps.push_back({true, view.int_const(1), view.int_const(2), 0, 1});
    } else {
      const int64_t start = view.is_none(2) ? 0 : view.int_const(2);
      const int64_t end = view.is_none(3) ? INT64_MAX : view.int_const(3);
      steps.push_back({false, view.int_const(1), start, end, view.num_inputs() > 4 ? view.int_const(4) : 1});
    }
    v = n->inputs[0];
  }
  Tensor base = state_.repr[v].constant->clone();
  // The view's dims as (base dim, first index, stride) plus the fixed indices of selected dims.
  struct Dim {
    int64_t base_dim, first, stride, count;
  };
  std::vector<Dim> dims;
  const auto rank = static_cast<int64_t>(base.rank());
  std::vector<int64_t> fixed(base.rank(), 0);
  for (int64_t d = 0; d < rank; ++d) dims.push_back({d, 0, 1, base.dim(d)});
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    int64_t d = it->dim < 0 ? it->dim + static_cast<int64_t>(dims.size()) : it->dim;
    if (d < 0 || d >= static_cast<int64_t>(dims.size())) throw Unconvertible("a view dim out of range");
    Dim& x = dims[d];
    if (it->select) {
      const int64_t at = it->start < 0 ? it->start + x.count : it->start;
      fixed[x.base_dim] = x.first + at * x.stride;
      dims.erase(dims.begin() + d);
      continue;
    }
    int64_t s = it->start < 0 ? std::max<int64_t>(it->start + x.count, 0) : std::min(it->start, x.count);
    int64_t e = it->end < 0 ? std::max<int64_t>(it->end + x.count, 0) : std::min(it->end, x.count);
    x.first += s * x.stride;
    x.count = e > s ? (e - s + it->step - 1) / it->step : 0;
    x.stride *= it->step;
  }
  std::vector<int64_t> strides(base.rank(), 1);
  for (int64_t d = rank - 2; d >= 0; --d) strides[d] = strides[d + 1] * base.dim(d + 1);
  std::vector<int64_t> idx(dims.size(), 0);
  bool empty = false;
  for (const auto& x : dims) empty = empty || x.count == 0;
  while (!empty) {
    std::vector<int64_t> at = fixed;
    for (size_t k = 0; k < dims.size(); ++k) at[dims[k].base_dim] = dims[k].first + idx[k] * dims[k].stride;
    int64_t flat = 0;
    for (size_t d = 0; d < at.size(); ++d) flat += at[d] * strides[d];
    set_element(base, flat, value);
    size_t k = dims.size();
    while (k > 0 && ++idx[k - 1] == dims[k - 1].count) idx[--k] = 0;
    if (k == 0) break;
  }
  auto& r = state_.repr[v];
  r.constant = std::move(base);
  r.onnx.clear();  // later reads make a new initializer
}

}  // namespace piu::exporter

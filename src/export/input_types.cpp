// How an export types forward()'s arguments (input_types.hpp). The evidence is read where the
// argument is used, directly or through ops that only move its elements (slice, view, unsqueeze,
// ...), which keep the element type.
#include "export/input_types.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace piu::exporter {

namespace {

using ir::IrGraph;
using ir::IrNode;
using ir::IrType;

struct Use {
  const IrNode* node;
  size_t position;
};

// What a use says about the argument's type, weakest first.
enum class Evidence { kNone, kIntegerHint, kFloat, kBool, kIndices };

// Ops whose output 0 holds the elements of input 0 (same element type).
bool moves_elements(std::string_view kind) {
  static const std::set<std::string_view> kinds = {
      "aten::slice",   "aten::select",   "aten::unsqueeze", "aten::squeeze", "aten::view",      "aten::reshape",
      "aten::expand",  "aten::expand_as", "aten::contiguous", "aten::permute", "aten::transpose", "aten::flatten",
      "aten::clone",   "aten::narrow",   "aten::repeat",    "aten::detach",  "aten::t",         "aten::unflatten",
      "aten::view_as", "aten::reshape_as", "aten::index",   "aten::flip",    "aten::roll"};
  return kinds.count(kind) > 0;
}

// The input position that holds indices, for ops that read one.
std::optional<size_t> indices_position(std::string_view kind) {
  static const std::map<std::string_view, size_t> positions = {
      {"aten::embedding", 1}, {"aten::embedding_bag", 1}, {"aten::index_select", 2}, {"aten::gather", 2},
      {"aten::one_hot", 0},   {"aten::scatter", 2},       {"aten::scatter_add", 2},  {"aten::take", 1}};
  auto it = positions.find(kind);
  return it == positions.end() ? std::nullopt : std::optional<size_t>(it->second);
}

// True when input `position` of `kind` must be bool (a mask or a condition).
bool bool_position(std::string_view kind, size_t position) {
  if (kind == "aten::masked_fill") return position == 1;
  if (kind == "aten::where") return position == 0;
  return kind == "aten::logical_not" || kind == "aten::logical_and" || kind == "aten::logical_or" ||
         kind == "aten::logical_xor";
}

// Ops that take only floating-point tensors.
bool float_only(std::string_view kind) {
  static const std::set<std::string_view> kinds = {
      "aten::_convolution", "aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::conv_transpose1d",
      "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::linear", "aten::matmul", "aten::mm", "aten::bmm",
      "aten::addmm", "aten::baddbmm", "aten::batch_norm", "aten::layer_norm", "aten::group_norm",
      "aten::instance_norm", "aten::softmax", "aten::log_softmax", "aten::sigmoid", "aten::tanh", "aten::gelu",
      "aten::silu", "aten::hardswish", "aten::hardsigmoid", "aten::elu", "aten::softplus", "aten::mish",
      "aten::leaky_relu", "aten::log_sigmoid", "aten::exp", "aten::log", "aten::sqrt", "aten::rsqrt", "aten::erf",
      "aten::sin", "aten::cos", "aten::mean", "aten::norm", "aten::avg_pool1d", "aten::avg_pool2d",
      "aten::avg_pool3d", "aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d",
      "aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu", "aten::scaled_dot_product_attention",
      "aten::dropout", "aten::_native_multi_head_attention", "aten::_transformer_encoder_layer_fwd"};
  return kinds.count(kind) > 0 || kind.rfind("aten::upsample_", 0) == 0;
}

// PyTorch's ScalarType codes of floating-point types (Half, Float, Double, BFloat16) and Bool.
bool float_or_bool_scalar_type(int64_t t) { return t == 5 || t == 6 || t == 7 || t == 15 || t == 11; }

// A constant int (a ScalarType or an integer operand) at input `position`, if there is one.
std::optional<int64_t> int_constant(const IrGraph& ir, const IrNode& n, size_t position) {
  if (position >= n.inputs.size()) return std::nullopt;
  const auto& v = ir.values[n.inputs[position]];
  if (v.type != IrType::kInt || !v.ints || v.ints->size() != 1) return std::nullopt;
  return v.ints->front();
}

using Uses = std::map<int, std::vector<Use>>;

// True when `value`, directly or through ops that move its elements, is read by an op that takes
// only floating-point tensors.
bool reaches_float_only(const Uses& uses, int value) {
  std::vector<int> pending = {value};
  std::set<int> seen = {value};
  while (!pending.empty()) {
    auto it = uses.find(pending.back());
    pending.pop_back();
    if (it == uses.end()) continue;
    for (const Use& use : it->second) {
      if (float_only(use.node->kind)) return true;
      if (use.position == 0 && moves_elements(use.node->kind) && !use.node->outputs.empty() &&
          seen.insert(use.node->outputs[0]).second)
        pending.push_back(use.node->outputs[0]);
    }
  }
  return false;
}

// The evidence one use gives.
Evidence evidence_of(const IrGraph& ir, const Uses& uses, const Use& use) {
  const IrNode& n = *use.node;
  if (auto p = indices_position(n.kind); p && *p == use.position) return Evidence::kIndices;
  if (bool_position(n.kind, use.position)) return Evidence::kBool;
  if (float_only(n.kind)) return Evidence::kFloat;
  if (use.position != 0) return Evidence::kNone;
  if (n.kind == "aten::to") {
    // to(self, dtype, ...) or to(self, device, dtype, ...): a cast to float or bool is what code
    // does to an integer mask before using it in float arithmetic.
    auto t = int_constant(ir, n, 1);
    if (!t && n.inputs.size() > 2 && ir.values[n.inputs[1]].type == IrType::kDevice) t = int_constant(ir, n, 2);
    // A cast whose result feeds a conv or a linear layer is a signal made sure to be float (a
    // trace records x.float() even when x is float already); a mask is used in arithmetic.
    if (t && float_or_bool_scalar_type(*t))
      return !n.outputs.empty() && reaches_float_only(uses, n.outputs[0]) ? Evidence::kFloat : Evidence::kIntegerHint;
  }
  if ((n.kind == "aten::eq" || n.kind == "aten::ne") && int_constant(ir, n, 1)) return Evidence::kIntegerHint;
  return Evidence::kNone;
}

void collect_uses(const std::vector<IrNode>& nodes, Uses& uses) {
  for (const IrNode& n : nodes) {
    for (size_t p = 0; p < n.inputs.size(); ++p) uses[n.inputs[p]].push_back({&n, p});
    for (const auto& b : n.blocks) collect_uses(b.nodes, uses);
  }
}

InputType inferred_type(const IrGraph& ir, const Uses& uses, int value) {
  Evidence best = Evidence::kNone;
  const IrNode* why = nullptr;
  std::vector<int> pending = {value};
  std::set<int> seen = {value};
  while (!pending.empty()) {
    const int v = pending.back();
    pending.pop_back();
    auto it = uses.find(v);
    if (it == uses.end()) continue;
    for (const Use& use : it->second) {
      if (use.position == 0 && moves_elements(use.node->kind) && !use.node->outputs.empty()) {
        if (seen.insert(use.node->outputs[0]).second) pending.push_back(use.node->outputs[0]);
        continue;
      }
      const Evidence e = evidence_of(ir, uses, use);
      if (e > best) {
        best = e;
        why = use.node;
      }
    }
  }
  const std::string at = why && !why->source.empty() ? " (" + why->source + ")" : "";
  switch (best) {
    case Evidence::kIndices: return {DType::kInt64, "indices of " + why->kind + at};
    case Evidence::kBool: return {DType::kBool, "condition of " + why->kind + at};
    case Evidence::kFloat: return {DType::kFloat32, "read by " + why->kind + at};
    case Evidence::kIntegerHint: return {DType::kInt64, "an integer mask: " + why->kind + at};
    case Evidence::kNone: break;
  }
  return {DType::kFloat32, "default (nothing in the module tells; state it with --shape NAME:DIMS:DTYPE)"};
}

}  // namespace

std::vector<InputType> input_types(const IrGraph& ir, const std::vector<std::optional<DType>>& stated) {
  Uses uses;
  collect_uses(ir.nodes, uses);
  std::vector<InputType> out;
  for (size_t i = 0; i < ir.inputs.size(); ++i) {
    const int value = ir.inputs[i];
    if (i < stated.size() && stated[i])
      out.push_back({*stated[i], "given"});
    else if (ir.values[value].dtype)
      out.push_back({*ir.values[value].dtype, "recorded by the trace"});
    else
      out.push_back(inferred_type(ir, uses, value));
  }
  return out;
}

}  // namespace piu::exporter

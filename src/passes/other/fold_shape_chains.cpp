// fold_shape_chains: follows the small integer vectors that exporters compute from tensor shapes
// (Shape -> Cast -> Gather/Slice -> Unsqueeze -> Concat -> Reshape) symbolically, dim by dim, and
//  - replaces a value every element of which is known (a static dim, a constant) by a constant:
//      Gather(Shape(x), 1) where x is [batch, 3, h, w]          ->  3
//      Concat(Unsqueeze(that), [-1])                            ->  [3, -1]
//  - makes readers of a value read an earlier value with the same elements (same dims of the same
//    tensors, same element type and rank), e.g. Cast-to-int64 of an int64 shape value, or
//    Squeeze(Slice(Shape(x), 0, 1)) after Gather(Shape(x), 0);
//  - gives a Reshape a constant target when the computed one copies the input's own dims at the
//    same positions (those become 0) and has at most one other unknown entry (that becomes -1):
//      Reshape(x [n, 120, h, w], Concat(Slice(Shape(x), 0, 2), [-1]))  ->  Reshape(x, [0, 120, -1])
// Dynamic dims are never baked in: an element is known only when it is a static dim or a constant.
// (The one unknown Reshape entry becoming -1 assumes it is not 0 at run time, as the simplifier's
// own Reshape-target folding does: an empty tensor reshaped by a computed target.)
// Two dims are the same element when they are the same axis of the same tensor, or carry the same
// dim_param (shape inference names equal sizes alike). Element values are dims, so a Cast between
// int32 and int64 keeps them. Graph outputs are never replaced.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "passes/pass.hpp"

namespace piu::passes {
namespace {

// One element of a shape value: a number, or a multiple of a symbol standing for a dim known only
// at run time (`value` is then the factor: exporters compute batch * heads as Gather(Shape) * 4).
struct Element {
  int64_t value = 0;
  std::string symbol;  // empty when the value is known
  bool known() const { return symbol.empty(); }
  bool operator==(const Element& o) const { return value == o.value && symbol == o.symbol; }
};

struct ShapeValue {
  std::vector<Element> elements;
  bool scalar = false;  // rank 0 (then one element), else rank 1
  int32_t elem_type = TensorProto::INT64;
  bool all_known() const {
    return std::all_of(elements.begin(), elements.end(), [](const Element& e) { return e.known(); });
  }
  std::string key() const {
    std::string k = std::to_string(elem_type) + (scalar ? "s" : "v");
    for (const auto& e : elements)
      k.append(std::to_string(e.value)).append(e.known() ? "" : "*$" + e.symbol).append(",");
    return k;
  }
};

// The product of some elements as a factor times the sorted symbols it multiplies; nullopt on
// overflow.
struct Monomial {
  int64_t factor = 1;
  std::vector<std::string> symbols;
  bool times(const Element& e) {
    if (__builtin_mul_overflow(factor, e.value, &factor)) return false;
    if (!e.known()) symbols.insert(std::upper_bound(symbols.begin(), symbols.end(), e.symbol), e.symbol);
    return true;
  }
  // The elements' product.
  static std::optional<Monomial> of(const std::vector<Element>& elements) {
    Monomial m;
    for (const auto& e : elements)
      if (!m.times(e)) return std::nullopt;
    return m;
  }
};

// a / b as one element (a number, or a multiple of one symbol) when it divides exactly.
std::optional<Element> quotient(const Monomial& a, const Monomial& b) {
  if (a.factor <= 0 || b.factor <= 0 || a.factor % b.factor != 0) return std::nullopt;
  std::vector<std::string> left;
  std::set_difference(a.symbols.begin(), a.symbols.end(), b.symbols.begin(), b.symbols.end(), std::back_inserter(left));
  if (left.size() > 1 || a.symbols.size() != b.symbols.size() + left.size()) return std::nullopt;  // b's not all in a
  return Element{a.factor / b.factor, left.empty() ? std::string() : left[0]};
}

class Tracker {
 public:
  explicit Tracker(const Graph& graph) : graph_(graph) {}

  // The shape value of `name`, when it is one (tracked, or an int32/int64 constant of rank <= 1).
  std::optional<ShapeValue> get(const std::string& name) const {
    if (auto it = values_.find(name); it != values_.end()) return it->second;
    const TensorProto* t = graph_.constant(name);
    if (!t || t->dims_size() > 1) return std::nullopt;
    if (t->data_type() != TensorProto::INT64 && t->data_type() != TensorProto::INT32) return std::nullopt;
    const auto ints = constant_ints(graph_, name);
    if (!ints || ints->size() > 64) return std::nullopt;
    ShapeValue v;
    v.scalar = t->dims_size() == 0;
    v.elem_type = t->data_type();
    for (int64_t i : *ints) v.elements.push_back({i, {}});
    return v;
  }

  // The dims of tensor `name` as elements, when its rank is known.
  std::optional<std::vector<Element>> dims_of(const std::string& name) const {
    const auto shape = graph_.shape(name);
    const auto params = graph_.dim_params(name);
    if (!shape || !params || params->size() != shape->size()) return std::nullopt;
    std::vector<Element> dims;
    for (size_t i = 0; i < shape->size(); ++i) {
      if ((*shape)[i] >= 0)
        dims.push_back({(*shape)[i], {}});
      else if (!(*params)[i].empty())
        dims.push_back({1, "p:" + (*params)[i]});
      else
        dims.push_back({1, "t:" + std::to_string(name.size()) + ":" + name + "#" + std::to_string(i)});
      if (auto it = aliases_.find(dims.back().symbol); it != aliases_.end()) dims.back() = it->second;
    }
    return dims;
  }

  // Learns what dims shape inference could only name (unk__N) stand for, from a Reshape with a
  // constant target: a 0 entry is the data's dim, a -1 the data's element count over the other
  // entries' product when that is a number or a multiple of one symbol ([n, 256, 16, 16] reshaped
  // to [-1, 32, 2, 8, 2, 8]: the -1 is n). Later dims_of() answers with what it learned.
  void learn_from_reshape(const NodeProto& reshape) {
    if (reshape.input_size() != 2 || attribute_int(reshape, "allowzero", 0) != 0) return;
    const auto target = constant_ints(graph_, reshape.input(1));
    const auto params = graph_.dim_params(reshape.output(0));
    const auto data = dims_of(reshape.input(0));
    if (!target || !params || !data || params->size() != target->size()) return;
    std::vector<Element> others;  // the target's entries but the -1
    for (size_t i = 0; i < target->size(); ++i) {
      if ((*target)[i] == 0 && i < data->size())
        others.push_back((*data)[i]);
      else if ((*target)[i] > 0)
        others.push_back({(*target)[i], {}});
      else if ((*target)[i] != -1)
        return;
    }
    const auto data_count = Monomial::of(*data), others_count = Monomial::of(others);
    for (size_t i = 0; i < target->size(); ++i) {
      const std::string symbol = "p:" + (*params)[i];
      if ((*params)[i].empty() || aliases_.count(symbol)) continue;
      std::optional<Element> e;
      if ((*target)[i] == 0 && i < data->size())
        e = (*data)[i];
      else if ((*target)[i] == -1 && data_count && others_count)
        e = quotient(*data_count, *others_count);
      if (e && !(e->value == 1 && e->symbol == symbol)) aliases_[symbol] = *e;
    }
  }

  // Computes the shape value a node produces, when its op and inputs allow.
  std::optional<ShapeValue> evaluate(const NodeProto& node) const {
    const std::string& op = node.op_type();
    if (!is_onnx_domain(node) || node.output_size() != 1 || node.input_size() == 0) return std::nullopt;
    if (op == "Shape") return shape(node);
    auto in = get(node.input(0));
    if (!in) return std::nullopt;
    if (op == "Identity") return in;
    if (op == "Cast") {
      const int64_t to = attribute_int(node, "to", 0);
      if (to != TensorProto::INT64 && to != TensorProto::INT32) return std::nullopt;
      if (to == TensorProto::INT32)  // values int32 cannot hold (INT64_MAX as a Slice end) change
        for (const auto& e : in->elements)
          if (e.known() && (e.value < INT32_MIN || e.value > INT32_MAX)) return std::nullopt;
      in->elem_type = static_cast<int32_t>(to);
      return in;
    }
    if (op == "Gather") return gather(node, *in);
    if (op == "Slice") return slice(node, *in);
    if (op == "Concat") return concat(node);
    if (op == "Mul") return multiply(node, *in);
    if (op == "Unsqueeze" || op == "Squeeze") return squeeze_or_unsqueeze(node, *in);
    return std::nullopt;
  }

  // Learns the unnamed dims of a broadcasting op's output (elementwise ops, MatMul's batch dims and
  // rows and columns): shape inference names a fresh unk__N where the inputs' dims are unnamed or
  // named differently, even when they are the same (after learn_from_reshape) or all but one are 1.
  void learn_from_broadcast(const NodeProto& node) {
    const auto params = graph_.dim_params(node.output(0));
    if (!params || node.input_size() < 1) return;
    const bool matmul = node.op_type() == "MatMul";
    if (matmul && node.input_size() != 2) return;
    const auto rank = static_cast<int64_t>(params->size());
    std::vector<std::vector<Element>> inputs;
    for (const auto& input : node.input()) {
      auto dims = dims_of(input);
      if (!dims || static_cast<int64_t>(dims->size()) > rank || (matmul && dims->size() < 2)) return;
      inputs.push_back(std::move(*dims));
    }
    if (matmul && static_cast<int64_t>(std::max(inputs[0].size(), inputs[1].size())) != rank) return;
    for (int64_t i = 0; i < rank; ++i) {
      const std::string symbol = "p:" + (*params)[i];
      if ((*params)[i].empty() || aliases_.count(symbol)) continue;
      std::optional<Element> same;
      bool agree = true;
      const int64_t from_end = rank - i;  // 1 for the last dim
      for (size_t k = 0; k < inputs.size() && agree; ++k) {
        const auto& dims = inputs[k];
        const auto n = static_cast<int64_t>(dims.size());
        std::optional<Element> d;
        if (matmul && from_end <= 2) {  // rows from A, columns from B
          if ((from_end == 2) == (k == 0)) d = dims[n - from_end];
        } else if (n - from_end >= 0 && (!matmul || from_end <= n)) {
          d = dims[n - from_end];
        }
        if (!d || (d->known() && d->value == 1 && !(matmul && from_end <= 2))) continue;
        if (!same) same = d;
        agree = *same == *d;
      }
      if (agree && same && !(same->value == 1 && same->symbol == symbol)) aliases_[symbol] = *same;
    }
  }

  void set(const std::string& name, ShapeValue v) { values_[name] = std::move(v); }

 private:
  std::optional<ShapeValue> shape(const NodeProto& node) const {
    auto dims = dims_of(node.input(0));
    if (!dims) return std::nullopt;
    const auto rank = static_cast<int64_t>(dims->size());
    auto clamp = [&](int64_t i) { return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank); };
    const int64_t start = clamp(attribute_int(node, "start", 0));
    const int64_t end = clamp(attribute_int(node, "end", rank));
    ShapeValue v;
    for (int64_t i = start; i < end; ++i) v.elements.push_back((*dims)[i]);
    return v;
  }

  std::optional<ShapeValue> gather(const NodeProto& node, const ShapeValue& in) const {
    if (in.scalar || node.input_size() != 2 || attribute_int(node, "axis", 0) != 0) return std::nullopt;
    const auto index = get(node.input(1));
    if (!index || !index->all_known()) return std::nullopt;
    ShapeValue v;
    v.scalar = index->scalar;
    v.elem_type = in.elem_type;
    const auto n = static_cast<int64_t>(in.elements.size());
    for (const auto& e : index->elements) {
      const int64_t i = e.value < 0 ? e.value + n : e.value;
      if (i < 0 || i >= n) return std::nullopt;
      v.elements.push_back(in.elements[i]);
    }
    return v;
  }

  std::optional<ShapeValue> slice(const NodeProto& node, const ShapeValue& in) const {
    if (in.scalar || node.input_size() < 3) return std::nullopt;
    std::vector<int64_t> bounds[4] = {{}, {}, {0}, {1}};  // starts, ends, axes, steps
    for (int k = 0; k < 4 && k + 1 < node.input_size(); ++k) {
      if (node.input(k + 1).empty()) continue;
      const auto c = get(node.input(k + 1));
      if (!c || !c->all_known() || c->elements.size() != 1) return std::nullopt;
      bounds[k] = {c->elements[0].value};
    }
    if (bounds[0].size() != 1 || bounds[1].size() != 1 || (bounds[2][0] != 0 && bounds[2][0] != -1))
      return std::nullopt;
    const auto n = static_cast<int64_t>(in.elements.size());
    const int64_t step = bounds[3][0];
    if (step == 0) return std::nullopt;
    int64_t start = bounds[0][0], end = bounds[1][0];
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (step > 0) {
      start = std::clamp(start, int64_t{0}, n);
      end = std::clamp(end, int64_t{0}, n);
    } else {
      start = std::clamp(start, int64_t{-1}, n - 1);
      end = std::clamp(end, int64_t{-1}, n - 1);
    }
    ShapeValue v;
    v.elem_type = in.elem_type;
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step) v.elements.push_back(in.elements[i]);
    return v;
  }

  // Elementwise product with a constant (one element, or as many as the value), both int64 or both
  // int32: numbers multiply, a multiple of a symbol scales its factor. Either input may be the
  // constant; a symbol times a symbol is not tracked.
  std::optional<ShapeValue> multiply(const NodeProto& node, const ShapeValue& in0) const {
    if (node.input_size() != 2) return std::nullopt;
    auto in1 = get(node.input(1));
    if (!in1 || in1->elem_type != in0.elem_type) return std::nullopt;
    ShapeValue a = in0, b = *in1;
    if (!b.all_known()) std::swap(a, b);
    if (!b.all_known()) return std::nullopt;
    const size_t n = std::max(a.elements.size(), b.elements.size());
    if ((a.elements.size() != n && a.elements.size() != 1) || (b.elements.size() != n && b.elements.size() != 1))
      return std::nullopt;
    ShapeValue v;
    v.scalar = a.scalar && b.scalar;
    v.elem_type = a.elem_type;
    for (size_t i = 0; i < n; ++i) {
      Element e = a.elements[a.elements.size() == 1 ? 0 : i];
      const int64_t factor = b.elements[b.elements.size() == 1 ? 0 : i].value;
      int64_t product = 0;
      if (__builtin_mul_overflow(e.value, factor, &product)) return std::nullopt;
      if (v.elem_type == TensorProto::INT32 && (product < INT32_MIN || product > INT32_MAX)) return std::nullopt;
      e.value = product;
      if (product == 0) e.symbol.clear();  // zero times anything
      v.elements.push_back(e);
    }
    return v;
  }

  std::optional<ShapeValue> concat(const NodeProto& node) const {
    if (attribute_int(node, "axis", 0) != 0 && attribute_int(node, "axis", 0) != -1) return std::nullopt;
    ShapeValue v;
    for (int i = 0; i < node.input_size(); ++i) {
      const auto part = get(node.input(i));
      if (!part || part->scalar || (i > 0 && part->elem_type != v.elem_type)) return std::nullopt;
      v.elem_type = part->elem_type;
      v.elements.insert(v.elements.end(), part->elements.begin(), part->elements.end());
    }
    return v;
  }

  // Unsqueeze of a scalar at axis 0 and Squeeze of a one-element vector: the same element.
  std::optional<ShapeValue> squeeze_or_unsqueeze(const NodeProto& node, ShapeValue in) const {
    std::optional<std::vector<int64_t>> axes = attribute_ints(node, "axes");
    if (node.input_size() >= 2 && !node.input(1).empty()) {
      const auto c = get(node.input(1));
      if (!c || !c->all_known()) return std::nullopt;
      axes = std::vector<int64_t>{};
      for (const auto& e : c->elements) axes->push_back(e.value);
    }
    if (node.op_type() == "Unsqueeze") {
      if (!in.scalar || !axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1)) return std::nullopt;
      in.scalar = false;
      return in;
    }
    if (in.scalar || in.elements.size() != 1) return std::nullopt;
    if (axes && !(axes->size() == 1 && ((*axes)[0] == 0 || (*axes)[0] == -1))) return std::nullopt;
    in.scalar = true;
    return in;
  }

  const Graph& graph_;
  std::unordered_map<std::string, ShapeValue> values_;
  std::unordered_map<std::string, Element> aliases_;  // symbol of an unnamed dim -> what it is
};

TensorProto to_tensor(const ShapeValue& v) {
  TensorProto t;
  t.set_data_type(v.elem_type);
  if (!v.scalar) t.add_dims(static_cast<int64_t>(v.elements.size()));
  for (const auto& e : v.elements) {
    if (v.elem_type == TensorProto::INT64)
      t.add_int64_data(e.value);
    else
      t.add_int32_data(static_cast<int32_t>(e.value));
  }
  return t;
}

// A constant target for Reshape(data, target), when the target's elements allow one (see top).
// With one unknown entry besides a -1, the -1 becomes a number when the element counts tell it:
// data [n, 256, 8, 8] and target [4n, 64, -1] give -1 = 16384 n / 256 n = 64, so [-1, 64, 64].
std::optional<ShapeValue> constant_reshape_target(const Tracker& tracker, const NodeProto& reshape,
                                                  const ShapeValue& target) {
  if (target.scalar || attribute_int(reshape, "allowzero", 0) != 0) return std::nullopt;
  const auto data_dims = tracker.dims_of(reshape.input(0));
  ShapeValue out = target;
  int unknown = 0, copied = 0;
  std::optional<size_t> minus_one;
  Monomial target_count;  // the product of the target's entries other than the -1
  bool countable = true;
  for (size_t i = 0; i < out.elements.size(); ++i) {
    Element& e = out.elements[i];
    if (e.known() && e.value == -1) {
      minus_one = i;
      continue;
    }
    if (e.known() && e.value == 0) {  // copies the data's dim i
      countable = countable && data_dims && i < data_dims->size() && target_count.times((*data_dims)[i]);
      continue;
    }
    countable = countable && target_count.times(e);
    if (e.known()) continue;
    if (data_dims && i < data_dims->size() && (*data_dims)[i] == e) {
      e = {0, {}};  // Reshape copies the input's dim at this position
      ++copied;
    } else {
      e = {-1, {}};
      ++unknown;
    }
  }
  if (unknown == 1 && minus_one) {
    Monomial data_count;
    for (const auto& d : data_dims ? *data_dims : std::vector<Element>{}) countable = countable && data_count.times(d);
    if (!data_dims || !countable || data_count.symbols != target_count.symbols || target_count.factor <= 0 ||
        data_count.factor <= 0 || data_count.factor % target_count.factor != 0)
      return std::nullopt;
    out.elements[*minus_one] = {data_count.factor / target_count.factor, {}};
    minus_one.reset();
  }
  if (unknown > 1 || (unknown == 1 && minus_one) || (unknown == 0 && copied == 0)) return std::nullopt;
  return out;
}

// Ops whose output dims are their inputs' broadcast (or, for MatMul, batch dims broadcast).
const std::set<std::string> kBroadcasting = {"Add",     "Sub",  "Mul",     "Div",  "Pow", "Max",    "Min",  "Where",
                                             "Equal",   "Less", "Greater", "And",  "Or",  "MatMul", "Relu", "Sigmoid",
                                             "Softmax", "Erf",  "Tanh",    "Sqrt", "Neg", "Exp",    "Cast", "Identity"};

class FoldShapeChains final : public Pass {
 public:
  std::string name() const override { return "fold_shape_chains"; }
  std::string description() const override {
    return "fold Shape/Cast/Gather/Slice/Concat/Unsqueeze/Squeeze chains on shapes; constant Reshape targets";
  }

  int run(Graph& graph) const override {
    Tracker tracker(graph);
    std::map<std::string, std::string> first;  // ShapeValue::key() -> the earliest value holding it
    int changes = 0;
    for (NodeProto* node : graph.nodes()) {
      if (node->op_type() == "Reshape" && is_onnx_domain(*node) && node->input_size() == 2) {
        if (const auto target = tracker.get(node->input(1)); target && !graph.constant(node->input(1))) {
          if (const auto fixed = constant_reshape_target(tracker, *node, *target)) {
            graph.set_input(node, 1, graph.add_initializer(to_tensor(*fixed), node->input(1) + "_static"));
            ++changes;
          }
        }
        tracker.learn_from_reshape(*node);
        continue;
      }
      if (node->op_type() == "Constant") continue;
      if (is_onnx_domain(*node) && node->output_size() == 1 && kBroadcasting.count(node->op_type()))
        tracker.learn_from_broadcast(*node);
      auto value = tracker.evaluate(*node);
      if (!value) continue;
      const std::string out = node->output(0);
      tracker.set(out, *value);
      // An Identity is left to eliminate_identity: folding it would turn the constant it passes on
      // (a Constant node, which ONNX Runtime does not read at load time) into an initializer that
      // ONNX Runtime checks strictly (a one-element vector where Range wants a scalar).
      if (out.empty() || node->op_type() == "Identity" || graph.is_graph_output(out) || graph.use_count(out) == 0)
        continue;
      if (value->all_known()) {
        if (graph.replace_uses(out, graph.add_initializer(to_tensor(*value), out + "_folded"))) ++changes;
        continue;
      }
      auto [it, inserted] = first.emplace(value->key(), out);
      if (!inserted && graph.replace_uses(out, it->second)) ++changes;
    }
    return changes;
  }
};

PIU_REGISTER_PASS(FoldShapeChains);

}  // namespace
}  // namespace piu::passes

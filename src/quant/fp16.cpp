// convert_fp16: float32 tensors of an ONNX model become float16, driven by the op schemas.
//
// The conversion decides one element type per float32 tensor and one wanted type per use of it,
// then inserts a Cast wherever the two differ (one Cast per tensor and target type):
//   - A node "runs in float16" unless its op type or name is blocked, it holds subgraphs (If, Loop,
//     Scan stay float32 with their bodies untouched), it is in a non-default domain, its schema is
//     unknown, or one of its values has an unknown or non-tensor type (sequences, optionals).
//   - For a node that runs in float16, each float32 input and output slot becomes float16 when its
//     formal parameter allows tensor(float16) (the schema's type constraints; a variadic last
//     parameter covers the remaining slots). Resize's `scales` allows only tensor(float): it stays.
//     An output only follows when its type is tied to an input that becomes float16 or set by a
//     `to`, `dtype` or `value` attribute, which is then rewritten (Cast, RandomNormal, EyeLike,
//     ConstantOfShape, ...).
//   - Graph inputs and outputs are float16 unless keep_io_types; with it a float16 result gets a
//     Cast that produces the output's own name (the internal tensor is renamed), so graph I/O
//     names never change.
//   - Constants (initializers, Constant nodes) take the type their users want: float16 when every
//     use wants it; otherwise they stay float32 and, when some uses want float16, a float16 copy
//     is added (no Cast computed at run time for a constant).
//   - A Cast that ends up float16 -> float16 is written as Identity; BitCast never converts (its
//     meaning depends on the element width); a model of other domains only gets a default-domain
//     opset import for the Casts.
// Values beyond float16's range are clamped to +-65504 (inf and NaN kept); tiny ones round as IEEE
// conversion does (to subnormals or zero).
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "onnx/graph_utils.hpp"
#include "piu/quant.hpp"

namespace piu {

namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kHalf = onnx::TensorProto::FLOAT16;
constexpr int32_t kNotTensor = -1;  // sequences, maps, optionals

uint16_t to_half(float v) {
  if (std::isfinite(v)) v = std::clamp(v, -65504.0f, 65504.0f);
  return float_to_half(v);
}

// Rewrites a float32 TensorProto as float16 in place (raw data, or the typed float_data field).
void tensor_to_half(onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(ErrorCode::kBadInput, "tensor '" + t.name() + "' still references external data (load it first)");
  std::string half;
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    const size_t n = raw.size() / sizeof(float);
    half.resize(n * sizeof(uint16_t));
    for (size_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, raw.data() + i * sizeof v, sizeof v);
      const uint16_t h = to_half(v);
      std::memcpy(half.data() + i * sizeof h, &h, sizeof h);
    }
  } else {
    half.resize(static_cast<size_t>(t.float_data_size()) * sizeof(uint16_t));
    for (int i = 0; i < t.float_data_size(); ++i) {
      const uint16_t h = to_half(t.float_data(i));
      std::memcpy(half.data() + i * sizeof h, &h, sizeof h);
    }
    t.clear_float_data();
  }
  t.set_raw_data(std::move(half));
  t.set_data_type(kHalf);
}

using graph_utils::for_each_subgraph;
using graph_utils::has_subgraph;
using graph_utils::is_default_domain;
using graph_utils::outer_references;
using graph_utils::rename_outer_reference;

// Every name a graph and its subgraphs use (values and nodes), for picking fresh ones.
void collect_names(const onnx::GraphProto& g, std::set<std::string>& names) {
  for (const auto& v : g.input()) names.insert(v.name());
  for (const auto& v : g.output()) names.insert(v.name());
  for (const auto& v : g.value_info()) names.insert(v.name());
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const auto& t : g.sparse_initializer()) names.insert(t.values().name());
  for (const auto& n : g.node()) {
    names.insert(n.name());
    names.insert(n.input().begin(), n.input().end());
    names.insert(n.output().begin(), n.output().end());
    for_each_subgraph(n, [&](const onnx::GraphProto& sub) { collect_names(sub, names); });
  }
}

// Element type of every value of the main graph ONNX's shape inference knows (kNotTensor for
// non-tensors). The model's declared outputs and value_info are left as they were.
std::map<std::string, int32_t> infer_elem_types(OnnxModel& model) {
  auto& g = *model.proto().mutable_graph();
  const auto outputs = g.output();
  const auto value_info = g.value_info();
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0, /*data_propagation=*/false);
    onnx::shape_inference::InferShapes(model.proto(), onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception&) {
    // Values inference could not type stay unknown; nodes touching them stay float32.
  }
  std::map<std::string, int32_t> types;
  auto add = [&](const onnx::ValueInfoProto& v) {
    if (!v.has_type()) return;
    if (v.type().has_tensor_type()) {
      if (v.type().tensor_type().elem_type() != 0) types[v.name()] = v.type().tensor_type().elem_type();
    } else {
      types[v.name()] = kNotTensor;
    }
  };
  for (const auto& v : g.input()) add(v);
  for (const auto& v : g.output()) add(v);
  for (const auto& v : g.value_info()) add(v);
  for (const auto& t : g.initializer()) types[t.name()] = t.data_type();
  for (const auto& t : g.sparse_initializer()) types[t.values().name()] = t.values().data_type();
  *g.mutable_output() = outputs;
  *g.mutable_value_info() = value_info;
  return types;
}

// Whether a formal parameter accepts float16.
bool allows_half(const onnx::OpSchema::FormalParameter& p) {
  for (const auto* t : p.GetTypes())
    if (*t == "tensor(float16)") return true;
  return false;
}

// The formal parameter of slot `i` (the last one covers the rest when variadic); null past the end.
const onnx::OpSchema::FormalParameter* formal(const std::vector<onnx::OpSchema::FormalParameter>& params, int i) {
  if (params.empty()) return nullptr;
  if (i < static_cast<int>(params.size())) return &params[i];
  if (params.back().GetOption() == onnx::OpSchema::Variadic) return &params.back();
  return nullptr;
}

// Attributes that set an output's element type.
bool has_type_attribute(const onnx::OpSchema& schema) {
  const auto& attrs = schema.attributes();
  return attrs.count("to") || attrs.count("dtype") || attrs.count("value");
}

// A use of a value: node input slot, a subgraph reading it, or a graph output.
struct Use {
  enum Kind { kInput, kImplicit, kGraphOutput } kind;
  int node = -1;  // index into the main graph's nodes (kInput, kImplicit)
  int slot = -1;  // input index (kInput) or graph output index (kGraphOutput)
  int32_t want = 0;
};

struct NodePlan {
  bool fp16 = false;              // runs in float16
  bool constant = false;          // a Constant node holding a float32 tensor: typed by its uses
  bool touches_float = false;     // reads or writes a float32 tensor
  std::vector<int32_t> in_want;   // per input: kHalf/kFloat for float32 tensors, else 0
  std::vector<int32_t> out_type;  // per output: the same
};

class Converter {
 public:
  Converter(OnnxModel& model, const Fp16Options& options)
      : model_(model),
        options_(options),
        g_(*model.proto().mutable_graph()),
        blocked_ops_(options.op_block_list.begin(), options.op_block_list.end()) {}

  Fp16Report run() {
    types_ = infer_elem_types(model_);
    opset_ = graph_utils::default_opset(model_.proto());
    if (opset_ == 0) opset_ = 1;
    collect_names(g_, names_);
    check_node_block_list();
    plan_nodes();
    type_values();
    rewire();
    rewrite();
    return report_;
  }

 private:
  bool is_float(const std::string& name) const {
    auto it = types_.find(name);
    return !name.empty() && it != types_.end() && it->second == kFloat;
  }

  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int i = 1; names_.count(name); ++i) name = base + "_" + std::to_string(i);
    names_.insert(name);
    return name;
  }

  std::string node_key(int i) const { return quant_node_key(g_.node(i), static_cast<size_t>(i)); }

  void check_node_block_list() const {
    std::set<std::string> keys;
    for (int i = 0; i < g_.node_size(); ++i) keys.insert(node_key(i));
    for (const auto& name : options_.node_block_list)
      if (!keys.count(name))
        throw Error(ErrorCode::kBadInput, "node block list names '" + name +
                                              "', which is no node of the main graph (unnamed nodes are "
                                              "\"op_type#index\")");
  }

  // The schema node i runs in float16 with, or nullptr when it stays float32.
  const onnx::OpSchema* fp16_schema(int i) const {
    const auto& n = g_.node(i);
    // BitCast reinterprets bits: its meaning changes with the element width.
    if (!is_default_domain(n.domain()) || n.op_type() == "BitCast" || blocked_ops_.count(n.op_type()) ||
        options_.node_block_list.count(node_key(i)) || has_subgraph(n))
      return nullptr;
    for (const auto& v : n.input())
      if (!v.empty() && (!types_.count(v) || types_.at(v) == kNotTensor)) return nullptr;
    for (const auto& v : n.output())
      if (!v.empty() && (!types_.count(v) || types_.at(v) == kNotTensor)) return nullptr;
    return onnx::OpSchemaRegistry::Schema(n.op_type(), opset_, "");
  }

  void plan_nodes() {
    plans_.resize(g_.node_size());
    for (int i = 0; i < g_.node_size(); ++i) {
      const auto& n = g_.node(i);
      NodePlan& p = plans_[i];
      p.in_want.assign(n.input_size(), 0);
      p.out_type.assign(n.output_size(), 0);
      for (int k = 0; k < n.input_size(); ++k)
        if (is_float(n.input(k))) p.in_want[k] = kFloat, p.touches_float = true;
      for (int k = 0; k < n.output_size(); ++k)
        if (is_float(n.output(k))) p.out_type[k] = kFloat, p.touches_float = true;
      if (has_subgraph(n)) {
        std::set<std::string> refs;
        for_each_subgraph(n, [&](const onnx::GraphProto& sub) {
          for (auto& r : outer_references(sub)) refs.insert(std::move(r));
        });
        for (const auto& r : refs)
          if (is_float(r)) implicit_[i].push_back(r), p.touches_float = true;
      }
      if (!p.touches_float) continue;
      const onnx::OpSchema* schema = fp16_schema(i);
      if (!schema) {
        ++report_.blocked_nodes;
        continue;
      }
      p.fp16 = true;
      if (n.op_type() == "Constant") {
        bool sparse = false;
        for (const auto& a : n.attribute()) sparse = sparse || a.name() == "sparse_value";
        p.constant = !sparse;
        p.fp16 = !sparse;
        if (sparse) ++report_.blocked_nodes;
        continue;
      }
      std::set<std::string> half_constraints;  // type strings of inputs that become float16
      bool any_half = false;
      for (int k = 0; k < n.input_size(); ++k) {
        const auto* f = formal(schema->inputs(), k);
        if (p.in_want[k] == kFloat && f && allows_half(*f)) {
          p.in_want[k] = kHalf, any_half = true;
          half_constraints.insert(f->GetTypeStr());
        }
      }
      const bool typed_by_attribute = has_type_attribute(*schema);
      for (int k = 0; k < n.output_size(); ++k) {
        const auto* f = formal(schema->outputs(), k);
        if (p.out_type[k] == kFloat && f && allows_half(*f) &&
            (half_constraints.count(f->GetTypeStr()) || typed_by_attribute))
          p.out_type[k] = kHalf, any_half = true;
      }
      if (any_half) ++report_.converted_nodes;
    }
  }

  // The element type each float32 value ends with, and every use of it.
  void type_values() {
    std::set<std::string> graph_inputs;
    for (const auto& v : g_.input()) graph_inputs.insert(v.name());
    const int32_t io = options_.keep_io_types ? kFloat : kHalf;
    for (const auto& v : g_.input())
      if (is_float(v.name())) final_[v.name()] = io;
    for (const auto& t : g_.initializer())
      if (is_float(t.name()) && !graph_inputs.count(t.name())) final_[t.name()] = 0;  // by its uses, below
    for (const auto& t : g_.sparse_initializer())
      if (is_float(t.values().name())) final_[t.values().name()] = kFloat;
    for (int i = 0; i < g_.node_size(); ++i) {
      const auto& n = g_.node(i);
      const NodePlan& p = plans_[i];
      for (int k = 0; k < n.output_size(); ++k)
        if (p.out_type[k]) final_[n.output(k)] = p.constant ? 0 : p.out_type[k];
      for (int k = 0; k < n.input_size(); ++k)
        if (p.in_want[k]) uses_[n.input(k)].push_back({Use::kInput, i, k, p.fp16 ? p.in_want[k] : kFloat});
      for (const auto& r : implicit_[i]) uses_[r].push_back({Use::kImplicit, i, -1, kFloat});
    }
    for (int k = 0; k < g_.output_size(); ++k)
      if (is_float(g_.output(k).name())) uses_[g_.output(k).name()].push_back({Use::kGraphOutput, -1, k, io});
    // Constants: float16 when every use wants it.
    for (auto& [name, type] : final_) {
      if (type != 0) continue;
      bool all_half = true, any_half = false;
      for (const Use& u : uses_[name]) {
        all_half = all_half && u.want == kHalf;
        any_half = any_half || u.want == kHalf;
      }
      type = all_half ? kHalf : kFloat;
      if (!all_half && any_half) half_copy_[name] = fresh(name + "_fp16");
    }
  }

  // Points every use at a value of the type it wants: the value, its float16 copy or a Cast.
  void rewire() {
    for (auto& [name, uses] : uses_) {
      auto it = final_.find(name);
      if (it == final_.end()) continue;  // not float32 after all (should not happen)
      const int32_t type = it->second;
      for (const Use& u : uses) {
        if (u.kind != Use::kGraphOutput || u.want == type || internal_.count(name)) continue;
        // The output keeps its name: the value is renamed and a Cast produces the name.
        internal_[name] = fresh(name + (type == kHalf ? "_fp16" : "_fp32"));
      }
    }
    for (auto& [name, uses] : uses_) {
      auto it = final_.find(name);
      if (it == final_.end()) continue;
      const int32_t type = it->second;
      const std::string source = internal_.count(name) ? internal_[name] : name;
      bool output_cast_done = false;
      for (const Use& u : uses) {
        std::string target = source;
        if (u.kind == Use::kGraphOutput) {
          if (u.want != type && !output_cast_done) add_cast(name, source, name, u.want);
          output_cast_done = output_cast_done || u.want != type;  // a value listed as two outputs
          continue;
        }
        if (u.want != type) {
          if (u.want == kHalf && half_copy_.count(name)) {
            target = half_copy_[name];
          } else {
            auto key = std::make_pair(name, u.want);
            if (!casts_.count(key)) {
              casts_[key] = fresh(name + (u.want == kHalf ? "_fp16" : "_fp32"));
              add_cast(name, source, casts_[key], u.want);
            }
            target = casts_[key];
          }
        }
        if (target == name) continue;
        auto& node = *g_.mutable_node(u.node);
        if (u.kind == Use::kInput) {
          node.set_input(u.slot, target);
        } else {
          for_each_subgraph(node, [&](onnx::GraphProto& sub) { rename_outer_reference(sub, name, target); });
        }
      }
    }
  }

  void add_cast(const std::string& value, const std::string& from, const std::string& to, int32_t type) {
    onnx::NodeProto cast;
    cast.set_op_type("Cast");
    cast.set_name(fresh(to + "_cast"));
    cast.add_input(from);
    cast.add_output(to);
    auto* a = cast.add_attribute();
    a->set_name("to");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(type);
    cast_after_[value].push_back(std::move(cast));
    final_out_[to] = type;
    ++report_.casts;
  }

  // Applies the plan: tensors, attributes, renamed values, Casts and declared types.
  void rewrite() {
    std::map<std::string, int> producer;
    for (int i = 0; i < g_.node_size(); ++i)
      for (const auto& o : g_.node(i).output()) producer[o] = i;
    // Initializers (and their float16 copies).
    std::vector<onnx::TensorProto> copies;
    for (auto& t : *g_.mutable_initializer()) {
      auto it = final_.find(t.name());
      if (it == final_.end()) continue;
      if (half_copy_.count(t.name())) {
        copies.push_back(t);
        copies.back().set_name(half_copy_[t.name()]);
        tensor_to_half(copies.back());
      }
      if (it->second == kHalf) {
        tensor_to_half(t);
        ++report_.converted_initializers;
      }
      if (internal_.count(t.name())) t.set_name(internal_[t.name()]);
    }
    for (auto& c : copies) *g_.add_initializer() = std::move(c), ++report_.converted_initializers;
    // Nodes: attributes that carry the element type, renamed outputs, Casts after producers.
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    auto emit_casts = [&](const std::string& value) {
      auto it = cast_after_.find(value);
      if (it == cast_after_.end()) return;
      for (auto& c : it->second) *nodes.Add() = std::move(c);
    };
    for (const auto& [value, casts] : cast_after_)
      if (!producer.count(value)) emit_casts(value);  // graph inputs and initializers
    for (int i = 0; i < g_.node_size(); ++i) {
      onnx::NodeProto& n = *g_.mutable_node(i);
      const NodePlan& p = plans_[i];
      if (p.fp16) {
        if (p.constant) {
          const std::string& out = n.output(0);
          if (half_copy_.count(out)) {
            onnx::NodeProto copy = n;
            copy.set_name(fresh((n.name().empty() ? out : n.name()) + "_fp16"));
            copy.set_output(0, half_copy_[out]);
            constant_to_half(copy);
            ++report_.converted_nodes;
            *nodes.Add() = std::move(copy);
          }
          if (final_[out] == kHalf) constant_to_half(n), ++report_.converted_nodes;
        } else {
          bool half_out = false;
          for (int32_t t : p.out_type) half_out = half_out || t == kHalf;
          if (half_out) retype_attributes(n);
          // A Cast that became float16 -> float16 is a no-op, written as Identity (ONNX Runtime
          // 1.30 with graph optimizations off fails to load such a Cast between two ops it
          // computes in float32 internally).
          if (n.op_type() == "Cast" && cast_target(n) == (p.in_want[0] ? p.in_want[0] : types_[n.input(0)])) {
            n.set_op_type("Identity");
            n.clear_attribute();
          }
        }
      }
      std::vector<std::string> outs(n.output().begin(), n.output().end());
      for (auto& o : *n.mutable_output())
        if (internal_.count(o)) o = internal_[o];
      *nodes.Add() = std::move(n);
      for (const auto& o : outs)
        if (producer.count(o)) emit_casts(o);
    }
    g_.mutable_node()->Swap(&nodes);
    // Casts are default-domain ops: a model of other domains only (ai.onnx.ml) needs the import.
    bool has_default = false;
    for (const auto& op : model_.proto().opset_import()) has_default = has_default || is_default_domain(op.domain());
    if (!has_default && report_.casts > 0) {
      auto* op = model_.proto().add_opset_import();
      op->set_domain("");
      const int64_t ir = model_.proto().ir_version();
      op->set_version(ir >= 7 ? 13 : ir >= 4 ? 9 : 7);  // one the model's IR version allows
    }
    // Declared types of graph inputs, outputs and value_info.
    for (const auto& [name, type] : final_) final_out_.emplace(internal_.count(name) ? internal_[name] : name, type);
    const int32_t io = options_.keep_io_types ? kFloat : kHalf;
    for (auto& v : *g_.mutable_input())
      if (final_.count(v.name())) v.mutable_type()->mutable_tensor_type()->set_elem_type(final_[v.name()]);
    for (auto& v : *g_.mutable_output())
      if (is_float(v.name())) v.mutable_type()->mutable_tensor_type()->set_elem_type(io);
    std::set<std::string> outputs;
    for (const auto& v : g_.output()) outputs.insert(v.name());
    auto* vi = g_.mutable_value_info();
    for (int k = vi->size() - 1; k >= 0; --k) {
      auto& v = *vi->Mutable(k);
      if (!v.type().has_tensor_type() || v.type().tensor_type().elem_type() != kFloat) continue;
      auto it = final_out_.find(v.name());
      if (it == final_out_.end() || outputs.count(v.name()))
        vi->DeleteSubrange(k, 1);  // stale: the name now means something else
      else
        v.mutable_type()->mutable_tensor_type()->set_elem_type(it->second);
    }
  }

  static int64_t cast_target(const onnx::NodeProto& cast) {
    for (const auto& a : cast.attribute())
      if (a.name() == "to") return a.i();
    return 0;
  }

  // A Constant's value (value, value_float, value_floats) as a float16 tensor.
  static void constant_to_half(onnx::NodeProto& n) {
    for (auto& a : *n.mutable_attribute()) {
      if (a.name() == "value" && a.t().data_type() == kFloat) {
        tensor_to_half(*a.mutable_t());
      } else if (a.name() == "value_float" || a.name() == "value_floats") {
        onnx::TensorProto t;
        t.set_data_type(kFloat);
        if (a.name() == "value_float") {
          t.add_float_data(a.f());
        } else {
          t.add_dims(a.floats_size());
          for (float f : a.floats()) t.add_float_data(f);
        }
        tensor_to_half(t);
        a.Clear();
        a.set_name("value");
        a.set_type(onnx::AttributeProto::TENSOR);
        *a.mutable_t() = std::move(t);
      }
    }
  }

  // Attributes that set a float32 output's type now say float16: `to` and `dtype` (present, or
  // absent with a float default as RandomNormal's), `value` tensors (absent: ConstantOfShape's
  // float 0).
  void retype_attributes(onnx::NodeProto& n) const {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), opset_, "");
    if (!schema) return;
    for (const auto& [name, attr] : schema->attributes()) {
      if (name != "to" && name != "dtype" && name != "value") continue;
      onnx::AttributeProto* a = nullptr;
      for (auto& x : *n.mutable_attribute())
        if (x.name() == name) a = &x;
      if (name == "value") {
        if (!a) {
          if (n.op_type() != "ConstantOfShape") continue;
          a = n.add_attribute();
          a->set_name("value");
          a->set_type(onnx::AttributeProto::TENSOR);
          a->mutable_t()->add_dims(1);
          a->mutable_t()->set_data_type(kFloat);
          a->mutable_t()->add_float_data(0.0f);
        }
        if (a->t().data_type() == kFloat) tensor_to_half(*a->mutable_t());
        continue;
      }
      if (!a && attr.default_value.has_i() && attr.default_value.i() == kFloat) {
        a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(kFloat);
      }
      if (a && a->i() == kFloat) a->set_i(kHalf);
    }
  }

  OnnxModel& model_;
  const Fp16Options& options_;
  onnx::GraphProto& g_;
  const std::set<std::string> blocked_ops_;
  int64_t opset_ = 0;
  std::map<std::string, int32_t> types_;  // element types before conversion
  std::set<std::string> names_;
  std::vector<NodePlan> plans_;
  std::map<int, std::vector<std::string>> implicit_;  // node -> float32 values its subgraphs read
  std::map<std::string, int32_t> final_;              // float32 value -> its element type after
  std::map<std::string, int32_t> final_out_;          // new and renamed values -> element type
  std::map<std::string, std::vector<Use>> uses_;
  std::map<std::string, std::string> half_copy_;  // constant -> its float16 copy
  std::map<std::string, std::string> internal_;   // graph output -> the renamed value behind its Cast
  std::map<std::pair<std::string, int32_t>, std::string> casts_;
  std::map<std::string, std::vector<onnx::NodeProto>> cast_after_;  // value -> Casts reading it
  Fp16Report report_;
};

}  // namespace

// The default block list. Each entry was tried on ONNX Runtime 1.30's CPU provider with every float
// tensor in float16 (the ONNX node tests plus single-op models; graph optimizations off, as piu
// verifies). Most ops it has no float16 kernel for still run: the runtime computes them in float32
// between Casts of its own. These do not:
//   RandomNormal, RandomUniform   no float16 kernel; the output type is an attribute, so the
//                                 runtime cannot insert Casts (NOT_IMPLEMENTED on load).
//   EyeLike                       the same, when `dtype` sets a float16 output.
//   MeanVarianceNormalization     fails to load: its function body binds float16 and float.
//   AffineGrid                    fails at run time in its function body (axis out of range).
//   ScatterND, ScatterElements    refused at run time for float16 with a reduction (add, mul, min, max).
// And these lose too much: their results grow with the number of elements reduced and leave float16's
// range (65504) for ordinary inputs (the sum of squares of 1e5 standard normals is inf in float16).
//   ReduceSumSquare, ReduceProd
// Not listed because they run and stay within 1e-3 of the output scale on the CPU provider:
// softmax, normalizations (LayerNormalization, InstanceNormalization, GroupNormalization), reductions
// (ReduceSum/Mean/L2/LogSumExp over 1e5 elements), MatMul/Gemm/Conv with 8192-long dot products,
// Resize, TopK, CumSum, RoiAlign, GridSample, the recurrent ops. Ops whose schema has no float16
// (Range, NonMaxSuppression, Resize's scales, Celu, ...) keep float32 by the schema rule, not this list.
std::vector<std::string> default_fp16_block_list() {
  return {"RandomNormal",    "RandomUniform",   "EyeLike",   "MeanVarianceNormalization", "AffineGrid", "ScatterND",
          "ScatterElements", "ReduceSumSquare", "ReduceProd"};
}

Fp16Report convert_fp16(OnnxModel& model, const Fp16Options& options) {
  if (!model.proto().has_graph()) throw Error(ErrorCode::kBadInput, "the model has no graph");
  return Converter(model, options).run();
}

}  // namespace piu

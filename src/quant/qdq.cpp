// Q/DQ quantization: QuantizeLinear/DequantizeLinear pairs on activations, int8 weights behind
// DequantizeLinear, placed where ONNX Runtime's QDQ fusions and TensorRT's explicit quantization
// turn them into int8 kernels.
//
// Placement (one rule set for every model):
// - a quantizable node (an op of QuantizeOptions::op_types, not excluded, every activation input
//   with a calibrated range) reads its float activations through Q -> DQ and, for Conv,
//   ConvTranspose, Gemm and MatMul, its constant weight as int8 behind a DQ (per output channel);
// - the output of a quantizable Conv/ConvTranspose is quantized too, because the runtimes' int8
//   kernels take and give int8 (QLinearConv); so is that of Add/Concat/AveragePool/GlobalAveragePool
//   when a quantized node reads it (QLinearAdd, ... keep int8 flowing), but not when only float ops
//   do (attention logits on their way to a Softmax keep their resolution). When that output's only reader is a Relu or Clip, the activation's output is quantized
//   instead: its range starts at 0 (or the clip bounds), so runtimes drop the activation and
//   saturation does its work (ONNX Runtime's Relu/Clip-Quantize fusion, TensorRT's own fusion);
// - an activation quantized once is read through its DQ by every reader but excluded nodes, so a
//   producer's only reader is its Q (the fusion pattern) and float readers see what int8 readers see;
// - MaxPool, Reshape, Flatten, Transpose, Squeeze and Unsqueeze outputs reuse their input's scale
//   and zero point, so runtimes can run them on int8 data without requantizing.
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "onnx/graph_utils.hpp"
#include "piu/quant.hpp"
#include "piu/simplify.hpp"

namespace piu {

namespace {

using onnx::NodeProto;
using onnx::TensorProto;

const std::vector<std::string>& default_op_types() {
  static const std::vector<std::string> ops = {"Conv",  "ConvTranspose", "Gemm",        "MatMul",           "Add",
                                               "Concat", "MaxPool",      "AveragePool", "GlobalAveragePool"};
  return ops;
}

bool quantizes_output(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "Add" || op == "Concat" || op == "AveragePool" ||
         op == "GlobalAveragePool";
}
bool keeps_scale(const std::string& op) {
  return op == "MaxPool" || op == "Reshape" || op == "Flatten" || op == "Transpose" || op == "Squeeze" ||
         op == "Unsqueeze";
}

struct QParams {
  float scale = 1;
  int32_t zero_point = 0;
};

QParams activation_params(const TensorRange& r, bool symmetric) {
  QParams q;
  if (symmetric) {
    q.scale = r.amax > 0 ? r.amax / 127.0f : 1.0f;
    q.zero_point = 0;
    return q;
  }
  const float lo = r.lo(), hi = r.hi();
  if (!(hi > lo)) return q;
  q.scale = (hi - lo) / 255.0f;
  q.zero_point = static_cast<int32_t>(std::lround(-lo / q.scale));
  q.zero_point = std::clamp(q.zero_point, 0, 255);
  return q;
}

using graph_utils::default_opset;

class Quantizer {
 public:
  Quantizer(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options)
      : model_(model), table_(table), options_(options) {}

  QuantizeReport run() {
    QuantizeReport report;
    report.opset_before = default_opset(model_.proto());
    if (report.opset_before < 13) {
      try {
        model_.proto() = onnx::version_conversion::ConvertVersion(model_.proto(), 13);
      } catch (const std::exception& e) {
        throw Error(ErrorCode::kUnsupported, std::string("cannot convert the model from opset ") +
                                                 std::to_string(report.opset_before) +
                                                 " to 13 (per-channel DequantizeLinear needs it): " + e.what());
      }
    }
    report.opset_after = default_opset(model_.proto());
    g_ = model_.proto().mutable_graph();
    infer_shapes(model_);
    index();
    choose_nodes(report);
    if (table_.ranges.empty()) throw Error(ErrorCode::kBadInput, "the calibration table holds no ranges");
    choose_activations();
    rewrite(report);
    return report;
  }

 private:
  bool is_float(const std::string& name) const {
    auto it = types_.find(name);
    return it != types_.end() && it->second == TensorProto::FLOAT;
  }
  bool is_initializer(const std::string& name) const { return init_.count(name) > 0; }
  bool has_range(const std::string& name) const { return table_.ranges.count(name) > 0; }

  void index() {
    for (int i = 0; i < g_->initializer_size(); ++i) init_[g_->initializer(i).name()] = i;
    for (const auto* list : {&g_->input(), &g_->output(), &g_->value_info()})
      for (const auto& vi : *list)
        if (vi.type().has_tensor_type()) types_[vi.name()] = vi.type().tensor_type().elem_type();
    for (const auto& t : g_->initializer()) types_[t.name()] = t.data_type();
    for (int i = 0; i < g_->node_size(); ++i) {
      const auto& n = g_->node(i);
      for (const auto& in : n.input())
        if (!in.empty()) readers_[in].push_back(i);
      for (const auto& out : n.output())
        if (!out.empty()) producer_[out] = i;
      for (const auto& s : {&n.input(), &n.output()})
        for (const auto& name : *s) names_.insert(name);
      names_.insert(n.name());
    }
    for (const auto& o : g_->output()) graph_outputs_.insert(o.name());
    for (const auto& t : g_->initializer()) names_.insert(t.name());
    for (const auto& t : g_->input()) names_.insert(t.name());
  }

  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
  }

  // Which inputs of a node are activations to quantize and which is its weight.
  struct Plan {
    std::vector<int> activations;  // input slots
    int weight = -1;               // input slot of a constant weight
    int weight_axis = -1;          // per-channel axis (-1: per tensor)
    int bias = -1;                 // input slot of a constant bias
  };

  std::optional<Plan> plan(const NodeProto& n) const {
    Plan p;
    const std::string& op = n.op_type();
    if (!graph_utils::is_onnx_domain(n)) return std::nullopt;
    const int inputs = n.input_size();
    if (inputs == 0) return std::nullopt;
    auto activation = [&](int slot) {
      const std::string& name = n.input(slot);
      return !name.empty() && !is_initializer(name) && is_float(name);
    };
    auto constant_float = [&](int slot) {
      return slot < inputs && is_initializer(n.input(slot)) && is_float(n.input(slot));
    };
    if (op == "Conv" || op == "ConvTranspose") {
      if (inputs < 2 || !activation(0) || !constant_float(1)) return std::nullopt;
      p.activations = {0};
      p.weight = 1;
      p.weight_axis = op == "Conv" && options_.per_channel ? 0 : -1;
      if (constant_float(2)) p.bias = 2;
      return p;
    }
    if (op == "Gemm") {
      if (inputs < 2 || !activation(0) || !constant_float(1)) return std::nullopt;
      for (const auto& a : n.attribute())
        if (a.name() == "transA" && a.i() != 0) return std::nullopt;
      bool trans_b = false;
      for (const auto& a : n.attribute())
        if (a.name() == "transB") trans_b = a.i() != 0;
      p.activations = {0};
      p.weight = 1;
      p.weight_axis = options_.per_channel ? (trans_b ? 0 : 1) : -1;
      if (constant_float(2) && tensor_rank(n.input(2)) == 1) p.bias = 2;
      return p;
    }
    if (op == "MatMul") {
      if (inputs != 2) return std::nullopt;
      for (int s = 0; s < 2; ++s) {
        if (activation(s))
          p.activations.push_back(s);
        else if (constant_float(s))
          p.weight = s;
        else
          return std::nullopt;
      }
      if (p.activations.empty()) return std::nullopt;
      if (p.weight == 1 && options_.per_channel && tensor_rank(n.input(1)) == 2) p.weight_axis = 1;
      return p;
    }
    // Activation-only ops: every input must be a float activation.
    for (int s = 0; s < inputs; ++s) {
      if (op != "Concat" && s > 0 && (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool")) break;
      if (!activation(s)) return std::nullopt;
      p.activations.push_back(s);
    }
    return p;
  }

  int tensor_rank(const std::string& name) const {
    auto it = init_.find(name);
    return it == init_.end() ? -1 : g_->initializer(it->second).dims_size();
  }

  void choose_nodes(QuantizeReport& report) {
    std::set<std::string> ops(options_.op_types.begin(), options_.op_types.end());
    if (ops.empty()) ops.insert(default_op_types().begin(), default_op_types().end());
    for (int i = 0; i < g_->node_size(); ++i) {
      const auto& n = g_->node(i);
      if (!ops.count(n.op_type())) continue;
      auto p = plan(n);
      if (!p) continue;
      const std::string key = quant_node_key(n, static_cast<size_t>(i));
      bool ranges = true;
      for (int s : p->activations)
        if (!has_range(n.input(s))) {
          ranges = false;
          report.missing_ranges.push_back(n.input(s));
        }
      if (!ranges) continue;
      report.quantizable_nodes.push_back(key);
      if (options_.exclude_nodes.count(key)) {
        report.excluded_nodes.push_back(key);
        excluded_.insert(i);
        continue;
      }
      plans_[i] = *p;
    }
    std::sort(report.missing_ranges.begin(), report.missing_ranges.end());
    report.missing_ranges.erase(std::unique(report.missing_ranges.begin(), report.missing_ranges.end()),
                                report.missing_ranges.end());
  }

  // The tensor whose Q/DQ stands for node i's output: past a lone Relu/Clip reader.
  std::string output_site(int i) const {
    const std::string& out = g_->node(i).output(0);
    auto it = readers_.find(out);
    if (graph_outputs_.count(out) || it == readers_.end() || it->second.size() != 1) return out;
    const auto& reader = g_->node(it->second[0]);
    if ((reader.op_type() == "Relu" || reader.op_type() == "Clip") && reader.input(0) == out &&
        !excluded_.count(it->second[0]))
      return reader.output(0);
    return out;
  }

  // True when a quantized node reads `name` as an activation, directly or through ops that keep
  // its scale (MaxPool, Reshape, ...).
  bool read_in_int8(const std::string& name, int depth = 0) const {
    auto it = readers_.find(name);
    if (it == readers_.end() || depth > 8) return false;
    for (int r : it->second) {
      if (auto p = plans_.find(r); p != plans_.end()) {
        for (int slot : p->second.activations)
          if (g_->node(r).input(slot) == name) return true;
      }
      const auto& reader = g_->node(r);
      if (keeps_scale(reader.op_type()) && reader.input_size() > 0 && reader.input(0) == name &&
          reader.output_size() > 0 && read_in_int8(reader.output(0), depth + 1))
        return true;
    }
    return false;
  }

  void choose_activations() {
    for (const auto& [i, p] : plans_) {
      const auto& n = g_->node(i);
      for (int s : p.activations) quantized_.insert(n.input(s));
      if (quantizes_output(n.op_type())) {
        const std::string site = output_site(i);
        // A Conv's int8 kernel needs its output quantized; other ops' outputs are quantized only
        // when int8 goes on (a reader takes it in int8): the attention logits an Add produces
        // for a Softmax keep their resolution.
        const bool conv = n.op_type() == "Conv" || n.op_type() == "ConvTranspose";
        if (has_range(site) && is_float(site) && (conv || read_in_int8(site))) quantized_.insert(site);
      }
    }
    // Scale-keeping ops between two quantized tensors share their input's parameters.
    for (const auto& name : quantized_) params_[name] = activation_params(table_.ranges.at(name), options_.symmetric_activations);
    for (int i = 0; i < g_->node_size(); ++i) {
      const auto& n = g_->node(i);
      if (!keeps_scale(n.op_type()) || n.input_size() == 0 || n.output_size() == 0) continue;
      if (quantized_.count(n.input(0)) && quantized_.count(n.output(0)))
        params_[n.output(0)] = params_[n.input(0)];
    }
  }

  TensorProto scalar_tensor(const std::string& name, float v) {
    TensorProto t;
    t.set_name(name);
    t.set_data_type(TensorProto::FLOAT);
    t.add_float_data(v);
    return t;
  }
  TensorProto zero_point_tensor(const std::string& name, int32_t zp) {
    TensorProto t;
    t.set_name(name);
    t.set_data_type(options_.symmetric_activations ? TensorProto::INT8 : TensorProto::UINT8);
    t.add_int32_data(zp);
    return t;
  }

  NodeProto make_node(const std::string& op, std::vector<std::string> inputs, const std::string& output,
                      int axis = -1) {
    NodeProto n;
    n.set_op_type(op);
    n.set_name(fresh(output + "_" + op));
    for (auto& in : inputs) n.add_input(in);
    n.add_output(output);
    if (axis >= 0) {
      auto* a = n.add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
    return n;
  }

  // Int8 weight behind a DequantizeLinear; returns the DQ output and the per-channel scales.
  std::string weight_dq(const std::string& name, int axis, std::vector<float>* scales_out,
                        std::vector<NodeProto>& head, QuantizeReport& report) {
    const std::string key = name + "#" + std::to_string(axis);
    if (auto it = weight_cache_.find(key); it != weight_cache_.end()) {
      *scales_out = weight_scales_[key];
      return it->second;
    }
    const Tensor w = tensor_from_proto(g_->initializer(init_.at(name)));
    const Shape& s = w.shape();
    const int64_t channels = axis >= 0 ? s.at(axis) : 1;
    int64_t inner = 1;
    for (size_t d = axis >= 0 ? axis + 1 : s.size(); d < s.size(); ++d) inner *= s[d];
    const float* v = w.data_as<float>();
    std::vector<float> amax(channels, 0.0f);
    for (int64_t i = 0; i < w.numel(); ++i) {
      const int64_t c = axis >= 0 ? (i / inner) % channels : 0;
      amax[c] = std::max(amax[c], std::fabs(v[i]));
    }
    std::vector<float> scales(channels);
    for (int64_t c = 0; c < channels; ++c) scales[c] = amax[c] > 0 ? amax[c] / 127.0f : 1.0f;
    Tensor q = Tensor::zeros(DType::kInt8, s);
    int8_t* qv = q.data_as<int8_t>();
    for (int64_t i = 0; i < w.numel(); ++i) {
      const int64_t c = axis >= 0 ? (i / inner) % channels : 0;
      qv[i] = static_cast<int8_t>(std::clamp<long>(std::lround(v[i] / scales[c]), -127, 127));
    }
    const std::string qname = fresh(name + "_quantized"), sname = fresh(name + "_scale"),
                      zname = fresh(name + "_zero_point"), out = fresh(name + "_dq");
    new_inits_.push_back(tensor_to_proto(q, qname));
    Tensor st = Tensor::from_vector(scales, axis >= 0 ? Shape{channels} : Shape{});
    new_inits_.push_back(tensor_to_proto(st, sname));
    Tensor zt = Tensor::zeros(DType::kInt8, axis >= 0 ? Shape{channels} : Shape{});
    new_inits_.push_back(tensor_to_proto(zt, zname));
    head.push_back(make_node("DequantizeLinear", {qname, sname, zname}, out, axis >= 0 ? axis : -1));
    report.quantized_weights += 1;
    weight_cache_[key] = out;
    weight_scales_[key] = scales;
    *scales_out = scales;
    return out;
  }

  // Int32 bias with scale x_scale * w_scale[c] behind a DequantizeLinear; "" when it does not fit.
  std::string bias_dq(const std::string& name, float x_scale, const std::vector<float>& w_scales,
                      std::vector<NodeProto>& head, QuantizeReport& report) {
    const Tensor b = tensor_from_proto(g_->initializer(init_.at(name)));
    if (b.rank() != 1) return "";
    const int64_t m = b.dim(0);
    if (static_cast<int64_t>(w_scales.size()) != m && w_scales.size() != 1) return "";
    std::vector<float> scales(m);
    std::vector<int32_t> q(m);
    for (int64_t c = 0; c < m; ++c) {
      scales[c] = x_scale * w_scales[w_scales.size() == 1 ? 0 : c];
      const double v = std::round(static_cast<double>(b.data_as<float>()[c]) / scales[c]);
      // A bias far larger than the product of tiny input and weight scales (vanishing activations)
      // does not fit int32: it stays float rather than saturating into a wrong value.
      if (!(std::fabs(v) <= 2147483647.0)) return "";
      q[c] = static_cast<int32_t>(v);
    }
    const std::string qname = fresh(name + "_quantized"), sname = fresh(name + "_scale"),
                      zname = fresh(name + "_zero_point"), out = fresh(name + "_dq");
    new_inits_.push_back(tensor_to_proto(Tensor::from_vector(q, {m}), qname));
    new_inits_.push_back(tensor_to_proto(Tensor::from_vector(scales, {m}), sname));
    new_inits_.push_back(tensor_to_proto(Tensor::zeros(DType::kInt32, {m}), zname));
    head.push_back(make_node("DequantizeLinear", {qname, sname, zname}, out, 0));
    report.quantized_weights += 1;
    return out;
  }

  void rewrite(QuantizeReport& report) {
    std::vector<NodeProto> head;  // weight DQs and Q/DQ of graph inputs
    std::map<int, std::vector<NodeProto>> after;  // Q/DQ after node i
    std::map<std::string, std::string> dq_of;     // activation -> its DQ output
    std::map<std::string, std::string> renamed_outputs;

    // Activations: one Q -> DQ pair each.
    for (const auto& name : quantized_) {
      const QParams& qp = params_.at(name);
      std::string source = name;
      if (graph_outputs_.count(name)) {
        // The DQ takes the graph output's name; the producer writes a new one.
        source = fresh(name + "_float");
        renamed_outputs[name] = source;
      }
      const std::string sname = fresh(name + "_scale"), zname = fresh(name + "_zero_point");
      new_inits_.push_back(scalar_tensor(sname, qp.scale));
      new_inits_.push_back(zero_point_tensor(zname, qp.zero_point));
      const std::string qout = fresh(name + "_quantized");
      const std::string dqout = graph_outputs_.count(name) ? name : fresh(name + "_dq");
      std::vector<NodeProto> pair = {make_node("QuantizeLinear", {source, sname, zname}, qout),
                                     make_node("DequantizeLinear", {qout, sname, zname}, dqout)};
      dq_of[name] = dqout;
      auto p = producer_.find(name);
      auto& where = p == producer_.end() ? head : after[p->second];
      for (auto& n : pair) where.push_back(std::move(n));
      report.quantized_activations += 1;
    }
    // Weights and biases of quantized nodes, and every reader switched to the DQ outputs.
    std::set<std::string> float_weight_readers;  // float weights some node still reads
    for (int i = 0; i < g_->node_size(); ++i) {
      auto* n = g_->mutable_node(i);
      auto pit = plans_.find(i);
      if (pit != plans_.end()) {
        const Plan& p = pit->second;
        std::vector<float> w_scales;
        if (p.weight >= 0) {
          const std::string dq = weight_dq(n->input(p.weight), p.weight_axis, &w_scales, head, report);
          n->set_input(p.weight, dq);
        }
        if (p.bias >= 0 && !options_.symmetric_activations && !w_scales.empty()) {
          const QParams& xq = params_.at(n->input(p.activations[0]));
          const std::string dq = bias_dq(n->input(p.bias), xq.scale, w_scales, head, report);
          if (!dq.empty()) n->set_input(p.bias, dq);
        }
        report.quantized_nodes += 1;
      }
      if (!excluded_.count(i))
        for (int s = 0; s < n->input_size(); ++s)
          if (auto it = dq_of.find(n->input(s)); it != dq_of.end() && !renamed_outputs.count(n->input(s)))
            n->set_input(s, it->second);
      for (int s = 0; s < n->input_size(); ++s) {
        if (auto it = renamed_outputs.find(n->input(s)); it != renamed_outputs.end() && excluded_.count(i))
          n->set_input(s, it->second);
        if (is_initializer(n->input(s))) float_weight_readers.insert(n->input(s));
      }
      for (int s = 0; s < n->output_size(); ++s)
        if (auto it = renamed_outputs.find(n->output(s)); it != renamed_outputs.end()) n->set_output(s, it->second);
    }
    // The new node order: head, then each node followed by its outputs' Q/DQ.
    google::protobuf::RepeatedPtrField<NodeProto> nodes;
    for (auto& n : head) *nodes.Add() = std::move(n);
    for (int i = 0; i < g_->node_size(); ++i) {
      *nodes.Add() = std::move(*g_->mutable_node(i));
      if (auto it = after.find(i); it != after.end())
        for (auto& n : it->second) *nodes.Add() = std::move(n);
    }
    g_->mutable_node()->Swap(&nodes);
    // Float weights no node reads any more go; graph inputs that name them stay (old IR).
    std::set<std::string> inputs;
    for (const auto& in : g_->input()) inputs.insert(in.name());
    google::protobuf::RepeatedPtrField<TensorProto> inits;
    for (auto& t : *g_->mutable_initializer())
      if (float_weight_readers.count(t.name()) || inputs.count(t.name()) || graph_outputs_.count(t.name()))
        *inits.Add() = std::move(t);
    for (auto& t : new_inits_) *inits.Add() = std::move(t);
    g_->mutable_initializer()->Swap(&inits);
    g_->clear_value_info();
  }

  OnnxModel& model_;
  onnx::GraphProto* g_ = nullptr;
  const CalibrationTable& table_;
  const QuantizeOptions& options_;
  std::map<std::string, int> init_;
  std::map<std::string, int32_t> types_;
  std::map<std::string, std::vector<int>> readers_;
  std::map<std::string, int> producer_;
  std::set<std::string> names_, graph_outputs_;
  std::map<int, Plan> plans_;
  std::set<int> excluded_;
  std::set<std::string> quantized_;
  std::map<std::string, QParams> params_;
  std::vector<TensorProto> new_inits_;
  std::map<std::string, std::string> weight_cache_;
  std::map<std::string, std::vector<float>> weight_scales_;
};

}  // namespace

std::string quant_node_key(const onnx::NodeProto& node, size_t index) {
  return node.name().empty() ? node.op_type() + "#" + std::to_string(index) : node.name();
}

QuantizeReport quantize_qdq(OnnxModel& model, const CalibrationTable& table, const QuantizeOptions& options) {
  return Quantizer(model, table, options).run();
}

double sqnr_db(const std::vector<Tensor>& reference, const std::vector<Tensor>& test) {
  if (reference.size() != test.size())
    throw Error(ErrorCode::kInternal, "sqnr_db: " + std::to_string(reference.size()) + " reference outputs vs " +
                                          std::to_string(test.size()));
  double signal = 0, noise = 0;
  for (size_t k = 0; k < reference.size(); ++k) {
    const Tensor& r = reference[k];
    const Tensor& t = test[k];
    if (!is_floating(r.dtype())) continue;
    if (r.numel() != t.numel())
      throw Error(ErrorCode::kInternal, "sqnr_db: output " + std::to_string(k) + " changed size");
    for (int64_t i = 0; i < r.numel(); ++i) {
      const double a = element_as_double(r, i), b = element_as_double(t, i);
      signal += a * a;
      noise += (a - b) * (a - b);
    }
  }
  if (noise == 0) return std::numeric_limits<double>::infinity();
  if (signal == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace piu

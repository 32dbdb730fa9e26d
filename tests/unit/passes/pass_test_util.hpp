// Helpers for pass tests: build a tiny graph, run passes, count ops, compare outputs on ORT.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "passes/graph.hpp"
#include "piu/onnx.hpp"
#include "piu/passes.hpp"
#include "piu/session.hpp"

namespace piu::test {

using passes::set_attribute;

// Builds a small ONNX model. Shapes use -1 for a dynamic dim (written as a symbolic "N<i>").
class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 17, int64_t ir_version = 8) {
    model_.set_ir_version(ir_version);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }
  ModelBuilder& input(const std::string& name, const Shape& shape, DType dtype = DType::kFloat32) {
    value(model_.mutable_graph()->add_input(), name, shape, dtype);
    return *this;
  }
  // An output with unknown shape when `shape` is omitted.
  ModelBuilder& output(const std::string& name, DType dtype = DType::kFloat32, const std::optional<Shape>& shape = {}) {
    value(model_.mutable_graph()->add_output(), name, shape, dtype);
    return *this;
  }
  ModelBuilder& initializer(const std::string& name, const Tensor& t) {
    *model_.mutable_graph()->add_initializer() = tensor_to_proto(t, name);
    return *this;
  }
  // Adds a node; returns it so the test can set attributes with set_attribute().
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(model_.graph().node_size()) : name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }
  onnx::ModelProto& proto() { return model_; }
  OnnxModel build() const { return OnnxModel(model_); }

 private:
  static void value(onnx::ValueInfoProto* v, const std::string& name, const std::optional<Shape>& shape, DType dtype) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(dtype_to_onnx(dtype));
    if (!shape) return;
    auto* s = tt->mutable_shape();
    for (size_t i = 0; i < shape->size(); ++i) {
      if ((*shape)[i] < 0)
        s->add_dim()->set_dim_param(std::string("N").append(std::to_string(i)));
      else
        s->add_dim()->set_dim_value((*shape)[i]);
    }
  }
  onnx::ModelProto model_;
};

// Random float tensor with values in [-1, 1] (or positive values in [0.5, 1.5] when `positive`).
inline Tensor random_tensor(const Shape& shape, uint64_t seed = 1, bool positive = false) {
  Tensor t = Tensor::zeros(DType::kFloat32, shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(positive ? 0.5f : -1.0f, positive ? 1.5f : 1.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

// A 1-D int64 tensor (axes, pads, shapes in test graphs).
inline Tensor int64s(const std::vector<int64_t>& values) {
  return Tensor::from_vector<int64_t>(values, {static_cast<int64_t>(values.size())});
}

// Nodes per op type, subgraphs included.
inline std::map<std::string, int> op_counts(const onnx::GraphProto& g) {
  std::map<std::string, int> counts;
  for (const auto& n : g.node()) {
    counts[n.op_type()] += 1;
    for (const auto& a : n.attribute()) {
      if (a.has_g())
        for (const auto& [k, v] : op_counts(a.g())) counts[k] += v;
      for (const auto& sg : a.graphs())
        for (const auto& [k, v] : op_counts(sg)) counts[k] += v;
    }
  }
  return counts;
}
inline std::map<std::string, int> op_counts(const OnnxModel& m) { return op_counts(m.proto().graph()); }
inline int count_op(const OnnxModel& m, const std::string& op) {
  auto c = op_counts(m);
  return c.count(op) ? c[op] : 0;
}
// An ints attribute of a node; empty when absent.
inline std::vector<int64_t> ints_attribute(const onnx::NodeProto& node, const std::string& name) {
  return passes::attribute_ints(node, name).value_or(std::vector<int64_t>{});
}

inline int node_count(const OnnxModel& m) {
  int n = 0;
  for (const auto& [k, v] : op_counts(m)) n += v;
  return n;
}

// Runs a model on ONNX Runtime (graph optimizations off, so ORT does not hide what the pass did).
inline std::vector<Tensor> run_model(const OnnxModel& model, const std::vector<Tensor>& inputs) {
  SessionOptions options;
  options.graph_optimization = GraphOptimization::kDisabled;
  options.intra_op_num_threads = 1;
  return Session::open(model, options)->run(inputs);
}

// A copy of `model` after running `pass_names`.
inline OnnxModel optimized(const OnnxModel& model, const std::vector<std::string>& pass_names,
                           OptimizeReport* report = nullptr) {
  OnnxModel copy(model.proto());
  OptimizeOptions options;
  options.passes = pass_names;
  OptimizeReport r = optimize(copy, options);
  if (report) *report = r;
  return copy;
}

// The optimized model passes the ONNX checker and gives the same outputs as the original on ORT.
inline void expect_same_outputs(const OnnxModel& before, const OnnxModel& after, const std::vector<Tensor>& inputs,
                                double atol = 1e-5) {
  EXPECT_NO_THROW(check_model(after, "optimized model"));
  const auto a = run_model(before, inputs);
  const auto b = run_model(after, inputs);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const TensorDiff d = compare_tensors(b[i], a[i], atol, 1e-5);
    EXPECT_TRUE(d.ok()) << "output " << i << ": max abs " << d.max_abs << ", " << d.mismatches << " mismatches";
  }
}

}  // namespace piu::test

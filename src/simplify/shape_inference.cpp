// Shape inference for the simplifier: input-shape overrides, then ONNX's inference with data
// propagation (which also tells which shape computations have fully known values).
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "piu/simplify.hpp"
#include "simplify/simplify_internal.hpp"

namespace piu {

namespace {

void apply_overrides(onnx::GraphProto& g, const std::vector<ShapeSpec>& specs) {
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  std::vector<onnx::ValueInfoProto*> inputs;
  for (auto& v : *g.mutable_input())
    if (!initializers.count(v.name())) inputs.push_back(&v);
  for (const ShapeSpec& spec : specs) {
    onnx::ValueInfoProto* target = nullptr;
    for (auto* v : inputs)
      if (v->name() == spec.name || (spec.name.empty() && v == inputs.front())) target = v;
    if (!target) {
      std::string names;
      for (auto* v : inputs) names += (names.empty() ? "" : ", ") + v->name();
      throw Error(ErrorCode::kBadInput,
                  "--input-shape names input '" + spec.name + "'; the model's inputs are " + names);
    }
    auto* tt = target->mutable_type()->mutable_tensor_type();
    if (tt->has_shape() && tt->shape().dim_size() != static_cast<int>(spec.shape.size()))
      throw Error(ErrorCode::kBadInput, "--input-shape " + shape_to_string(spec.shape) + " for input '" +
                                            target->name() + "' has rank " + std::to_string(spec.shape.size()) +
                                            ", the model's has " + std::to_string(tt->shape().dim_size()));
    auto* shape = tt->mutable_shape();
    while (shape->dim_size() < static_cast<int>(spec.shape.size())) shape->add_dim();
    for (size_t i = 0; i < spec.shape.size(); ++i) {
      auto* d = shape->mutable_dim(static_cast<int>(i));
      if (spec.shape[i] < 0) continue;  // stays as it is (dynamic)
      if (d->has_dim_value() && d->dim_value() != spec.shape[i])
        throw Error(ErrorCode::kBadInput, "--input-shape " + shape_to_string(spec.shape) + " conflicts with input '" +
                                              target->name() + "' dim " + std::to_string(i) + " = " +
                                              std::to_string(d->dim_value()));
      d->set_dim_value(spec.shape[i]);
    }
  }
}

}  // namespace

namespace simplify_internal {

ShapeData infer_shapes_with_data(OnnxModel& model) {
  // Old inferred shapes could contradict new input shapes: infer from scratch.
  model.proto().mutable_graph()->clear_value_info();
  ShapeData data;
  onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0, /*data_propagation=*/true);
  try {
    onnx::shape_inference::InferShapes(model.proto(), onnx::OpSchemaRegistry::Instance(), options, &data);
  } catch (const std::exception&) {
    // Inference that fails (e.g. merging with a wrong declared output shape) leaves shapes
    // unknown; folding then only uses plain constants.
  }
  return data;
}

}  // namespace simplify_internal

void infer_shapes(OnnxModel& model, const std::vector<ShapeSpec>& input_shapes) {
  apply_overrides(*model.proto().mutable_graph(), input_shapes);
  simplify_internal::infer_shapes_with_data(model);
}

}  // namespace piu

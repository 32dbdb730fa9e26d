// Random inputs of the right dtype and shape, for `piu run/bench/compare` and verification.
#include <cstring>
#include <random>

#include "piu/session.hpp"

namespace piu {

Shape resolve_input_shape(const TensorInfo& info, const std::vector<ShapeSpec>& shapes, int64_t batch) {
  const ShapeSpec* spec = nullptr;
  for (const auto& s : shapes)
    if (s.name == info.name) spec = &s;
  if (!spec)
    for (const auto& s : shapes)
      if (s.name.empty()) spec = &s;
  if (!info.rank_known) {
    if (!spec)
      throw Error(ErrorCode::kBadInput, "input '" + info.name +
                                            "' has no declared shape (TorchScript models do not record one): give it "
                                            "with --shape " + info.name + ":1x3x224x224 (-1 for the batch)");
    Shape shape = spec->shape;
    if (!shape.empty() && shape[0] < 0) shape[0] = batch;
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] < 0)
        throw Error(ErrorCode::kBadInput, "input '" + info.name + "': dim " + std::to_string(d) + " of " +
                                              shape_to_string(spec->shape) + " must be given");
    return shape;
  }
  Shape shape = info.shape;
  if (spec) {
    if (spec->shape.size() != shape.size())
      throw Error(ErrorCode::kBadInput, "shape " + shape_to_string(spec->shape) + " given for input '" + info.name +
                                            "' has rank " + std::to_string(spec->shape.size()) +
                                            ", the model expects " + shape_to_string(info.shape));
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] >= 0 && spec->shape[d] >= 0 && shape[d] != spec->shape[d])
        throw Error(ErrorCode::kBadInput, "shape " + shape_to_string(spec->shape) + " given for input '" + info.name +
                                              "' conflicts with the model's static shape " +
                                              shape_to_string(info.shape));
      if (spec->shape[d] >= 0) shape[d] = spec->shape[d];
    }
  }
  if (!shape.empty() && shape[0] < 0) shape[0] = batch;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0) {
      const std::string dim_name =
          d < info.dim_names.size() && !info.dim_names[d].empty() ? " ('" + info.dim_names[d] + "')" : "";
      std::string example;  // the shape with each dynamic dim spelled as its name: 1x3xheightxwidth
      for (size_t k = 0; k < shape.size(); ++k) {
        const bool named = k < info.dim_names.size() && !info.dim_names[k].empty();
        example += (k ? "x" : "") + (shape[k] >= 0 ? std::to_string(shape[k]) : named ? info.dim_names[k] : "N");
      }
      throw Error(ErrorCode::kBadInput, "input '" + info.name + "' has dynamic dim " + std::to_string(d) + dim_name +
                                            " in shape " + shape_to_string(info.shape) +
                                            "; give its size with --shape " + info.name + ":" + example +
                                            " (numbers for every dim)");
    }
  return shape;
}

std::vector<Tensor> make_random_inputs(const std::vector<TensorInfo>& inputs, const std::vector<ShapeSpec>& shapes,
                                       int64_t batch, uint64_t seed) {
  for (const auto& s : shapes) {
    bool found = s.name.empty();
    for (const auto& i : inputs) found = found || i.name == s.name;
    if (!found) {
      std::string names;
      for (const auto& i : inputs) names += (names.empty() ? "" : ", ") + i.name;
      throw Error(ErrorCode::kBadInput, "--shape names input '" + s.name + "', the model has: " + names);
    }
  }
  std::mt19937_64 rng(seed);
  std::vector<Tensor> out;
  for (const auto& info : inputs) {
    Tensor t = Tensor::zeros(info.dtype, resolve_input_shape(info, shapes, batch));
    const int64_t n = t.numel();
    std::uniform_real_distribution<float> real(-1.0f, 1.0f);
    std::uniform_int_distribution<int> small(0, 1);
    switch (info.dtype) {
      case DType::kFloat32:
        for (int64_t i = 0; i < n; ++i) t.data_as<float>()[i] = real(rng);
        break;
      case DType::kFloat64:
        for (int64_t i = 0; i < n; ++i) t.data_as<double>()[i] = real(rng);
        break;
      case DType::kFloat16:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = float_to_half(real(rng));
        break;
      case DType::kBFloat16:
        for (int64_t i = 0; i < n; ++i) {
          float f = real(rng);
          uint32_t bits;
          std::memcpy(&bits, &f, sizeof bits);
          t.data_as<uint16_t>()[i] = static_cast<uint16_t>(bits >> 16);
        }
        break;
      // Integer inputs are usually indices or token ids: keep them small and valid.
      case DType::kInt8:
        for (int64_t i = 0; i < n; ++i) t.data_as<int8_t>()[i] = static_cast<int8_t>(small(rng));
        break;
      case DType::kUInt8:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint8_t>()[i] = static_cast<uint8_t>(small(rng));
        break;
      case DType::kInt16:
        for (int64_t i = 0; i < n; ++i) t.data_as<int16_t>()[i] = static_cast<int16_t>(small(rng));
        break;
      case DType::kUInt16:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = static_cast<uint16_t>(small(rng));
        break;
      case DType::kInt32:
        for (int64_t i = 0; i < n; ++i) t.data_as<int32_t>()[i] = small(rng);
        break;
      case DType::kUInt32:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint32_t>()[i] = static_cast<uint32_t>(small(rng));
        break;
      case DType::kInt64:
        for (int64_t i = 0; i < n; ++i) t.data_as<int64_t>()[i] = small(rng);
        break;
      case DType::kUInt64:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint64_t>()[i] = static_cast<uint64_t>(small(rng));
        break;
      case DType::kBool:
        for (int64_t i = 0; i < n; ++i) t.data_as<bool>()[i] = small(rng) != 0;
        break;
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace piu

// round_weights: the seed's load_weights_rounded_model on ONNX initializers.
#include <cmath>
#include <cstring>
#include <limits>

#include "passes/graph.hpp"
#include "piu/passes.hpp"

namespace piu {

namespace {

// Nonzero and below the smallest normal number of `dtype`.
bool is_subnormal(double v, DType dtype) {
  if (v == 0) return false;
  switch (dtype) {
    case DType::kFloat32:
    case DType::kBFloat16:  // float32's exponent range
      return std::fabs(v) < std::numeric_limits<float>::min();
    case DType::kFloat16:
      return std::fabs(v) < 0x1p-14;
    default:
      return std::fabs(v) < std::numeric_limits<double>::min();
  }
}

// Rounds one float32 or float64 element in place with `round_value`, counting denormals before and
// after; returns whether it changed (NaN never does).
template <typename Float, typename Round>
bool round_element(Float& v, DType dtype, const Round& round_value, RoundReport& report) {
  report.denormals_before += is_subnormal(v, dtype);
  const Float r = static_cast<Float>(round_value(v));
  const bool changed = std::memcmp(&r, &v, sizeof r) != 0 && !std::isnan(v);
  if (changed) v = r;
  report.denormals_after += is_subnormal(v, dtype);
  return changed;
}

void round_tensor(onnx::TensorProto& proto, int digits, RoundReport& report) {
  auto dtype = dtype_from_onnx(proto.data_type());
  if (!dtype || !is_floating(*dtype) || proto.data_location() == onnx::TensorProto::EXTERNAL) return;
  // Raw data is rounded where it lies (no copy of a possibly huge tensor); typed fields via a Tensor.
  // The bytes the dims need, overflow-checked: a raw buffer of any other size is never borrowed.
  const auto need = static_cast<uint64_t>(graph_utils::tensor_byte_size(proto));
  const bool in_place = proto.has_raw_data() && proto.raw_data().size() == need;
  Tensor t = in_place ? Tensor::borrow(proto.mutable_raw_data()->data(), *dtype,
                                       Shape(proto.dims().begin(), proto.dims().end()))
                      : tensor_from_proto(proto);
  const long double scale = std::pow(10.0L, digits);
  auto round_value = [&](long double v) { return std::round(v * scale) / scale; };
  int64_t changed = 0;
  report.tensors += 1;
  report.values += t.numel();
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (*dtype) {
      case DType::kFloat32:
        changed += round_element(t.data_as<float>()[i], *dtype, round_value, report);
        break;
      case DType::kFloat64:
        changed += round_element(t.data_as<double>()[i], *dtype, round_value, report);
        break;
      case DType::kFloat16:
      case DType::kBFloat16: {
        uint16_t& bits = t.data_as<uint16_t>()[i];
        const bool half = *dtype == DType::kFloat16;
        const float v = half ? half_to_float(bits) : bf16_to_float(bits);
        report.denormals_before += is_subnormal(v, *dtype);
        const float rf = static_cast<float>(round_value(v));
        const uint16_t r = half ? float_to_half(rf) : float_to_bf16(rf);
        if (r != bits && !std::isnan(v)) bits = r, ++changed;
        report.denormals_after += is_subnormal(half ? half_to_float(bits) : bf16_to_float(bits), *dtype);
        break;
      }
      default:
        break;
    }
  }
  report.values_changed += changed;
  if (changed == 0 || in_place) return;
  onnx::TensorProto fresh = tensor_to_proto(t, proto.name());
  fresh.set_doc_string(proto.doc_string());
  proto.Swap(&fresh);
}

void round_graph(onnx::GraphProto& g, int digits, RoundReport& report) {
  for (auto& t : *g.mutable_initializer()) round_tensor(t, digits, report);
  for (auto& n : *g.mutable_node())
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t() && n.op_type() == "Constant") round_tensor(*a.mutable_t(), digits, report);
      if (a.has_g()) round_graph(*a.mutable_g(), digits, report);
      for (auto& sg : *a.mutable_graphs()) round_graph(sg, digits, report);
    }
}

}  // namespace

RoundReport round_weights(OnnxModel& model, int digits) {
  if (digits < 0 || digits > 30) throw Error(ErrorCode::kBadInput, "round_weights: digits must be in 0..30");
  RoundReport report;
  round_graph(*model.proto().mutable_graph(), digits, report);
  return report;
}

}  // namespace piu

// Conversions between ONNX TensorProto and piu::Tensor.
#include <cstring>
#include <fstream>

#include "piu/onnx.hpp"

namespace piu {

std::optional<DType> dtype_from_onnx(int32_t elem_type) {
  using TP = onnx::TensorProto;
  switch (elem_type) {
    case TP::FLOAT:
      return DType::kFloat32;
    case TP::FLOAT16:
      return DType::kFloat16;
    case TP::BFLOAT16:
      return DType::kBFloat16;
    case TP::DOUBLE:
      return DType::kFloat64;
    case TP::INT8:
      return DType::kInt8;
    case TP::UINT8:
      return DType::kUInt8;
    case TP::INT16:
      return DType::kInt16;
    case TP::UINT16:
      return DType::kUInt16;
    case TP::INT32:
      return DType::kInt32;
    case TP::UINT32:
      return DType::kUInt32;
    case TP::INT64:
      return DType::kInt64;
    case TP::UINT64:
      return DType::kUInt64;
    case TP::BOOL:
      return DType::kBool;
    default:
      return std::nullopt;
  }
}

int32_t dtype_to_onnx(DType dtype) {
  using TP = onnx::TensorProto;
  switch (dtype) {
    case DType::kFloat32:
      return TP::FLOAT;
    case DType::kFloat16:
      return TP::FLOAT16;
    case DType::kBFloat16:
      return TP::BFLOAT16;
    case DType::kFloat64:
      return TP::DOUBLE;
    case DType::kInt8:
      return TP::INT8;
    case DType::kUInt8:
      return TP::UINT8;
    case DType::kInt16:
      return TP::INT16;
    case DType::kUInt16:
      return TP::UINT16;
    case DType::kInt32:
      return TP::INT32;
    case DType::kUInt32:
      return TP::UINT32;
    case DType::kInt64:
      return TP::INT64;
    case DType::kUInt64:
      return TP::UINT64;
    case DType::kBool:
      return TP::BOOL;
  }
  return TP::UNDEFINED;
}

std::string onnx_elem_type_name(int32_t elem_type) {
  if (onnx::TensorProto::DataType_IsValid(elem_type))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem_type));
  return "type" + std::to_string(elem_type);
}

namespace {

template <typename Dst, typename Field>
void copy_field(const Field& field, Tensor& t, const std::string& name) {
  if (static_cast<int64_t>(field.size()) != t.numel())
    throw Error(ErrorCode::kBadInput, "tensor '" + name + "' has " + std::to_string(field.size()) +
                                          " values for shape " + shape_to_string(t.shape()));
  auto* out = static_cast<Dst*>(t.data());
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<Dst>(field.Get(i));
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& proto) {
  const std::string& name = proto.name();
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(ErrorCode::kBadInput, "tensor '" + name + "' still references external data (load it first)");
  auto dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    throw Error(ErrorCode::kUnsupported,
                "tensor '" + name + "' has element type " + onnx_elem_type_name(proto.data_type()) + ", not supported");
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape)
    if (d < 0) throw Error(ErrorCode::kBadInput, "tensor '" + name + "' has negative dim in " + shape_to_string(shape));
  Tensor t = Tensor::zeros(*dtype, shape);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != t.nbytes())
      throw Error(ErrorCode::kBadInput, "tensor '" + name + "' raw_data holds " +
                                            std::to_string(proto.raw_data().size()) + " bytes, shape " +
                                            shape_to_string(shape) + " of " + std::string(dtype_name(*dtype)) +
                                            " needs " + std::to_string(t.nbytes()));
    if (t.nbytes()) std::memcpy(t.data(), proto.raw_data().data(), t.nbytes());
    return t;
  }
  switch (*dtype) {
    case DType::kFloat32:
      copy_field<float>(proto.float_data(), t, name);
      break;
    case DType::kFloat64:
      copy_field<double>(proto.double_data(), t, name);
      break;
    case DType::kInt64:
      copy_field<int64_t>(proto.int64_data(), t, name);
      break;
    case DType::kUInt32:
      copy_field<uint32_t>(proto.uint64_data(), t, name);
      break;
    case DType::kUInt64:
      copy_field<uint64_t>(proto.uint64_data(), t, name);
      break;
    case DType::kInt32:
      copy_field<int32_t>(proto.int32_data(), t, name);
      break;
    case DType::kInt16:
      copy_field<int16_t>(proto.int32_data(), t, name);
      break;
    case DType::kUInt16:
    case DType::kFloat16:
    case DType::kBFloat16:
      copy_field<uint16_t>(proto.int32_data(), t, name);
      break;
    case DType::kInt8:
      copy_field<int8_t>(proto.int32_data(), t, name);
      break;
    case DType::kUInt8:
    case DType::kBool:
      copy_field<uint8_t>(proto.int32_data(), t, name);
      break;
  }
  return t;
}

onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name) {
  if (tensor.device().kind != DeviceKind::kCpu)
    throw Error(ErrorCode::kUnsupported, "tensor_to_proto of a device tensor");
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(dtype_to_onnx(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto.add_dims(d);
  proto.set_raw_data(tensor.data(), tensor.nbytes());
  return proto;
}

Tensor read_tensor_pb(const std::string& path, std::string* name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read " + path);
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&in)) throw Error(ErrorCode::kBadInput, path + ": not a serialized TensorProto");
  if (name) *name = proto.name();
  try {
    return tensor_from_proto(proto);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
}

}  // namespace piu

// Conversions between ONNX TensorProto and piu::Tensor.
#include <cstring>
#include <fstream>
#include <limits>

#include "core/checked.hpp"
#include "onnx/tensor_data.hpp"
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

// Copies a typed field whose length check_tensor_data has already matched to the tensor's numel.
template <typename Dst, typename Field>
void copy_field(const Field& field, Tensor& t) {
  auto* out = static_cast<Dst*>(t.data());
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<Dst>(field.Get(i));
}

// How a data type is stored: bytes per element in raw_data (as a fraction for 4-bit types) and the
// typed field with the number of its entries per element. Unknown types: nullopt (not checked).
struct Storage {
  uint64_t raw_num, raw_den;  // raw bytes = ceil(numel * raw_num / raw_den)
  int field_size;             // entries in the typed field (strings: one each)
  uint64_t per_element;       // typed entries per element (complex: 2); 0 with packed 4-bit types
};

std::optional<Storage> storage_of(const onnx::TensorProto& t) {
  using TP = onnx::TensorProto;
  switch (t.data_type()) {
    case TP::FLOAT:
      return Storage{4, 1, t.float_data_size(), 1};
    case TP::COMPLEX64:
      return Storage{8, 1, t.float_data_size(), 2};
    case TP::DOUBLE:
      return Storage{8, 1, t.double_data_size(), 1};
    case TP::COMPLEX128:
      return Storage{16, 1, t.double_data_size(), 2};
    case TP::INT64:
      return Storage{8, 1, t.int64_data_size(), 1};
    case TP::UINT32:
      return Storage{4, 1, t.uint64_data_size(), 1};
    case TP::UINT64:
      return Storage{8, 1, t.uint64_data_size(), 1};
    case TP::INT32:
      return Storage{4, 1, t.int32_data_size(), 1};
    case TP::INT16:
    case TP::UINT16:
    case TP::FLOAT16:
    case TP::BFLOAT16:
      return Storage{2, 1, t.int32_data_size(), 1};
    case TP::INT8:
    case TP::UINT8:
    case TP::BOOL:
    case TP::FLOAT8E4M3FN:
    case TP::FLOAT8E4M3FNUZ:
    case TP::FLOAT8E5M2:
    case TP::FLOAT8E5M2FNUZ:
      return Storage{1, 1, t.int32_data_size(), 1};
    case TP::INT4:
    case TP::UINT4:
      return Storage{1, 2, t.int32_data_size(), 0};
    case TP::STRING:
      return Storage{0, 1, t.string_data_size(), 1};
    default:
      return std::nullopt;
  }
}

}  // namespace

void check_tensor_data(const onnx::TensorProto& proto) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const std::string label = "tensor '" + proto.name() + "'";
  const Shape shape(proto.dims().begin(), proto.dims().end());
  const std::string of = shape_to_string(shape) + " of " + onnx_elem_type_name(proto.data_type());
  uint64_t numel = 1;
  for (int64_t d : shape)
    if (d < 0) throw Error(ErrorCode::kBadInput, label + ": shape " + of + " has a negative dim");
  for (int64_t d : shape) {
    if (d != 0 && numel > kMax / static_cast<uint64_t>(d))
      throw Error(ErrorCode::kBadInput, label + ": shape " + of + " has more than 2^63 elements");
    numel *= static_cast<uint64_t>(d);
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) return;
  const auto storage = storage_of(proto);
  if (!storage) return;
  if (proto.has_raw_data()) {
    if (storage->raw_num == 0)
      throw Error(ErrorCode::kBadInput, label + " of type STRING holds raw_data; strings go in string_data");
    if (numel > kMax / storage->raw_num)
      throw Error(ErrorCode::kBadInput, label + ": shape " + of + " needs more than 2^63 bytes");
    const uint64_t need = (numel * storage->raw_num + storage->raw_den - 1) / storage->raw_den;
    if (proto.raw_data().size() != need)
      throw Error(ErrorCode::kBadInput, label + " raw_data holds " + std::to_string(proto.raw_data().size()) +
                                            " bytes, shape " + of + " needs " + std::to_string(need));
    return;
  }
  const uint64_t need = storage->per_element == 0 ? (numel + 1) / 2 : numel * storage->per_element;
  if (static_cast<uint64_t>(storage->field_size) != need)
    throw Error(ErrorCode::kBadInput, label + " holds " + std::to_string(storage->field_size) + " values, shape " + of +
                                          " needs " + std::to_string(need));
}

Tensor tensor_from_proto(const onnx::TensorProto& proto) {
  const std::string& name = proto.name();
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(ErrorCode::kBadInput, "tensor '" + name + "' still references external data (load it first)");
  auto dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    throw Error(ErrorCode::kUnsupported,
                "tensor '" + name + "' has element type " + onnx_elem_type_name(proto.data_type()) + ", not supported");
  check_tensor_data(proto);
  Tensor t = Tensor::zeros(*dtype, Shape(proto.dims().begin(), proto.dims().end()));
  if (proto.has_raw_data()) {
    if (t.nbytes()) std::memcpy(t.data(), proto.raw_data().data(), t.nbytes());
    return t;
  }
  switch (*dtype) {
    case DType::kFloat32:
      copy_field<float>(proto.float_data(), t);
      break;
    case DType::kFloat64:
      copy_field<double>(proto.double_data(), t);
      break;
    case DType::kInt64:
      copy_field<int64_t>(proto.int64_data(), t);
      break;
    case DType::kUInt32:
      copy_field<uint32_t>(proto.uint64_data(), t);
      break;
    case DType::kUInt64:
      copy_field<uint64_t>(proto.uint64_data(), t);
      break;
    case DType::kInt32:
      copy_field<int32_t>(proto.int32_data(), t);
      break;
    case DType::kInt16:
      copy_field<int16_t>(proto.int32_data(), t);
      break;
    case DType::kUInt16:
    case DType::kFloat16:
    case DType::kBFloat16:
      copy_field<uint16_t>(proto.int32_data(), t);
      break;
    case DType::kInt8:
      copy_field<int8_t>(proto.int32_data(), t);
      break;
    case DType::kUInt8:
    case DType::kBool:
      copy_field<uint8_t>(proto.int32_data(), t);
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
  check_regular_file(path);
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

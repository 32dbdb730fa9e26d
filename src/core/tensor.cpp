#include <cstdlib>
#include <cstring>
#include <string>

#include "core/checked.hpp"
#include "piu/core.hpp"
#include "piu/cuda.hpp"

namespace piu {

namespace detail {
void throw_dtype_mismatch(DType have, DType want) {
  throw Error(ErrorCode::kBadInput,
              "tensor has dtype " + std::string(dtype_name(have)) + ", accessed as " + std::string(dtype_name(want)));
}
}  // namespace detail

namespace {
constexpr size_t kAlignment = 64;

std::shared_ptr<void> allocate_host(size_t bytes) {
  const size_t rounded = ((bytes + kAlignment - 1) / kAlignment) * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (p == nullptr) throw Error(ErrorCode::kInternal, "out of memory allocating " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, bytes);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}
}  // namespace

Tensor Tensor::zeros(DType dtype, Shape shape) {
  const size_t bytes = checked_nbytes(dtype, shape);
  const int64_t n = shape_numel(shape);
  Tensor t;
  t.owner_ = allocate_host(bytes);
  t.data_ = t.owner_.get();
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = n;
  t.defined_ = true;
  return t;
}

Tensor Tensor::borrow(void* data, DType dtype, Shape shape, Device device) {
  checked_nbytes(dtype, shape);
  Tensor t;
  t.numel_ = shape_numel(shape);
  t.data_ = data;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.device_ = device;
  t.defined_ = true;
  return t;
}

Tensor Tensor::adopt(std::shared_ptr<void> owner, void* data, DType dtype, Shape shape, Device device) {
  Tensor t = borrow(data, dtype, std::move(shape), device);
  t.owner_ = std::move(owner);
  return t;
}

Tensor Tensor::empty(DType dtype, Shape shape, Device device) {
  if (device.kind == DeviceKind::kCpu) return zeros(dtype, std::move(shape));
  const size_t bytes = checked_nbytes(dtype, shape);
  const int64_t n = shape_numel(shape);
  Tensor t;
  t.owner_ = cuda::allocate(bytes, device);
  t.data_ = t.owner_.get();
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = n;
  t.device_ = device;
  t.defined_ = true;
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device_.kind == DeviceKind::kCpu && device.kind == DeviceKind::kCpu) return clone();
  Tensor t = empty(dtype_, shape_, device);
  cuda::copy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::clone() const {
  if (device_.kind != DeviceKind::kCpu) return to(device_);
  Tensor t = zeros(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape_numel(shape) != numel_)
    throw Error(ErrorCode::kBadInput, "cannot reshape " + shape_to_string(shape_) + " to " + shape_to_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  if (shape_.empty() || begin < 0 || end < begin || end > shape_[0])
    throw Error(ErrorCode::kBadInput, "slice_rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                                          ") out of range for shape " + shape_to_string(shape_));
  Tensor t = *this;
  const int64_t row = shape_[0] == 0 ? 0 : numel_ / shape_[0];
  t.data_ = static_cast<char*>(data_) + static_cast<size_t>(begin * row) * dtype_size(dtype_);
  t.shape_[0] = end - begin;
  t.numel_ = row * (end - begin);
  return t;
}

Tensor concat_rows(const std::vector<Tensor>& parts) {
  if (parts.empty()) throw Error(ErrorCode::kBadInput, "concat_rows of no tensors");
  Shape shape = parts[0].shape();
  if (shape.empty()) throw Error(ErrorCode::kBadInput, "concat_rows of rank-0 tensors");
  int64_t rows = 0;
  for (const Tensor& p : parts) {
    Shape tail_a(shape.begin() + 1, shape.end()), tail_b(p.shape().begin() + (p.rank() ? 1 : 0), p.shape().end());
    if (p.dtype() != parts[0].dtype() || p.rank() != shape.size() || tail_a != tail_b)
      throw Error(ErrorCode::kBadInput, "concat_rows: tensor " + shape_to_string(p.shape()) + " " +
                                            std::string(dtype_name(p.dtype())) + " does not match " +
                                            shape_to_string(shape) + " " + std::string(dtype_name(parts[0].dtype())));
    rows += p.dim(0);
  }
  shape[0] = rows;
  Tensor out = Tensor::zeros(parts[0].dtype(), shape);
  char* dst = static_cast<char*>(out.data());
  for (const Tensor& p : parts) {
    std::memcpy(dst, p.data(), p.nbytes());
    dst += p.nbytes();
  }
  return out;
}

double element_as_double(const Tensor& t, int64_t i) {
  const void* d = t.data();
  switch (t.dtype()) {
    case DType::kFloat32:
      return static_cast<const float*>(d)[i];
    case DType::kFloat64:
      return static_cast<const double*>(d)[i];
    case DType::kFloat16:
      return half_to_float(static_cast<const uint16_t*>(d)[i]);
    case DType::kBFloat16:
      return bf16_to_float(static_cast<const uint16_t*>(d)[i]);
    case DType::kInt8:
      return static_cast<const int8_t*>(d)[i];
    case DType::kUInt8:
      return static_cast<const uint8_t*>(d)[i];
    case DType::kInt16:
      return static_cast<const int16_t*>(d)[i];
    case DType::kUInt16:
      return static_cast<const uint16_t*>(d)[i];
    case DType::kInt32:
      return static_cast<const int32_t*>(d)[i];
    case DType::kUInt32:
      return static_cast<const uint32_t*>(d)[i];
    case DType::kInt64:
      return static_cast<double>(static_cast<const int64_t*>(d)[i]);
    case DType::kUInt64:
      return static_cast<double>(static_cast<const uint64_t*>(d)[i]);
    case DType::kBool:
      return static_cast<const uint8_t*>(d)[i] ? 1.0 : 0.0;
  }
  return 0.0;
}

Tensor to_float32(const Tensor& t) {
  if (t.dtype() == DType::kFloat32) return t;
  Tensor f = Tensor::zeros(DType::kFloat32, t.shape());
  float* out = f.data_as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) out[i] = static_cast<float>(element_as_double(t, i));
  return f;
}

Tensor to_float_type(const Tensor& t, DType to) {
  if (t.dtype() == to) return t;
  if (to == DType::kFloat32) return to_float32(t);
  Tensor out = Tensor::zeros(to, t.shape());
  switch (to) {
    case DType::kFloat16: {
      uint16_t* dst = out.data_as<uint16_t>();
      for (int64_t i = 0; i < t.numel(); ++i) dst[i] = float_to_half(static_cast<float>(element_as_double(t, i)));
      break;
    }
    case DType::kBFloat16: {
      uint16_t* dst = out.data_as<uint16_t>();
      for (int64_t i = 0; i < t.numel(); ++i) dst[i] = float_to_bf16(static_cast<float>(element_as_double(t, i)));
      break;
    }
    case DType::kFloat64: {
      double* dst = out.data_as<double>();
      for (int64_t i = 0; i < t.numel(); ++i) dst[i] = element_as_double(t, i);
      break;
    }
    default:
      throw Error(ErrorCode::kUnsupported, "conversion to " + std::string(dtype_name(to)) + " (not a float type)");
  }
  return out;
}

}  // namespace piu

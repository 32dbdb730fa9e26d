// Tensors between piu and LibTorch, on the host and on CUDA devices (see torch_io.hpp).
#include "backends/torch/torch_io.hpp"

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstring>
#include <memory>

#include "backends/torch/torch_util.hpp"
#include "piu/cuda.hpp"

namespace piu::torch_util {

c10::Device torch_device(const Device& device) {
  if (device.kind == DeviceKind::kCpu) return c10::Device(c10::kCPU);
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(device.index));
}

void require_device(const Device& device) {
  if (device.kind == DeviceKind::kCpu) return;
  const std::string prefix = "device " + device_name(device) + ": LibTorch " TORCH_VERSION;
  // libc10_cuda registers LibTorch's CUDA device guard when it loads: a CPU-only LibTorch has none.
  if (!c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA))
    throw Error(ErrorCode::kUnsupported, prefix +
                                             " was built without CUDA (the torch plugin needs a CUDA build of "
                                             "LibTorch, such as PyTorch's own from pytorch.org or PyPI)");
  const auto count = static_cast<int64_t>(torch::cuda::device_count());
  if (count == 0) {
    std::string why;
    cuda::available(&why);
    throw Error(ErrorCode::kUnsupported, prefix + " sees no CUDA device" + (why.empty() ? "" : " (" + why + ")"));
  }
  if (device.index < 0 || device.index >= count)
    throw Error(ErrorCode::kBadInput, prefix + " sees " + std::to_string(count) +
                                          " CUDA device(s): cuda:0 to cuda:" + std::to_string(count - 1));
}

void synchronize(const Device& device) {
  if (device.kind == DeviceKind::kCpu) return;
  const c10::impl::VirtualGuardImpl impl(c10::DeviceType::CUDA);
  impl.getStream(torch_device(device)).synchronize();
}

void apply_cuda_switches(const BackendOptions& options) {
  at::globalContext().setAllowTF32CuDNN(options.tf32);
  at::globalContext().setAllowTF32CuBLAS(options.tf32);
  if (options.cudnn_benchmark) at::globalContext().setBenchmarkCuDNN(true);
}

at::Tensor borrow(const Tensor& t) {
  const std::vector<int64_t> sizes(t.shape().begin(), t.shape().end());
  return at::from_blob(const_cast<void*>(t.data()), sizes,
                       at::TensorOptions().dtype(to_torch(t.dtype())).device(torch_device(t.device())));
}

at::Tensor staged(const Tensor& t, const Device& device) {
  if (t.device() == device || device.kind == DeviceKind::kCpu) return borrow(t);
  // Page-locked memory (from LibTorch's caching host allocator, so reused across runs): the copy to
  // the GPU then runs at full bus speed, and without a staging copy inside the CUDA driver.
  const std::vector<int64_t> sizes(t.shape().begin(), t.shape().end());
  at::Tensor pinned = at::empty(sizes, at::TensorOptions().dtype(to_torch(t.dtype())).pinned_memory(true));
  if (t.nbytes() > 0) std::memcpy(pinned.data_ptr(), t.data(), t.nbytes());
  return pinned;
}

at::Tensor on_device(const Tensor& t, const Device& device) {
  at::Tensor s = staged(t, device);
  if (device.kind == DeviceKind::kCpu) return s;
  return s.to(torch_device(device), s.scalar_type(), /*non_blocking=*/true);
}

Tensor to_piu(const at::Tensor& t, const Device& where) {
  std::shared_ptr<at::Tensor> held;
  Device device;  // where the held values live
  if (t.is_cuda() && where.kind == DeviceKind::kCpu) {
    held = std::make_shared<at::Tensor>(
        at::empty(t.sizes(), at::TensorOptions().dtype(t.scalar_type()).pinned_memory(true)));
    held->copy_(t, /*non_blocking=*/true);
    synchronize(Device{DeviceKind::kCuda, static_cast<int>(t.get_device())});
  } else if (t.is_cuda()) {
    device = Device{DeviceKind::kCuda, static_cast<int>(t.get_device())};
    held = std::make_shared<at::Tensor>(t.contiguous());
    synchronize(device);
  } else {
    held = std::make_shared<at::Tensor>(t.contiguous());
  }
  const Shape shape(held->sizes().begin(), held->sizes().end());
  void* data = held->data_ptr();
  return Tensor::adopt(std::shared_ptr<void>(held, data), data, from_torch(held->scalar_type()), shape, device);
}

}  // namespace piu::torch_util

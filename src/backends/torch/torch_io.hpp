// Tensors between piu and LibTorch on the host and on CUDA devices, for the torch plugin's backends
// (TorchScript and AOTInductor): where an input is read from, where an output is returned, and
// whether LibTorch can run on a device at all. Uses LibTorch's device-generic API only, so it
// compiles the same against CPU and CUDA builds of LibTorch; the answer comes at run time.
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "backends/torch/torch_options.hpp"
#include "piu/core.hpp"

namespace piu::torch_util {

// LibTorch's name for a piu device.
c10::Device torch_device(const Device& device);
// Returns when LibTorch can run on `device` (always for the CPU). Otherwise throws kUnsupported in
// one line naming LibTorch's version and what is missing ("device cuda:0: LibTorch 1.13.0 was built
// without CUDA", "... sees no CUDA device"), or kBadInput for an index past the last device.
void require_device(const Device& device);
// Waits for the work queued on `device`'s current stream (nothing to wait for on the CPU).
void synchronize(const Device& device);
// Sets LibTorch's process-wide CUDA math switches from a GPU session's options: TensorFloat-32 in
// float32 convolutions and matmuls (off unless tf32=1, as the ort backend: float32 then matches the
// CPU within 1e-4 of the output scale; LibTorch's default has it on for cuDNN) and cuDNN's
// autotuner (only ever turned on). Process-wide: the last session opened decides.
void apply_cuda_switches(const BackendOptions& options);

// A LibTorch tensor over `t`'s memory, wherever it lives: no copy.
at::Tensor borrow(const Tensor& t);
// `t` where a copy to `device` starts fastest: borrowed when it is already in `device`'s memory or
// both are the host; a host tensor bound for a GPU is copied into page-locked memory.
at::Tensor staged(const Tensor& t, const Device& device);
// `t` in `device`'s memory: borrowed when it is there already, otherwise staged and copied (the copy
// queued on the device's current stream).
at::Tensor on_device(const Tensor& t, const Device& device);
// A piu tensor holding `t`'s values (row-major) in `where`'s memory when `t` is on the host or on
// `where`'s GPU; a GPU tensor bound for the host lands in page-locked memory. `t` itself is adopted
// (kept alive, not copied) when it is already there and contiguous. The values are ready when it
// returns. A tensor of another device than `where` stays where it is (Session::run moves it).
Tensor to_piu(const at::Tensor& t, const Device& where);

}  // namespace piu::torch_util

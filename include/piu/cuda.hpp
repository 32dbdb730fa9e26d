// piu's view of the CUDA runtime. libcudart is loaded at run time, never linked: one build of piu
// runs on machines with and without a GPU, and uses the CUDA runtime the process already has
// (PyTorch's, or the one on LD_LIBRARY_PATH). Everything here that needs a GPU throws
// kUnsupported with the reason (no libcudart, no device, the driver's message) when there is none.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "piu/core.hpp"

namespace piu::cuda {

// True when a CUDA runtime loads and sees at least one device; otherwise false, and `why` (when
// given) says what is missing, in one line.
bool available(std::string* why = nullptr);
// Number of CUDA devices (0 when there is no runtime or no device).
int device_count();
// The loaded runtime's version ("13.0"), or "" when none loads.
std::string runtime_version();
// The name of device `index` ("NVIDIA H200").
std::string device_name(int index);
// Throws kUnsupported unless `device` is a CUDA device this process can use (naming the reason),
// and kBadInput for an index past the last device.
void require(const Device& device);

// `bytes` of device memory on `device` (uninitialized), freed when the last owner goes.
std::shared_ptr<void> allocate(size_t bytes, const Device& device);
// `bytes` of page-locked host memory (copies to and from it run at full bus speed).
std::shared_ptr<void> allocate_pinned(size_t bytes);
// Copies `bytes` between any two of host, pinned and device memory (unified addressing picks the
// direction). Returns when the copy is done and all work queued before it on the device's default
// stream has finished.
void copy(void* dst, const void* src, size_t bytes);
// Waits for all work on `device`.
void synchronize(const Device& device);

// Times GPU work with CUDA events recorded on a stream (nullptr: the default stream): start() before
// the work, stop_ms() after it returns the milliseconds between the two events once both are done.
class EventTimer {
 public:
  explicit EventTimer(const Device& device);
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start(void* stream = nullptr);
  double stop_ms(void* stream = nullptr);

 private:
  void* begin_ = nullptr;
  void* end_ = nullptr;
  int device_ = 0;
};

}  // namespace piu::cuda

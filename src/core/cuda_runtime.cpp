// The CUDA runtime, loaded at run time (dlopen) so that piu never links it: see piu/cuda.hpp.
// Only the handful of entry points piu needs are looked up; their C signatures are the CUDA
// runtime's stable ABI (error codes as int, streams and events as opaque pointers).
#include <dlfcn.h>

#include <string>
#include <vector>

#include "piu/cuda.hpp"

namespace piu::cuda {

namespace {

constexpr int kMemcpyDefault = 4;  // cudaMemcpyDefault: direction from unified addressing

struct Runtime {
  void* lib = nullptr;
  std::string error;  // why it is not usable, when it is not
  std::string version;
  int devices = 0;

  int (*get_device_count)(int*) = nullptr;
  int (*runtime_get_version)(int*) = nullptr;
  int (*get_device_properties)(void*, int) = nullptr;
  int (*set_device)(int) = nullptr;
  int (*malloc_device)(void**, size_t) = nullptr;
  int (*free_device)(void*) = nullptr;
  int (*malloc_host)(void**, size_t) = nullptr;
  int (*free_host)(void*) = nullptr;
  int (*memcpy_any)(void*, const void*, size_t, int) = nullptr;
  int (*device_synchronize)() = nullptr;
  int (*stream_synchronize)(void*) = nullptr;
  int (*event_create)(void**) = nullptr;
  int (*event_destroy)(void*) = nullptr;
  int (*event_record)(void*, void*) = nullptr;
  int (*event_synchronize)(void*) = nullptr;
  int (*event_elapsed_time)(float*, void*, void*) = nullptr;
  const char* (*get_error_string)(int) = nullptr;

  bool usable() const { return error.empty(); }
};

template <typename F>
bool find(void* lib, F& fn, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (void* p = dlsym(lib, n)) {
      fn = reinterpret_cast<F>(p);
      return true;
    }
  return false;
}

Runtime load() {
  Runtime r;
  // The runtime already in the process (PyTorch's) is found by its soname first.
  for (const char* name : {"libcudart.so.13", "libcudart.so.12", "libcudart.so"}) {
    r.lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (r.lib) break;
  }
  if (!r.lib) {
    r.error = "no CUDA runtime (libcudart.so.13 or .12 not found on the library path)";
    return r;
  }
  bool ok = find(r.lib, r.get_device_count, {"cudaGetDeviceCount"}) &&
            find(r.lib, r.runtime_get_version, {"cudaRuntimeGetVersion"}) &&
            find(r.lib, r.get_device_properties, {"cudaGetDeviceProperties_v2", "cudaGetDeviceProperties"}) &&
            find(r.lib, r.set_device, {"cudaSetDevice"}) && find(r.lib, r.malloc_device, {"cudaMalloc"}) &&
            find(r.lib, r.free_device, {"cudaFree"}) && find(r.lib, r.malloc_host, {"cudaMallocHost"}) &&
            find(r.lib, r.free_host, {"cudaFreeHost"}) && find(r.lib, r.memcpy_any, {"cudaMemcpy"}) &&
            find(r.lib, r.device_synchronize, {"cudaDeviceSynchronize"}) &&
            find(r.lib, r.stream_synchronize, {"cudaStreamSynchronize"}) &&
            find(r.lib, r.event_create, {"cudaEventCreate"}) && find(r.lib, r.event_destroy, {"cudaEventDestroy"}) &&
            find(r.lib, r.event_record, {"cudaEventRecord"}) &&
            find(r.lib, r.event_synchronize, {"cudaEventSynchronize"}) &&
            find(r.lib, r.event_elapsed_time, {"cudaEventElapsedTime"}) &&
            find(r.lib, r.get_error_string, {"cudaGetErrorString"});
  if (!ok) {
    r.error = "the CUDA runtime found lacks an entry point piu uses";
    return r;
  }
  int v = 0;
  if (r.runtime_get_version(&v) == 0) r.version = std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
  const int rc = r.get_device_count(&r.devices);
  if (rc != 0) {
    r.devices = 0;
    r.error = std::string("CUDA runtime ") + r.version + ": " + r.get_error_string(rc);
  } else if (r.devices == 0) {
    r.error = "no CUDA device";
  }
  return r;
}

const Runtime& runtime() {
  static const Runtime r = load();
  return r;
}

const Runtime& usable_runtime() {
  const Runtime& r = runtime();
  if (!r.usable()) throw Error(ErrorCode::kUnsupported, "CUDA: " + r.error);
  return r;
}

void check(const Runtime& r, int rc, const char* what) {
  if (rc != 0) throw Error(ErrorCode::kBackend, std::string("CUDA ") + what + ": " + r.get_error_string(rc));
}

void set_device(const Runtime& r, int index) { check(r, r.set_device(index), "cudaSetDevice"); }

}  // namespace

bool available(std::string* why) {
  const Runtime& r = runtime();
  if (why) *why = r.error;
  return r.usable();
}

int device_count() { return runtime().devices; }

std::string runtime_version() { return runtime().version; }

std::string device_name(int index) {
  const Runtime& r = usable_runtime();
  // cudaDeviceProp begins with `char name[256]`; the buffer is larger than any version's struct.
  std::vector<char> prop(16384, 0);
  check(r, r.get_device_properties(prop.data(), index), "cudaGetDeviceProperties");
  prop[255] = 0;
  return std::string(prop.data());
}

void require(const Device& device) {
  if (device.kind != DeviceKind::kCuda) return;
  const Runtime& r = usable_runtime();
  if (device.index >= r.devices)
    throw Error(ErrorCode::kBadInput, "device " + piu::device_name(device) + ": this machine has " +
                                          std::to_string(r.devices) + " CUDA device(s)");
}

std::shared_ptr<void> allocate(size_t bytes, const Device& device) {
  require(device);
  const Runtime& r = usable_runtime();
  set_device(r, device.index);
  void* p = nullptr;
  const int rc = r.malloc_device(&p, bytes == 0 ? 1 : bytes);
  if (rc != 0)
    throw Error(ErrorCode::kBackend, "CUDA: cannot allocate " + std::to_string(bytes) + " bytes on " +
                                         piu::device_name(device) + ": " + r.get_error_string(rc));
  const Runtime* rt = &r;
  return std::shared_ptr<void>(p, [rt](void* q) { rt->free_device(q); });
}

std::shared_ptr<void> allocate_pinned(size_t bytes) {
  const Runtime& r = usable_runtime();
  void* p = nullptr;
  const int rc = r.malloc_host(&p, bytes == 0 ? 1 : bytes);
  if (rc != 0)
    throw Error(ErrorCode::kBackend,
                "CUDA: cannot allocate " + std::to_string(bytes) + " bytes of pinned memory: " + r.get_error_string(rc));
  const Runtime* rt = &r;
  return std::shared_ptr<void>(p, [rt](void* q) { rt->free_host(q); });
}

void copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  const Runtime& r = usable_runtime();
  check(r, r.memcpy_any(dst, src, bytes, kMemcpyDefault), "cudaMemcpy");
  // cudaMemcpy returns before a device-to-device copy is done; runtimes that read the result on
  // their own (non-blocking) streams would not wait for it.
  check(r, r.stream_synchronize(nullptr), "cudaStreamSynchronize");
}

void synchronize(const Device& device) {
  if (device.kind != DeviceKind::kCuda) return;
  const Runtime& r = usable_runtime();
  set_device(r, device.index);
  check(r, r.device_synchronize(), "cudaDeviceSynchronize");
}

EventTimer::EventTimer(const Device& device) : device_(device.index) {
  require(device);
  const Runtime& r = usable_runtime();
  set_device(r, device_);
  check(r, r.event_create(&begin_), "cudaEventCreate");
  check(r, r.event_create(&end_), "cudaEventCreate");
}

EventTimer::~EventTimer() {
  const Runtime& r = runtime();
  if (begin_) r.event_destroy(begin_);
  if (end_) r.event_destroy(end_);
}

void EventTimer::start(void* stream) {
  const Runtime& r = runtime();
  check(r, r.event_record(begin_, stream), "cudaEventRecord");
}

double EventTimer::stop_ms(void* stream) {
  const Runtime& r = runtime();
  check(r, r.event_record(end_, stream), "cudaEventRecord");
  check(r, r.event_synchronize(end_), "cudaEventSynchronize");
  float ms = 0;
  check(r, r.event_elapsed_time(&ms, begin_, end_), "cudaEventElapsedTime");
  return ms;
}

}  // namespace piu::cuda

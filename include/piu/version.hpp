// piu's version and the versions of the components it runs with.
#pragma once

#include <string>
#include <vector>

#include "piu/tensorrt.hpp"

namespace piu {

// piu's own version ("0.1.0"), from the CMake project.
std::string version();

struct ComponentVersion {
  std::string name;     // "ONNX Runtime"
  std::string version;  // "1.31.1", or "not built" for a component left out of this build
  std::string detail;   // where it comes from ("runtime library", "headers 1.21"), may be empty
};

// Each component of this build, in a fixed order: ONNX Runtime (the version of the runtime library
// loaded in this process, not of the headers piu was compiled with), ONNX (the C++ library linked
// into libpiu), protobuf, TensorRT (the libnvinfer that loads, "not found" without one), LibTorch
// (the torch plugin's, loading it; "not built" without it).
// Throws kBackend when the torch plugin is built but cannot be loaded.
std::vector<ComponentVersion> component_versions();

// What this machine has for each way piu runs models (piu doctor): the components, the CUDA devices,
// and whether the tensorrt backend can run here and, when not, what to install.
struct DoctorReport {
  std::string piu;                           // version()
  std::vector<ComponentVersion> components;  // component_versions()
  bool cuda = false;                         // a CUDA runtime loads and sees a device
  std::string cuda_version;                  // the runtime's ("13.0"), "" when none loads
  std::string cuda_problem;                  // why CUDA is not usable, "" when it is
  std::vector<std::string> devices;          // CUDA device names, by index
  TensorRtHealth tensorrt;                   // check_tensorrt_health()
  std::string to_json() const;               // what piu doctor prints with --json
  std::string to_text() const;               // what piu doctor prints without --json
};
// Checks everything above; loads the runtimes it finds (CUDA, TensorRT, the torch plugin).
DoctorReport doctor();

}  // namespace piu

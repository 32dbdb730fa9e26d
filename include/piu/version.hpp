// piu's version and the versions of the components it runs with.
#pragma once

#include <string>
#include <vector>

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
// into libpiu), protobuf, LibTorch (the torch plugin's, loading it; "not built" without it).
// Throws kBackend when the torch plugin is built but cannot be loaded.
std::vector<ComponentVersion> component_versions();

}  // namespace piu

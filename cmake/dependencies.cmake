# Imported targets for piu's dependencies: piu::onnx (namespaced ONNX C++ library + protobuf) and
# piu::onnxruntime (headers + shared runtime library).

# ---- ONNX Runtime: our .deps, an official release tarball (CPU or GPU), the onnxruntime-gpu wheel's
# capi/ folder, or a distro package ----
# The wheel's capi/ holds the runtime (libonnxruntime.so.1.x.y, no unversioned link) and its
# provider libraries but no headers: the headers then come from .deps (the C API is versioned, so
# headers of the same or an older release work with it).
find_path(PIU_ORT_INCLUDE_DIR onnxruntime_cxx_api.h
  HINTS "${ONNXRUNTIME_ROOT}/include" "${ONNXRUNTIME_ROOT}/include/onnxruntime" "${PIU_DEPS_DIR}/onnxruntime/include"
  PATH_SUFFIXES onnxruntime onnxruntime/core/session)
find_library(PIU_ORT_LIBRARY onnxruntime HINTS "${ONNXRUNTIME_ROOT}/lib" "${ONNXRUNTIME_ROOT}/lib64")
if(NOT PIU_ORT_LIBRARY)
  file(GLOB _piu_ort_versioned "${ONNXRUNTIME_ROOT}/libonnxruntime.so.1*" "${ONNXRUNTIME_ROOT}/capi/libonnxruntime.so.1*")
  if(_piu_ort_versioned)
    list(GET _piu_ort_versioned 0 _piu_ort_first)
    set(PIU_ORT_LIBRARY "${_piu_ort_first}" CACHE FILEPATH "ONNX Runtime library" FORCE)
  endif()
endif()
if(NOT PIU_ORT_INCLUDE_DIR OR NOT PIU_ORT_LIBRARY)
  message(FATAL_ERROR "ONNX Runtime not found under ONNXRUNTIME_ROOT=${ONNXRUNTIME_ROOT}. "
                      "Run scripts/bootstrap.sh, or pass -DONNXRUNTIME_ROOT=<folder with include/ and lib/, or "
                      "the onnxruntime-gpu wheel's capi/ folder>.")
endif()
add_library(piu::onnxruntime SHARED IMPORTED)
set_target_properties(piu::onnxruntime PROPERTIES
  IMPORTED_LOCATION "${PIU_ORT_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${PIU_ORT_INCLUDE_DIR}")
get_filename_component(PIU_ORT_LIBRARY_DIR "${PIU_ORT_LIBRARY}" DIRECTORY)
# Execution providers other than the CPU's are libraries ONNX Runtime loads from its own folder.
file(GLOB PIU_ORT_PROVIDER_LIBRARIES "${PIU_ORT_LIBRARY_DIR}/libonnxruntime_providers_*.so")
set(_piu_ort_providers "CPU")
foreach(_lib IN LISTS PIU_ORT_PROVIDER_LIBRARIES)
  get_filename_component(_name "${_lib}" NAME)
  if(_name MATCHES "libonnxruntime_providers_(cuda|tensorrt)\\.so")
    string(APPEND _piu_ort_providers ", ${CMAKE_MATCH_1}")
  endif()
endforeach()
message(STATUS "ONNX Runtime: ${PIU_ORT_LIBRARY} (headers ${PIU_ORT_INCLUDE_DIR}; provider libraries: ${_piu_ort_providers})")

# ---- ONNX (built by bootstrap with ONNX_NAMESPACE=piu_onnx; see docs/architecture.md) ----
find_package(Protobuf REQUIRED)
find_library(PIU_ONNX_LIBRARY onnx HINTS "${PIU_ONNX_ROOT}/lib" "${PIU_ONNX_ROOT}/lib64" NO_DEFAULT_PATH)
find_library(PIU_ONNX_PROTO_LIBRARY onnx_proto HINTS "${PIU_ONNX_ROOT}/lib" "${PIU_ONNX_ROOT}/lib64" NO_DEFAULT_PATH)
if(NOT PIU_ONNX_LIBRARY OR NOT PIU_ONNX_PROTO_LIBRARY OR NOT EXISTS "${PIU_ONNX_ROOT}/include/onnx/onnx_pb.h")
  message(FATAL_ERROR "ONNX C++ library not found under PIU_ONNX_ROOT=${PIU_ONNX_ROOT}. Run scripts/bootstrap.sh.")
endif()
# Headers for everyone; the static archives go into libpiu.so only (whole, so programs that use the
# protobuf classes find them there). Linking them twice would register ONNX's descriptors twice.
add_library(piu::onnx_headers INTERFACE IMPORTED)
set_target_properties(piu::onnx_headers PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${PIU_ONNX_ROOT}/include"
  INTERFACE_COMPILE_DEFINITIONS "ONNX_NAMESPACE=piu_onnx;ONNX_ML=1"
  INTERFACE_LINK_LIBRARIES "protobuf::libprotobuf")
# ONNX 1.22's libonnx.a already holds the generated protobuf classes of libonnx_proto.a.
set(PIU_ONNX_ARCHIVES "${PIU_ONNX_LIBRARY}")

find_package(nlohmann_json 3 REQUIRED)

# fmt (Debian's libfmt-dev): formatting without fixed-size buffers; private to libpiu and the CLI.
find_package(fmt REQUIRED)

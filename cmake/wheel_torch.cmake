# LibTorch for a wheel (SKBUILD): the torch plugin is built against the torch of the environment the
# wheel is for, as PyTorch's own C++ extensions are, so that `import torch` and the plugin share one
# libtorch. That torch's CMake files (torch.utils.cmake_prefix_path) are used when they exist;
# Debian's python3-torch has none, and there libtorch-dev's (the same libtorch.so.1.13 that torch._C
# links) are found instead. Either way the LibTorch found must be the library torch loads.
# Sets PIU_TORCH_LIB_DIR (the plugin's rpath gets it), or, when the environment has no torch, turns
# PIU_WITH_TORCH off and sets PIU_WITHOUT_TORCH_REASON.

# pip's build isolation hides the environment's site-packages through PYTHONPATH (a sitecustomize)
# and PYTHONNOUSERSITE; without them the interpreter sees what `pip install` installs beside.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env --unset=PYTHONPATH --unset=PYTHONNOUSERSITE
          "${Python_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/torch_probe.py"
  OUTPUT_VARIABLE _piu_probe ERROR_VARIABLE _piu_probe_error RESULT_VARIABLE _piu_probe_rc)
if(NOT _piu_probe_rc EQUAL 0)
  message(FATAL_ERROR "cannot ask ${Python_EXECUTABLE} for its torch (cmake/torch_probe.py): ${_piu_probe_error}")
endif()
foreach(_key status reason version prefix libtorch cxx11_abi)
  string(REGEX MATCH "(^|\n)${_key}=([^\n]*)" _match "${_piu_probe}")
  set(_piu_torch_${_key} "${CMAKE_MATCH_2}")
endforeach()

if(_piu_torch_status STREQUAL "absent")
  set(PIU_WITHOUT_TORCH_REASON "No torch in ${Python_EXECUTABLE} (${_piu_torch_reason})")  # said once, by the caller
  set(PIU_WITHOUT_TORCH_SHORT "the Python the wheel was built for had no torch")
  set(PIU_WITH_TORCH OFF)
  return()
endif()
set(_piu_torch_is "torch ${_piu_torch_version} of ${Python_EXECUTABLE}")
if(NOT _piu_torch_cxx11_abi)
  # The plugin passes std::string across libpiu's API: both must use one libstdc++ ABI.
  message(FATAL_ERROR "${_piu_torch_is} was built with the pre-C++11 std::string ABI, which libpiu does not "
                      "use: install a torch built with the C++11 ABI, or build the wheel without the torch "
                      "plugin (-C cmake.define.PIU_WITH_TORCH=OFF).")
endif()

if(EXISTS "${_piu_torch_prefix}/Torch/TorchConfig.cmake")
  find_package(Torch CONFIG QUIET PATHS "${_piu_torch_prefix}" NO_DEFAULT_PATH)
else()
  find_package(Torch CONFIG QUIET)
endif()
if(NOT Torch_FOUND)
  message(FATAL_ERROR "${_piu_torch_is} has no LibTorch CMake files (${_piu_torch_prefix} does not exist) "
                      "and none were found elsewhere: on Debian install libtorch-dev (scripts/bootstrap.sh "
                      "does), or set Torch_DIR (-C cmake.define.Torch_DIR=...), or build the wheel without "
                      "the torch plugin (-C cmake.define.PIU_WITH_TORCH=OFF).")
endif()
file(REAL_PATH "${TORCH_LIBRARY}" _piu_found_libtorch)
if(NOT _piu_found_libtorch STREQUAL _piu_torch_libtorch)
  message(FATAL_ERROR "LibTorch found at ${Torch_DIR} is ${_piu_found_libtorch}, but ${_piu_torch_is} loads "
                      "'${_piu_torch_libtorch}': the torch plugin must link the libtorch that torch uses. Set "
                      "Torch_DIR to the CMake files of that torch (-C cmake.define.Torch_DIR=...), or build the "
                      "wheel without the torch plugin (-C cmake.define.PIU_WITH_TORCH=OFF).")
endif()
get_filename_component(PIU_TORCH_LIB_DIR "${_piu_torch_libtorch}" DIRECTORY)
message(STATUS "${_piu_torch_is}: the torch plugin links ${_piu_torch_libtorch}")

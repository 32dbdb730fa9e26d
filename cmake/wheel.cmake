# The wheel's contents (scikit-build-core, SKBUILD; the install prefix is site-packages). Everything
# lives in the package folder, found through $ORIGIN-relative rpaths wherever the wheel is installed:
#   piu/*.py, pytorch_infer_utils/    the Python files (wheel.packages in pyproject.toml)
#   piu/_piu.<abi>.so                 the extension module            rpath $ORIGIN/lib
#   piu/lib/libpiu.so                 the library                     rpath $ORIGIN
#   piu/lib/libpiu_torch.so           plugins, beside libpiu (load_plugin looks there first)
#   piu/lib/libonnxruntime.so.1       ONNX Runtime from .deps, under its soname
#   piu/bin/piu                       the CLI (console script `piu`)   rpath $ORIGIN/../lib
# No headers, CMake package or pkg-config file: C++ consumers use cmake --install (cmake/install.cmake).
set(PIU_WHEEL_LIBDIR piu/lib)

set_target_properties(_piu PROPERTIES INSTALL_RPATH "$ORIGIN/lib")
set_target_properties(piu PROPERTIES INSTALL_RPATH "$ORIGIN")
set_target_properties(piu_tool PROPERTIES INSTALL_RPATH "$ORIGIN/../lib")
install(TARGETS _piu LIBRARY DESTINATION piu)
install(TARGETS piu LIBRARY DESTINATION ${PIU_WHEEL_LIBDIR})
install(TARGETS piu_tool RUNTIME DESTINATION piu/bin)

foreach(plugin IN LISTS PIU_PLUGINS)
  set_target_properties(piu_${plugin} PROPERTIES INSTALL_RPATH "$ORIGIN")
  install(TARGETS piu_${plugin} LIBRARY DESTINATION ${PIU_WHEEL_LIBDIR})
endforeach()
if(torch IN_LIST PIU_PLUGINS)
  # libtorch of the torch the plugin was built against (cmake/wheel_torch.cmake), so that the CLI
  # finds it without Python: a PyPI torch beside piu in site-packages, or the folder it was built
  # with (left out when that is a system folder the loader searches anyway, as Debian's is).
  set(_piu_torch_rpath "$ORIGIN" "$ORIGIN/../../torch/lib")
  if(NOT PIU_TORCH_LIB_DIR IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
    list(APPEND _piu_torch_rpath "${PIU_TORCH_LIB_DIR}")
  endif()
  set_target_properties(piu_torch PROPERTIES INSTALL_RPATH "${_piu_torch_rpath}")
endif()

# ONNX Runtime from .deps or a release tarball, as the one file libpiu asks for (its soname): a wheel
# is a zip without symlinks, and libonnxruntime.so.1.31.1 under a second name would add 29 MB.
if(NOT PIU_ORT_LIBRARY MATCHES "^/usr/")
  file(REAL_PATH "${PIU_ORT_LIBRARY}" _piu_ort_file)
  get_filename_component(_piu_ort_soname "${PIU_ORT_LIBRARY}" NAME)
  execute_process(COMMAND "${CMAKE_READELF}" -d "${_piu_ort_file}" OUTPUT_VARIABLE _piu_ort_dynamic)
  if(_piu_ort_dynamic MATCHES "Library soname: \\[([^]]+)\\]")
    set(_piu_ort_soname "${CMAKE_MATCH_1}")
  endif()
  install(FILES "${_piu_ort_file}" DESTINATION ${PIU_WHEEL_LIBDIR} RENAME "${_piu_ort_soname}")
  # A GPU runtime's provider libraries (CUDA, TensorRT) go beside it: ONNX Runtime loads them from there.
  install(FILES ${PIU_ORT_PROVIDER_LIBRARIES} DESTINATION ${PIU_WHEEL_LIBDIR})
endif()

# cmake --install: libpiu, the plugins, the piu CLI, the public headers (with the namespaced ONNX
# headers they include), the ONNX Runtime runtime library when it came from .deps, a CMake package
# (find_package(piu) -> piu::piu) and piu.pc. Installed binaries find their libraries through
# $ORIGIN-relative rpaths, so the prefix can be moved.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PIU_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/piu")
set(PIU_ONNX_HEADERS_DIR "${CMAKE_INSTALL_INCLUDEDIR}/piu/third_party")

target_include_directories(piu PUBLIC
  "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>" "$<INSTALL_INTERFACE:${PIU_ONNX_HEADERS_DIR}>")
set_target_properties(piu PROPERTIES INSTALL_RPATH "$ORIGIN")
set_target_properties(piu_tool PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")

install(TARGETS piu EXPORT piuTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS piu_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(plugin IN LISTS PIU_PLUGINS)  # beside libpiu, where load_plugin looks first
  set_target_properties(piu_${plugin} PROPERTIES INSTALL_RPATH "$ORIGIN")
  install(TARGETS piu_${plugin} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endforeach()
install(DIRECTORY include/piu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY "${PIU_ONNX_ROOT}/include/onnx" DESTINATION ${PIU_ONNX_HEADERS_DIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "CMakeFiles" EXCLUDE)

# ONNX Runtime from .deps or a release tarball travels with libpiu; a system one stays where it is.
if(NOT PIU_ORT_LIBRARY MATCHES "^/usr/")
  file(GLOB _piu_ort_files "${PIU_ORT_LIBRARY_DIR}/libonnxruntime.so*")
  install(FILES ${_piu_ort_files} ${PIU_ORT_PROVIDER_LIBRARIES} DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

install(EXPORT piuTargets NAMESPACE piu:: DESTINATION ${PIU_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/piuConfig.cmake.in "${CMAKE_BINARY_DIR}/piuConfig.cmake"
  INSTALL_DESTINATION ${PIU_INSTALL_CMAKEDIR})
write_basic_package_version_file("${CMAKE_BINARY_DIR}/piuConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/piuConfig.cmake" "${CMAKE_BINARY_DIR}/piuConfigVersion.cmake"
  DESTINATION ${PIU_INSTALL_CMAKEDIR})
# piu.pc: the prefix is substituted at install time (cmake --install --prefix P).
install(CODE "
  set(CMAKE_INSTALL_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(CMAKE_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(CMAKE_INSTALL_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(PROJECT_VERSION \"${PROJECT_VERSION}\")
  configure_file(\"${CMAKE_CURRENT_SOURCE_DIR}/cmake/piu.pc.in\" \"${CMAKE_BINARY_DIR}/piu.pc\" @ONLY)
  file(INSTALL \"${CMAKE_BINARY_DIR}/piu.pc\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\")
")

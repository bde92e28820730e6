# `cmake --install` lays out fovea for other projects: the headers, the shared library, the
# `fovea` command, a CMake package (find_package(fovea) gives the target fovea::fovea) and a
# pkg-config file. Both are relocatable: they find the prefix from where they were installed.
include(CMakePackageConfigHelpers)

install(TARGETS fovea fovea_cli EXPORT foveaTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})  # the include path comes from the target's INSTALL_INTERFACE
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fovea ${FOVEA_GENERATED_INCLUDE}/fovea
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")

set(FOVEA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fovea)
install(EXPORT foveaTargets NAMESPACE fovea:: DESTINATION ${FOVEA_CMAKE_DIR})
configure_package_config_file(cmake/foveaConfig.cmake.in ${PROJECT_BINARY_DIR}/foveaConfig.cmake
                              INSTALL_DESTINATION ${FOVEA_CMAKE_DIR})
# 0.x: a new minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/foveaConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/foveaConfig.cmake ${PROJECT_BINARY_DIR}/foveaConfigVersion.cmake
        DESTINATION ${FOVEA_CMAKE_DIR})

file(RELATIVE_PATH FOVEA_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(cmake/fovea.pc.in ${PROJECT_BINARY_DIR}/fovea.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/fovea.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

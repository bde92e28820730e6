# Two promises about the public headers, kept by the build and the test suite:
# - every header compiles on its own: one generated source per header that includes only it,
#   built into an object library (a header that leans on an include it does not make fails here);
# - fovea/fovea.hpp includes the whole public API: a test lists every header it leaves out.
file(GLOB_RECURSE FOVEA_PUBLIC_HEADERS RELATIVE ${PROJECT_SOURCE_DIR}/include CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/include/fovea/*.hpp)
list(APPEND FOVEA_PUBLIC_HEADERS fovea/version.hpp)  # generated
set(header_sources)
foreach(header IN LISTS FOVEA_PUBLIC_HEADERS)
  string(MAKE_C_IDENTIFIER "${header}" name)
  set(source ${PROJECT_BINARY_DIR}/header_check/${name}.cpp)
  set(content "#include <${header}>\n#include <${header}>  // and twice: the include guard holds\n")
  if(EXISTS ${source})
    file(READ ${source} old)
  else()
    set(old "")
  endif()
  if(NOT old STREQUAL content)
    file(WRITE ${source} "${content}")
  endif()
  list(APPEND header_sources ${source})
endforeach()
add_library(fovea_header_check OBJECT ${header_sources})
target_link_libraries(fovea_header_check PRIVATE fovea)
target_compile_options(fovea_header_check PRIVATE -Wall -Wextra -Wpedantic -Werror)

add_test(NAME public_headers.umbrella_includes_all
         COMMAND ${CMAKE_COMMAND} -DUMBRELLA=${PROJECT_SOURCE_DIR}/include/fovea/fovea.hpp
                 "-DHEADERS=${FOVEA_PUBLIC_HEADERS}" -P ${PROJECT_SOURCE_DIR}/cmake/CheckUmbrella.cmake)

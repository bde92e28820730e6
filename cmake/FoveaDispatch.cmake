# Run-time dispatch for fovea's own loops (src/kernels/cpu/dispatch.hpp says why and how).
#
# Every file in src/kernels/cpu/per_isa/ is compiled once per instruction set, each time into its
# own namespace (FOVEA_ISA_NAMESPACE), and the objects go into the fovea library; the library's
# own glob leaves that folder out. The flags here are the only wider ISA the library is compiled
# for: the rest of it is plain x86-64 (or this machine's, with FOVEA_NATIVE).
#
# Included from the top-level CMakeLists.txt once the fovea target exists.

file(GLOB FOVEA_PER_ISA_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/kernels/cpu/per_isa/*.cpp)
# Adam's and RMSprop's updates round exactly as the plain x86-64 build (and their reference
# kernels) do: no a * b + c contracted into one fused multiply-add where -mfma would allow it.
set_source_files_properties(${PROJECT_SOURCE_DIR}/src/kernels/cpu/per_isa/adam.cpp
                            ${PROJECT_SOURCE_DIR}/src/kernels/cpu/per_isa/rmsprop.cpp PROPERTIES COMPILE_OPTIONS
                            -ffp-contract=off)

set(FOVEA_ISA_FLAGS_baseline "")
set(FOVEA_ISA_FLAGS_avx2 -mavx2 -mfma)
set(FOVEA_ISA_FLAGS_avx512 -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq)

foreach(isa baseline avx2 avx512)
  add_library(fovea_kernels_${isa} OBJECT ${FOVEA_PER_ISA_SOURCES})
  # The library's own include paths and options (warnings; -march=native under FOVEA_NATIVE) come
  # first, so an ISA's flags add to them. PIC: the objects may end up in a shared libfovea.
  target_include_directories(fovea_kernels_${isa} PRIVATE $<TARGET_PROPERTY:fovea,INCLUDE_DIRECTORIES>)
  # No kernel reads errno or the floating-point exception flags, and keeping them exact keeps loops
  # scalar: with errno GCC guards each sqrt with a branch to the libm call; with trapping math it
  # will not compute both sides of a select (`x < 0 ? e * s : s`) without AVX-512's masks. Neither
  # option changes a result: values and rounding are the same.
  target_compile_options(fovea_kernels_${isa} PRIVATE $<TARGET_PROPERTY:fovea,COMPILE_OPTIONS>
                         ${FOVEA_ISA_FLAGS_${isa}} -fno-math-errno -fno-trapping-math)
  target_compile_definitions(fovea_kernels_${isa} PRIVATE FOVEA_ISA_NAMESPACE=${isa})
  set_target_properties(fovea_kernels_${isa} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(fovea_kernels_${isa} PRIVATE OpenMP::OpenMP_CXX)
  # Objects rather than target_link_libraries(fovea ... fovea_kernels_*): nothing of these
  # helper targets shows in fovea's link interface or its exported targets.
  target_sources(fovea PRIVATE $<TARGET_OBJECTS:fovea_kernels_${isa}>)
endforeach()

# Runs the tests matching `filter` once more per narrower variant (FOVEA_CPU_ISA), with oneDNN
# lowered to match (ONEDNN_MAX_CPU_ISA: nChw8c activations instead of AVX-512's nChw16c), so one
# AVX-512 machine tests every variant against the reference kernels. On a CPU without a variant
# the run reports the error and counts as skipped.
function(fovea_test_each_isa test_target filter)
  foreach(isa_pair "avx2;AVX2" "baseline;SSE41")
    list(GET isa_pair 0 isa)
    list(GET isa_pair 1 onednn_isa)
    add_test(NAME ${test_target}_as_${isa} COMMAND ${test_target} --gtest_filter=${filter})
    set_tests_properties(${test_target}_as_${isa} PROPERTIES
      ENVIRONMENT "FOVEA_CPU_ISA=${isa};ONEDNN_MAX_CPU_ISA=${onednn_isa}"
      SKIP_REGULAR_EXPRESSION "FOVEA_CPU_ISA=[a-z0-9]+ asks for instructions this CPU lacks"
      TIMEOUT 600)
  endforeach()
  # Every global symbol a per-ISA object defines lives in its own namespace (dispatch.hpp's rule).
  add_test(NAME dispatch_symbols COMMAND ${CMAKE_COMMAND}
    "-DOBJECTS=$<JOIN:$<TARGET_OBJECTS:fovea_kernels_avx2>;$<TARGET_OBJECTS:fovea_kernels_avx512>,|>"
    -DNM=${CMAKE_NM} -P ${PROJECT_SOURCE_DIR}/cmake/CheckIsaSymbols.cmake)
endfunction()

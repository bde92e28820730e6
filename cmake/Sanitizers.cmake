# Sanitizer and fuzzing builds: everything this project compiles (the library, its per-ISA objects,
# the command, the tests, the fuzz targets) gets the same instrumentation, so a report's stack is
# whole. Included from the top-level CMakeLists.txt before any target exists.
#
#   FOVEA_SANITIZE=address,undefined  ASan + UBSan (scripts/test-sanitizers.sh, build-asan/)
#   FOVEA_SANITIZE=thread             TSan (scripts/test-sanitizers.sh, build-tsan/)
#   FOVEA_FUZZ=ON                     libFuzzer coverage everywhere and the targets in fuzz/ (clang
#                                     only; scripts/fuzz.sh, build-fuzz/, with address,undefined)
#
# Every sanitizer error is fatal (-fno-sanitize-recover=all): a UBSan finding fails the test that
# hit it instead of scrolling past. What is not instrumented (Debian's oneDNN with its JIT code,
# libgomp, zlib, stb, libjpeg-turbo) is neither checked nor a source of false reports, except for TSan and
# libgomp's fork and join, which tests/support/tsan_openmp_fork_join.cpp tells TSan of.
set(FOVEA_SANITIZE "" CACHE STRING "Build with these sanitizers: address,undefined, address, undefined or thread (empty: none)")
option(FOVEA_FUZZ "Build the libFuzzer targets in fuzz/ (clang; instruments everything for coverage)" OFF)

if(FOVEA_SANITIZE)
  if(NOT FOVEA_SANITIZE MATCHES "^(address|undefined|address,undefined|undefined,address|thread)$")
    message(FATAL_ERROR "FOVEA_SANITIZE='${FOVEA_SANITIZE}': expected address,undefined, address, undefined or thread")
  endif()
  # Frame pointers: ASan's and TSan's fast unwinder needs them for whole stacks in reports.
  add_compile_options(-fsanitize=${FOVEA_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # Build time, which CI pays twice (ASan, TSan): instrumented code compiles 2-3x slower than plain.
  # The library at -O1, the level ASan's authors advise (its kernels stay fast enough for the
  # suite's training tests), with line tables only (-g1: a report's stack keeps file:line); the
  # tests, the command, the examples and the header check at -O0: their own code does little work
  # at run time. Compiling predict_command.cpp under ASan+UBSan, -O1 -g1 took 0.59 and -O0 -g1 0.30
  # of the time at -O2 -g.
  # Later options win, so these override the build type's -O2 -g.
  add_compile_options(-O1 -g1
    "$<$<IN_LIST:$<TARGET_PROPERTY:NAME>,fovea_tests;fovea_cli;mnist_cnn;predict;fovea_header_check>:-O0>")
  add_link_options(-fsanitize=${FOVEA_SANITIZE})
endif()

# The tensor allocator's block cache is off in these builds (src/tensor/allocator.cpp says why).
if(FOVEA_SANITIZE OR FOVEA_FUZZ)
  add_compile_definitions(FOVEA_SANITIZER_BUILD)
endif()

if(FOVEA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FOVEA_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 (scripts/fuzz.sh does)")
  endif()
  # Coverage feedback from the library too, not only from the targets' own files: the parsers are
  # in libfovea. The targets themselves link with -fsanitize=fuzzer (fuzz/CMakeLists.txt).
  # Quiet: the library's GCC-only -Wno-restrict, and its `omp simd` loops, which clang reports
  # it could not vectorise once coverage instrumentation is in them.
  add_compile_options(-fsanitize=fuzzer-no-link -Wno-unknown-warning-option -Wno-pass-failed)
endif()

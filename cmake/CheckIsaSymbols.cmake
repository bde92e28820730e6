# Fails when an object compiled for a wider ISA defines a global symbol outside its namespace
# (cmake -P, from the test dispatch_symbols). Such a symbol is an out-of-line copy of an inline
# function or template (a std:: algorithm, a string) that the linker may pick for the whole
# library, and then baseline code calls AVX-512 instructions: SIGILL on an older CPU.
#
#   cmake -DOBJECTS="a.o|b.o" -DNM=nm -P CheckIsaSymbols.cmake
# Each object's ISA is read from its path (fovea_kernels_<isa>.dir).
string(REPLACE "|" ";" objects "${OBJECTS}")
set(bad "")
foreach(obj IN LISTS objects)
  if(NOT obj MATCHES "fovea_kernels_([a-z0-9]+)\\.dir")
    message(FATAL_ERROR "cannot tell the ISA of ${obj}")
  endif()
  set(isa ${CMAKE_MATCH_1})
  string(LENGTH "${isa}" len)
  # Mangled names: fovea::kernels::cpu::avx2:: is _ZN5fovea7kernels3cpu4avx2.
  set(prefix "_ZN5fovea7kernels3cpu${len}${isa}")
  execute_process(COMMAND ${NM} --defined-only --extern-only --format=posix ${obj}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE " .*" "" symbol "${line}")
    if(symbol AND NOT symbol MATCHES "^${prefix}")
      list(APPEND bad "${obj}: ${symbol}")
    endif()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "symbols outside their ISA's namespace (see src/kernels/cpu/dispatch.hpp):\n  ${text}")
endif()
list(LENGTH objects n)
message(STATUS "${n} per-ISA objects define nothing outside their namespace")

#pragma once
// What the CPU backend runs with on this machine, for `fovea --version` and bug reports.
//
// fovea is built for plain x86-64 and picks its instruction set when it starts: its own loops
// (pooling, ReLU, dropout, softmax, the optimizer update) come in baseline, AVX2 and AVX-512
// variants, and oneDNN (convolutions, matrix products) chooses among its own. Two environment
// variables lower the choices, to compare variants or reproduce a narrower machine's numbers:
//   FOVEA_CPU_ISA=baseline|avx2|avx512   fovea's loops (as PyTorch's ATEN_CPU_CAPABILITY)
//   ONEDNN_MAX_CPU_ISA=SSE41|AVX2|...    oneDNN's (its own variable)
#include <string>

namespace fovea {

// The variant fovea's own kernels run: "avx512", "avx2" or "baseline" (SSE2). The widest this CPU
// supports, unless FOVEA_CPU_ISA names a narrower one. Throws ValueError when FOVEA_CPU_ISA names
// no variant or one this CPU lacks (the message says what it supports).
const char* cpu_isa();

struct BackendInfo {
  std::string cpu_isa;         // as cpu_isa()
  std::string onednn_version;  // e.g. "2.6.3"
  std::string onednn_isa;      // the widest ISA oneDNN dispatches to, in its own words, e.g. "avx512_core"
};
// Throws as cpu_isa() does.
BackendInfo backend_info();

}  // namespace fovea

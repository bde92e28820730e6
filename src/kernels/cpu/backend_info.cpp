#include <oneapi/dnnl/dnnl.h>

#include <string>

#include "fovea/backend.hpp"
#include "kernels/cpu/dispatch.hpp"

namespace fovea {

namespace {

// oneDNN's names for its ISAs (dnnl_types.h), as ONEDNN_MAX_CPU_ISA spells them, in lower case.
std::string onednn_isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_all: return "all";
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
  }
  return "unknown (" + std::to_string(int(isa)) + ")";  // a newer oneDNN than this file knows
}

}  // namespace

const char* cpu_isa() { return kernels::cpu::dispatch_isa_name(); }

BackendInfo backend_info() {
  const dnnl_version_t* v = dnnl_version();
  return {cpu_isa(), std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch),
          onednn_isa_name(dnnl_get_effective_cpu_isa())};
}

}  // namespace fovea

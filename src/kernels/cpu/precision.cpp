// The precision switch (fovea/precision.hpp). It lives beside the kernels because whether bf16 is
// supported is oneDNN's answer; the kernels themselves never read it: the ops layer reads
// effective_precision() when a forward runs and passes it down explicitly (and keeps it for the
// backward, so a backward outside the autocast region still runs as its forward did).
#include "fovea/precision.hpp"

#include <oneapi/dnnl/dnnl.h>

#include <atomic>

#include "fovea/error.hpp"

namespace fovea {

namespace {

std::atomic<int> g_default{int(Precision::fp32)};
std::atomic<int> g_supported_override{-1};
thread_local int t_scope = -1;  // the innermost autocast on this thread, -1: none

bool cpu_has_bf16() {
  // oneDNN's ISA values are nested bit masks: avx512_core_amx contains avx512_core_bf16. Its
  // effective ISA already honours ONEDNN_MAX_CPU_ISA.
  static const bool has = [] {
    const unsigned isa = unsigned(dnnl_get_effective_cpu_isa()), bf16 = unsigned(dnnl_cpu_isa_avx512_core_bf16);
    return (isa & bf16) == bf16;
  }();
  return has;
}

}  // namespace

const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

Precision parse_precision(std::string_view text) {
  if (text == "fp32") return Precision::fp32;
  if (text == "bf16") return Precision::bf16;
  throw ValueError("precision must be fp32 or bf16, got '" + std::string(text) + "'");
}

bool bf16_supported() {
  const int forced = g_supported_override.load();
  return forced >= 0 ? forced != 0 : cpu_has_bf16();
}

void set_default_precision(Precision p) { g_default.store(int(p)); }
Precision default_precision() { return Precision(g_default.load()); }

Precision requested_precision() { return t_scope >= 0 ? Precision(t_scope) : default_precision(); }

Precision effective_precision() {
  const Precision p = requested_precision();
  return p == Precision::bf16 && !bf16_supported() ? Precision::fp32 : p;
}

autocast::autocast(Precision p) : previous_(t_scope) { t_scope = int(p); }
autocast::~autocast() { t_scope = previous_; }

namespace detail {
void set_bf16_supported_for_testing(int supported) { g_supported_override.store(supported < 0 ? -1 : supported != 0); }
}  // namespace detail

}  // namespace fovea

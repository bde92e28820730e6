// The run-time choice of instruction set: FOVEA_CPU_ISA's rule, and that the process follows it.
// ctest reruns the kernel tests once per narrower variant (fovea_tests_as_avx2, _as_baseline;
// cmake/FoveaDispatch.cmake), so every variant meets the reference kernels on a wide machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <string>

#include "fovea/backend.hpp"
#include "fovea/error.hpp"
#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu {
namespace {

using detail::choose_isa;

std::string error_of(const char* requested, Isa widest) {
  try {
    choose_isa(requested, widest);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Dispatch, WidestUnlessTheEnvironmentAsksForLess) {
  EXPECT_EQ(choose_isa(nullptr, Isa::avx512), Isa::avx512);
  EXPECT_EQ(choose_isa("", Isa::avx2), Isa::avx2);
  EXPECT_EQ(choose_isa("avx2", Isa::avx512), Isa::avx2);
  EXPECT_EQ(choose_isa("AVX2", Isa::avx512), Isa::avx2);  // as ONEDNN_MAX_CPU_ISA spells it
  EXPECT_EQ(choose_isa("baseline", Isa::avx2), Isa::baseline);
  EXPECT_EQ(choose_isa("avx512", Isa::avx512), Isa::avx512);
}

TEST(Dispatch, RefusesWhatTheCpuLacksInOneLine) {
  EXPECT_EQ(error_of("avx512", Isa::avx2), "FOVEA_CPU_ISA=avx512 asks for instructions this CPU lacks: it runs baseline and avx2");
  EXPECT_EQ(error_of("avx2", Isa::baseline), "FOVEA_CPU_ISA=avx2 asks for instructions this CPU lacks: it runs baseline only");
  EXPECT_EQ(error_of("sse9", Isa::avx512),
            "FOVEA_CPU_ISA=sse9 names no instruction set fovea is built for; use baseline, avx2 or avx512 "
            "(this CPU runs baseline, avx2 and avx512)");
}

// Under ctest's reruns FOVEA_CPU_ISA is set; otherwise the widest variant runs. Prints the choice
// (scripts/test-haswell.sh reads it).
TEST(Dispatch, FollowsTheEnvironmentAndReportsIt) {
  std::string want = std::getenv("FOVEA_CPU_ISA") ? std::getenv("FOVEA_CPU_ISA") : "";
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  EXPECT_EQ(dispatch_isa_name(), want.empty() ? isa_name(widest_supported_isa()) : want);
  const BackendInfo info = backend_info();
  EXPECT_EQ(info.cpu_isa, dispatch_isa_name());
  EXPECT_EQ(std::string(cpu_isa()), dispatch_isa_name());
  EXPECT_TRUE(std::regex_match(info.onednn_version, std::regex(R"(\d+\.\d+\.\d+)"))) << info.onednn_version;
  std::cout << "[ dispatch ] fovea kernels: " << info.cpu_isa << " (widest supported: "
            << isa_name(widest_supported_isa()) << "), oneDNN " << info.onednn_version << ": " << info.onednn_isa
            << std::endl;
}

}  // namespace
}  // namespace fovea::kernels::cpu

#pragma once
// Running the fovea command as a user would, for the subcommand tests: its exit status, stdout
// and stderr, and the check that an error is one line.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fovea::testing {

struct CliResult {
  int exit_code;
  std::string out, err;
  // The lines of stdout that start with `prefix` ("epoch:" for the seed's epoch lines).
  std::vector<std::string> lines_starting(const std::string& prefix) const {
    std::vector<std::string> found;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(prefix, 0) == 0) found.push_back(line);
    return found;
  }
};

inline CliResult run_cli(const std::string& args) {
  // Per-test, per-process file names: ctest runs tests in parallel processes.
  const auto dir = std::filesystem::temp_directory_path();
  static int call = 0;
  const std::string tag = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                          std::to_string(getpid()) + "_" + std::to_string(call++);
  const std::string out_path = (dir / ("fovea_cli_out_" + tag)).string();
  const std::string err_path = (dir / ("fovea_cli_err_" + tag)).string();
  const std::string cmd = std::string(FOVEA_CLI_PATH) + " " + args + " >" + out_path + " 2>" + err_path + " </dev/null";
  const int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CliResult r{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out_path), slurp(err_path)};
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

// Exactly one line on stderr, starting "fovea: error:" and containing `needle`; a non-zero exit
// that is not a crash.
inline void expect_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128) << "killed by a signal";
  EXPECT_EQ(r.err.rfind("fovea: error:", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

}  // namespace fovea::testing

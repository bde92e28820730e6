#pragma once
// Running the fovea command as a user would, for the subcommand tests: its exit status, stdout
// and stderr, and the check that an error is one line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
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

// Runs `command` with /bin/sh (the fovea command inside it, perhaps under ulimit).
inline CliResult run_shell(const std::string& command) {
  // Per-test, per-process file names: ctest runs tests in parallel processes.
  const auto dir = std::filesystem::temp_directory_path();
  static int call = 0;
  const std::string tag = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                          std::to_string(getpid()) + "_" + std::to_string(call++);
  const std::string out_path = (dir / ("fovea_cli_out_" + tag)).string();
  const std::string err_path = (dir / ("fovea_cli_err_" + tag)).string();
  const std::string cmd = "{ " + command + "; } >" + out_path + " 2>" + err_path + " </dev/null";
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

inline CliResult run_cli(const std::string& args) { return run_shell(std::string(FOVEA_CLI_PATH) + " " + args); }

// Runs `fovea train ... --timing` and sends `signal_number` as soon as it reports its first
// finished training step on stderr: the signal lands in the middle of the first epoch.
inline CliResult run_cli_and_signal(const std::vector<std::string>& args, int signal_number) {
  int err_pipe[2];
  if (::pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  const std::string out_path = (std::filesystem::temp_directory_path() /
                                ("fovea_cli_signal_out_" + std::to_string(getpid()))).string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  std::vector<std::string> argv_strings = {FOVEA_CLI_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  argv_strings.push_back("--timing");
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  const int spawned = posix_spawn(&child, FOVEA_CLI_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  if (spawned != 0) throw std::runtime_error("posix_spawn failed");
  std::string err;
  bool signalled = false;
  char buf[4096];
  for (ssize_t n; (n = ::read(err_pipe[0], buf, sizeof buf)) > 0;) {
    err.append(buf, static_cast<size_t>(n));
    if (!signalled && err.find("first training step finished") != std::string::npos) {
      ::kill(child, signal_number);
      signalled = true;
    }
  }
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::ifstream in(out_path);
  CliResult r{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
              std::string(std::istreambuf_iterator<char>(in), {}), err};
  std::filesystem::remove(out_path);
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

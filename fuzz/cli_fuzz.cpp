// The fovea command's flags: the app main.cpp builds (add_commands, apps/fovea/app.cpp) parses an
// argv made from the input, split on NUL or newline (so a dictionary entry is one argument). It
// never runs a command: only CLI11's parsing and fovea's option checks run. A parse error is
// CLI::ParseError (--help and --version are ParseErrors too, which main.cpp prints); anything
// else escaping, a crash or a hang is a finding. After a successful parse exactly one subcommand
// was given (require_subcommand(1)).
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "command.hpp"  // apps/fovea/
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fovea::app;
  std::vector<std::string> args = {"fovea"};
  std::string arg;
  for (size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\0' || c == '\n') {
      args.push_back(arg);
      arg.clear();
    } else {
      arg += c;
    }
  }
  if (size > 0) args.push_back(arg);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  CLI::App app{"fovea: train convolutional networks in C++"};
  const std::vector<Command> commands = add_commands(app, Clock::now());
  try {
    app.parse(static_cast<int>(args.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    // What main.cpp prints: the message and which --help to read.
    std::string help = "fovea --help";
    for (const Command& c : commands)
      if (c.cli->parsed()) help = "fovea " + c.cli->get_name() + " --help";
    FOVEA_FUZZ_CHECK(!std::string(e.what()).empty() || e.get_exit_code() == 0);
    return 0;
  }
  int given = 0;
  for (const Command& c : commands) given += static_cast<bool>(*c.cli);
  FOVEA_FUZZ_CHECK(given == 1);
  return 0;
}

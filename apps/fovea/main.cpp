// The fovea command: builds the app (app.cpp: the subcommands, one file each, see command.hpp), runs
// the one given and turns every error into one line and a non-zero exit status.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"

int main(int argc, char** argv) {
  using namespace fovea::app;
  const auto started = Clock::now();
  CLI::App app{"fovea: train convolutional networks in C++"};
  const std::vector<Command> commands = add_commands(app, started);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line a user can act on; CLI11's own exit() would add a second.
    std::string help = "fovea --help";
    for (const Command& c : commands)
      if (c.cli->parsed()) help = "fovea " + c.cli->get_name() + " --help";
    std::cerr << "fovea: error: " << e.what() << " (see '" << help << "')" << std::endl;
    return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
  } catch (const std::exception& e) {  // from --version: a bad FOVEA_CPU_ISA
    std::cerr << "fovea: error: " << e.what() << std::endl;
    return 1;
  }
  try {
    for (const Command& c : commands)
      if (*c.cli) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "fovea: error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

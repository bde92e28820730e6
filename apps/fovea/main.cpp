// The fovea command: registers the subcommands (one file each, see command.hpp) and turns every
// error into one line and a non-zero exit status.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "fovea/backend.hpp"
#include "fovea/version.hpp"

namespace {

// What a bug report needs: which fovea, built how, and which kernels it runs on this CPU.
std::string version_text() {
  std::string text = std::string("fovea ") + fovea::version() + "\n";
  text += std::string("git revision: ") + fovea::git_revision() + "\n";
  text += std::string("build type: ") + fovea::build_type() + "\n";
  const fovea::BackendInfo backend = fovea::backend_info();
  text += "oneDNN: " + backend.onednn_version + "\n";
  text += "instruction set on this CPU: fovea kernels " + backend.cpu_isa + ", oneDNN " + backend.onednn_isa;
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fovea::app;
  const auto started = Clock::now();
  CLI::App app{"fovea: train convolutional networks in C++"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text, "print the version, the build and the instruction sets in use, and exit");
  const std::vector<Command> commands = {add_train_command(app, started), add_eval_command(app),
                                           add_predict_command(app), add_export_command(app)};
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

// The fovea command's flags: the top-level app and every subcommand, built in one place so that
// main.cpp and the CLI fuzz target (fuzz/cli_fuzz.cpp) parse exactly the same command line.
#include <string>
#include <vector>

#include "command.hpp"
#include "fovea/backend.hpp"
#include "fovea/version.hpp"

namespace fovea::app {

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

std::vector<Command> add_commands(CLI::App& app, Clock::time_point started) {
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text, "print the version, the build and the instruction sets in use, and exit");
  return {add_train_command(app, started), add_eval_command(app), add_predict_command(app), add_export_command(app),
          add_visualize_command(app)};
}

}  // namespace fovea::app

#include <unistd.h>

#include <filesystem>

#include "command.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/data/transforms.hpp"
#include "fovea/error.hpp"

namespace fovea::app {

void add_data_flags(CLI::App& cmd, DataFlags& f) {
  cmd.add_option("--dataset", f.dataset, "mnist or fashion-mnist")
      ->check(CLI::IsMember({"mnist", "fashion-mnist"}))
      ->capture_default_str();
  cmd.add_option("--data", f.dir, "folder with the IDX files (default: ./data for MNIST, "
                                  "/usr/share/datasets/fashion-mnist for Fashion-MNIST)");
  cmd.add_flag("!--no-download", f.download, "never download; fail if the files are missing");
}

std::shared_ptr<data::Dataset> open_split(const DataFlags& f, bool train) {
  namespace transforms = data::transforms;
  auto transform = transforms::Compose({transforms::ToTensor(), transforms::Normalize({0.5f}, {0.5f})});
  if (f.dataset == "mnist")
    return std::make_shared<data::MNIST>(f.dir.empty() ? "./data" : f.dir, train, transform, f.download);
  return std::make_shared<data::FashionMNIST>(f.dir.empty() ? "/usr/share/datasets/fashion-mnist" : f.dir, train,
                                              transform);
}

void check_output_path(const std::string& flag, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path folder = fs::absolute(path).parent_path();
  if (!fs::is_directory(folder))
    throw IOError(flag + " " + path + ": the folder " + folder.string() + " does not exist");
  if (::access(folder.c_str(), W_OK) != 0)
    throw IOError(flag + " " + path + ": the folder " + folder.string() + " is not writable");
  if (fs::is_directory(path)) throw IOError(flag + " " + path + ": is a folder, expected a file name");
}

}  // namespace fovea::app

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include <filesystem>

#include "command.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/data/transforms.hpp"
#include "fovea/models/registry.hpp"
#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"

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
  std::shared_ptr<data::Dataset> split;
  if (f.dataset == "mnist")
    split = std::make_shared<data::MNIST>(f.dir.empty() ? "./data" : f.dir, train, transform, f.download);
  else
    split = std::make_shared<data::FashionMNIST>(f.dir.empty() ? "/usr/share/datasets/fashion-mnist" : f.dir, train,
                                                 transform);
  check_images_fit_model(*split);
  return split;
}

void check_images_fit_model(const data::Dataset& split) {
  const Shape expected = models::model_input_shape();
  const Shape got = split.get(0).image.shape();
  if (got == expected) return;
  const auto* mnist_like = dynamic_cast<const data::MNISTLike*>(&split);
  const std::string where = mnist_like ? mnist_like->images_path() : std::string("the dataset");
  throw ShapeError(where + ": images of shape " + to_string(got) + ", but fovea's models take " +
                   to_string(expected));
}

int cpu_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

int checked_threads(int requested) {
  const int cores = cpu_cores();
  if (requested <= cores) return requested;
  std::fprintf(stderr, "fovea: warning: --threads %d is more than the %d cores this process may use; using %d\n",
               requested, cores, cores);
  return cores;
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

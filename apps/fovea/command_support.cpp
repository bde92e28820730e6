#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include <filesystem>

#include "command.hpp"
#include "fovea/data/augment.hpp"
#include "fovea/data/image_folder.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/data/transforms.hpp"
#include "fovea/models/registry.hpp"
#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"

namespace fovea::app {

void add_data_flags(CLI::App& cmd, DataFlags& f) {
  cmd.add_option("--dataset", f.dataset,
                 "mnist, fashion-mnist, kmnist, emnist-digits, or imagefolder (--data DIR holding train/ and test/, "
                 "one sub-folder per class; images made 28 x 28 gray; the model gets one output per class)")
      ->check(CLI::IsMember({"mnist", "fashion-mnist", "kmnist", "emnist-digits", "imagefolder"}))
      ->capture_default_str();
  cmd.add_option("--data", f.dir, "folder with the dataset's files (default: ./data for MNIST, "
                                  "/usr/share/datasets/fashion-mnist for Fashion-MNIST)");
  cmd.add_flag("!--no-download", f.download, "never download; fail if the files are missing");
}

namespace {

// The training split's augmentation by name (--augment), each on the raw 0..255 image before
// ToTensor except erasing, which torchvision applies to the normalised tensor.
data::transforms::Transform augmentation(const std::string& name) {
  namespace t = data::transforms;
  if (name == "hflip") return t::RandomHorizontalFlip();
  if (name == "crop") return t::RandomCrop({28, 28}, {.padding = 2});
  if (name == "affine")
    return t::RandomAffine({.degrees = {-10, 10}, .translate = {0.1, 0.1}, .scale = {0.9, 1.1},
                            .interpolation = t::Interpolation::Bilinear});
  if (name == "jitter") return t::ColorJitter(0.3, 0.3, 255.0f);
  if (name == "erasing") return t::RandomErasing({.value = 0.0f});
  throw ValueError("--augment: unknown transform '" + name + "'; expected hflip, crop, affine, jitter or erasing");
}

}  // namespace

void check_augmentations(const std::vector<std::string>& names) {
  for (const std::string& n : names) (void)augmentation(n);
}

std::shared_ptr<data::Dataset> open_split(const DataFlags& f, bool train, const std::vector<std::string>& augment) {
  namespace transforms = data::transforms;
  std::vector<transforms::Transform> steps;
  for (const std::string& name : augment)
    if (name != "erasing") steps.push_back(augmentation(name));
  steps.push_back(transforms::ToTensor());
  steps.push_back(transforms::Normalize({0.5f}, {0.5f}));
  for (const std::string& name : augment)
    if (name == "erasing") steps.push_back(augmentation(name));
  auto transform = transforms::Compose(steps);
  std::shared_ptr<data::Dataset> split;
  if (f.dataset == "mnist") {
    split = std::make_shared<data::MNIST>(f.dir.empty() ? "./data" : f.dir, train, transform, f.download);
  } else if (f.dataset == "fashion-mnist") {
    split = std::make_shared<data::FashionMNIST>(f.dir.empty() ? "/usr/share/datasets/fashion-mnist" : f.dir, train,
                                                 transform);
  } else if (f.dataset == "kmnist" || f.dataset == "emnist-digits") {
    if (f.dir.empty()) throw ValueError("--dataset " + f.dataset + " needs --data DIR (the folder of its IDX files)");
    if (f.dataset == "kmnist")
      split = std::make_shared<data::KMNIST>(f.dir, train, transform);
    else
      split = std::make_shared<data::EMNIST>(f.dir, "digits", train, transform);
  } else {
    if (f.dir.empty()) throw ValueError("--dataset imagefolder needs --data DIR holding train/ and test/");
    const std::string root = (std::filesystem::path(f.dir) / (train ? "train" : "test")).string();
    split = std::make_shared<data::ImageFolder>(
        root, data::ImageFolderOptions{.size = {28, 28}, .color = io::ColorMode::Gray, .transform = transform});
  }
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

// fovea visualize: what a saved model has learned, as pictures. kernels.png shows every kernel of
// its first convolution; feature_maps.png shows the user's image as the model sees it (decoded and
// prepared as `fovea predict` does) and the maps each convolution stage makes of it.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "command.hpp"
#include "fovea/data/digit.hpp"
#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/image.hpp"
#include "fovea/viz/model_pictures.hpp"

namespace fovea::app {

namespace {

struct VisualizeFlags {
  std::string model;
  std::string image;
  std::string out;
};

int run(const VisualizeFlags& f) {
  namespace fs = std::filesystem;
  // Everything that can be refused is, before anything is written.
  std::shared_ptr<models::CNNNet> model = inference::load_cnn_net(f.model);
  Tensor digit;
  try {
    digit = data::prepare_digit(io::read_image_gray(f.image));
  } catch (const IOError&) {
    throw;
  } catch (const Error& e) {
    throw ValueError("--image " + f.image + ": " + e.what());
  }
  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec || !fs::is_directory(f.out))
    throw IOError("--out " + f.out + ": cannot create the folder (" +
                  (ec ? ec.message() : std::string("a file of that name is in the way")) + ")");

  const viz::Picture kernels = viz::model_kernels(*model);
  const viz::Picture maps = viz::model_feature_maps(*model, inference::Classifier::normalize(digit));
  const std::string kernels_path = (fs::path(f.out) / "kernels.png").string();
  const std::string maps_path = (fs::path(f.out) / "feature_maps.png").string();
  kernels.save_png(kernels_path);
  maps.save_png(maps_path);
  std::printf("wrote %s (%dx%d) and %s (%dx%d)\n", kernels_path.c_str(), kernels.width(), kernels.height(),
              maps_path.c_str(), maps.width(), maps.height());
  return 0;
}

}  // namespace

Command add_visualize_command(CLI::App& app) {
  auto flags = std::make_shared<VisualizeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "visualize", "draw a saved model's first-layer kernels and the feature maps an image produces in it");
  cmd->add_option("--model", flags->model, "weights (fovea train --save), a checkpoint, or PyTorch's state_dict in safetensors")
      ->required();
  cmd->add_option("--image", flags->image, "an image (PNG, JPEG, BMP, PGM/PPM), prepared as fovea predict does")->required();
  cmd->add_option("--out", flags->out, "folder for kernels.png and feature_maps.png (made if missing)")->required();
  return {cmd, [flags] { return run(*flags); }};
}

}  // namespace fovea::app

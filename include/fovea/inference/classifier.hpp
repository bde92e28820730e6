#pragma once
// Classifying digits with a trained model, for a program that embeds fovea:
//
//   fovea::inference::Classifier classifier("model.safetensors");
//   fovea::inference::Prediction p = classifier.classify_file("digit.png");
//   std::cout << p.label << " " << p.probability << "\n";
//
// The model is one of models/registry.hpp's (the seed's CNN_net unless the file names another)
// with weights from `fovea train --save`, from a `--checkpoint` file, or saved in PyTorch under
// the seed's CNN_net keys. Images are in [0, 1],
// white digit on black, as MNIST's; the classifier applies the seed's Normalize(0.5, 0.5) itself.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fovea/models/cnn_net.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/tensor.hpp"

namespace fovea::inference {

struct Prediction {
  int64_t label = -1;
  float probability = 0.0f;          // of `label`
  std::vector<float> probabilities;  // softmax over the classes, by class index
  // The k most probable classes, most probable first (ties: lower class first).
  std::vector<std::pair<int64_t, float>> top(int64_t k) const;
};

// A CNNNet holding the weights in `path`: a safetensors file with the model's state_dict keys
// (conv1.0.weight, ...), or a fovea checkpoint (its model.* tensors). Throws IOError naming the
// file when it is unreadable, truncated or not a safetensors file, and when its tensors are not
// those of this architecture (listing the missing, unexpected and mis-shaped keys).
std::shared_ptr<models::CNNNet> load_cnn_net(const std::string& path);

// The model a file holds, whichever of models::model_names() it is: a weights file names it in
// its metadata (models::kModelNameKey), a checkpoint in its settings ("model"); neither means
// the seed's CNN. A model trained with --model-file is rebuilt from the description's text the
// file keeps (models::kModelDescriptionKey, a checkpoint's "model-description"). In eval mode. Throws IOError naming the file as load_cnn_net does, and when the
// name is not a model fovea knows.
//
// A model trained on an image folder (fovea train --dataset imagefolder) also keeps its class
// names (metadata kClassesKey, a JSON list; a checkpoint's "classes" setting) and that its
// inputs are whole pictures resized to 28 x 28 gray (kInputKey "resized"), not digits to be
// centred as MNIST's were.
enum class InputKind { Digit, Resized };
inline constexpr const char* kClassesKey = "fovea.classes";
inline constexpr const char* kInputKey = "fovea.input";
struct LoadedModel {
  nn::ModulePtr model;
  std::string name;  // "cnn", "lenet5", ..., or "the model described in FILE"
  std::vector<std::string> classes;  // by class index; empty: the classes are the digits 0..9
  InputKind input = InputKind::Digit;
};
LoadedModel load_model(const std::string& path);

class Classifier {
 public:
  explicit Classifier(const std::string& model_path);
  explicit Classifier(nn::ModulePtr model);
  explicit Classifier(LoadedModel loaded);

  // One image: 28 x 28 or 1 x 28 x 28, in [0, 1], white on black (MNIST's form).
  Prediction classify(const Tensor& image);
  // N x 1 x 28 x 28 images in [0, 1]: one forward pass for all of them.
  std::vector<Prediction> classify_batch(const Tensor& images);
  // An image file (PNG, JPEG, BMP, PGM) of any size: decoded, prepared as the model's training
  // images were (prepare_file) and classified. Throws IOError/ValueError naming the file.
  Prediction classify_file(const std::string& path);
  // The 1 x 28 x 28 image in [0, 1] a file becomes: a digit centred as MNIST's were
  // (data::prepare_digit), or, for a model trained on an image folder, the picture resized as
  // ImageFolder resized it.
  Tensor prepare_file(const std::string& path) const;
  // The class names the model file keeps (empty: digits).
  const std::vector<std::string>& classes() const { return classes_; }
  // The raw scores of N x 1 x 28 x 28 images in [0, 1], N x classes.
  Tensor logits(const Tensor& images);
  // What the model is fed for images in [0, 1] (any shape): the seed's Normalize(0.5, 0.5).
  static Tensor normalize(const Tensor& images);

  nn::Module& model() { return *model_; }

 private:
  nn::ModulePtr model_;
  std::vector<std::string> classes_;
  InputKind input_ = InputKind::Digit;
};

}  // namespace fovea::inference

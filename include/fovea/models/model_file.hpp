#pragma once
// A model described in a small text file, so that trying another network needs no compiler
// (`fovea train --model-file FILE`). The layers are written as PyTorch constructs them, in the
// order they run:
//
//   # the fast recipe's network
//   Conv2d(1, 32, 5)
//   BatchNorm2d(32)
//   ReLU(inplace=True)
//   MaxPool2d(2)
//   Flatten()
//   Linear(4608, 10)
//
// They become an nn::Sequential whose children are named 0, 1, ...; "(name): " before a layer
// names it instead (its state_dict prefix), and "Sequential( ... )" groups layers, so what
// print(model) shows for a Sequential model, in fovea or PyTorch, reads back as the same model.
// Arguments are positional or name=value with PyTorch's names and defaults; a value is an
// integer, a decimal, True/False, None, 'text' or an (h, w) pair. '#' starts a comment.
//
// Layers: Conv2d, Linear, BatchNorm1d, BatchNorm2d, ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh,
// Softmax, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, StochasticPool2d, Dropout,
// Dropout2d, Flatten, Identity.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fovea/nn/layers.hpp"

namespace fovea::models {

struct ModelDescription {
  std::shared_ptr<nn::Sequential> model;
  std::string text;    // as written: what a weights file or checkpoint keeps to rebuild the model
  std::string source;  // the file name errors are reported under
  // Each layer and the line it was written on, in the order they run.
  std::vector<std::pair<const nn::Module*, int>> lines;
};

// Parses a description. Anything else is one ValueError "SOURCE:LINE: ..." saying what was
// expected: an unknown layer (listing the known ones), an unknown or repeated argument (listing
// the layer's), a value of the wrong kind, a layer too large to allocate (over 2^28 weights).
ModelDescription parse_model_description(const std::string& text, const std::string& source);

// Reads FILE (at most 1 MiB) and parses it; IOError naming the file when it cannot be read.
ModelDescription read_model_file(const std::string& path);

// Runs two zero images of `input_shape` through the model, layer by layer, in eval mode and
// without a graph (nothing drawn from the generators, the mode put back): a layer that does not
// fit what reaches it is a ValueError naming its line, and so is an output that is not one row
// of at least `min_outputs` scores per image.
void check_model_fits(const ModelDescription& description, const Shape& input_shape, int64_t min_outputs);

// The metadata key a weights file keeps the description's text under (a checkpoint keeps it in
// its settings as "model-description").
inline constexpr const char* kModelDescriptionKey = "fovea.model_description";

}  // namespace fovea::models

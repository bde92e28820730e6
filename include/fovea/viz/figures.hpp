#pragma once
// The figures fovea draws about a CNN and its training, each returned as a Picture (picture.hpp)
// to save as PNG or to send to TensorBoard. Drawn with cairo, text in DejaVu Sans.
//
// Common to all of them:
//  * An image is a float tensor of H x W or 1 x H x W, in any value range.
//  * Pixels stay crisp: an image is enlarged by a whole factor with nearest-neighbour sampling
//    (smoothed only when an image is larger than its place and has to shrink).
//  * Every number must be finite. Bad input (an empty list, a tensor of the wrong rank, lists of
//    different lengths, a class index out of range) throws fovea::ValueError with one line that
//    names the function and says what was expected; so does a figure too large to draw (more than
//    16384 pixels on a side).
//
// Grey scales, and why:
//  * sample_grid, mistakes, and the input image of feature_maps: each image from its own minimum
//    (black) to its own maximum (white), as matplotlib's imshow(cmap='gray') does, so a normalised
//    digit looks the same as a raw 0..255 one.
//  * kernel_grid: ONE scale for all kernels, symmetric about 0 (-m black, 0 mid grey, +m white,
//    m = the largest |weight|), so kernels can be compared with each other and the sign of every
//    weight can be read; a colour bar gives m.
//  * feature_maps: one scale per stage (the stage's minimum to maximum), written beside the stage's
//    name. Within a stage the channels come from the same layer and the same input, so a shared
//    scale shows which channels respond strongly and which are silent; per-tile scaling would
//    stretch a nearly dead channel into full-contrast noise. Stages are not shared, because the
//    values of different layers have unrelated magnitudes.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fovea/tensor.hpp"
#include "fovea/viz/picture.hpp"

namespace fovea::viz {

// The seed program's figure: `images` in a grid of `columns`, `titles[i]` above image i
// (e.g. "Ground Truth: 5"). Requires: images non-empty, titles.size() == images.size(), columns >= 1.
Picture sample_grid(const std::vector<Tensor>& images, const std::vector<std::string>& titles, int columns = 3);

// One epoch's summary; accuracies are fractions in [0, 1], as the seed program computes them.
struct EpochPoint {
  int64_t epoch = 0;
  double train_loss = 0, train_accuracy = 0;
  double test_loss = 0, test_accuracy = 0;
};

// Loss (left panel) and accuracy (right panel) per epoch, train and test, with a legend above the
// panels (never over the data). Every point has a marker when there are at most 30 epochs, so one
// epoch shows as a dot. Requires: history non-empty, epochs strictly increasing.
Picture training_curves(const std::vector<EpochPoint>& history);

// The confusion matrix as a heat map (white to dark blue, 0 to the largest count, with a colour
// bar): counts[t][p] is the number of images of true class t predicted as p. Every cell shows its
// count, in white on dark cells and black on light ones; zeros are grey so mistakes stand out.
// Rows are labelled "true", columns "predicted" (their names slanted at 45 degrees so that long
// names fit). The title gives the number of images and the fraction on the diagonal.
// Requires: counts n x n with n >= 1, every count >= 0, class_names.size() == n.
Picture confusion_matrix(const std::vector<std::vector<int64_t>>& counts, const std::vector<std::string>& class_names);

// A convolution's kernels, `weight` of out x in x kh x kw, on the shared scale described above,
// `title` above them (e.g. "conv1.0.weight: 16 kernels 3x3").
//  * in <= 4 (grey or colour input): one tile per output channel holding its `in` kernels side by
//    side, tiles in a grid of up to 8 columns, each with its channel index below it.
//  * in > 4: a matrix with one row per output channel (labelled on the left) holding its `in`
//    kernels side by side, input channel i in column i (labelled on top): row o is channel o's tile,
//    and the columns line up so one input channel's kernels can be compared down a column.
Picture kernel_grid(const Tensor& weight, const std::string& title);

// `image` and what each convolution stage makes of it: `stages` are (name, C x H x W) pairs (a
// leading batch dimension of 1 is accepted, as a forward hook sees it). The input comes first, then
// a block per stage headed by its name, shape and grey scale, one tile per channel, up to 16 a row.
Picture feature_maps(const Tensor& image, const std::vector<std::pair<std::string, Tensor>>& stages);

// A misclassified image: the model gave `probability` to `predicted_class`.
struct Mistake {
  Tensor image;
  int64_t true_class = 0;
  int64_t predicted_class = 0;
  double probability = 0;
};

// The mistakes in the order given (the caller picks them, usually the most confident first), each
// titled with its true class and its prediction: "true 4" over "predicted 9 (0.98)".
// Requires: mistakes non-empty, classes in [0, class_names.size()), probabilities in [0, 1].
Picture mistakes(const std::vector<Mistake>& mistakes, const std::vector<std::string>& class_names);

}  // namespace fovea::viz

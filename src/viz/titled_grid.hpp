#pragma once
// A grid of images, each under its own title of one or more lines, optionally under a heading:
// the layout sample_grid and mistakes share. Each image is shown from its own minimum (black) to
// its own maximum (white), as matplotlib's imshow(cmap='gray') does. A column is as wide as its
// widest image or title line, so no title is ever cut or runs into its neighbour.
#include <string>
#include <vector>

#include "fovea/tensor.hpp"
#include "fovea/viz/picture.hpp"

namespace fovea::viz {

struct TitledImage {
  Tensor image;                     // H x W or 1 x H x W
  std::vector<std::string> title;  // lines, top to bottom
  std::string what;                // names the image in errors: "image 3", "mistake 0's image"
};

struct TitledGridStyle {
  int columns = 3;
  double image_side = 168;  // about how many pixels an image's longer side gets (28 x 6 for MNIST)
  std::string heading;      // above the grid; none when empty
};

// `figure` names the calling function in errors.
Picture draw_titled_grid(const std::vector<TitledImage>& cells, const TitledGridStyle& style, const std::string& figure);

}  // namespace fovea::viz

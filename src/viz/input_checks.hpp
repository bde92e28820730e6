#pragma once
// The checks every figure makes on its input, so that bad input is refused the same way
// everywhere: a ValueError of one line, "fovea::viz::<figure>: expected ..., got ...".
#include <cstdint>
#include <string>

#include "fovea/tensor.hpp"

namespace fovea::viz {

// `figure` is the function's name without namespace ("sample_grid").
[[noreturn]] void refuse(const std::string& figure, const std::string& what);

// Whether some figure is worth drawing at all: refuses an empty list.
void require_non_empty(size_t count, const std::string& figure, const std::string& list_name);

struct ImageSize {
  int height = 0, width = 0;
};

// The size of an image given as H x W or 1 x H x W with finite values; refuses anything else,
// naming the image by `what` ("image 3").
ImageSize image_size(const Tensor& image, const std::string& figure, const std::string& what);

// Refuses a tensor holding NaN or infinity, naming it by `what`.
void require_finite(const Tensor& tensor, const std::string& figure, const std::string& what);

// Refuses a number that is not finite.
void require_finite(double value, const std::string& figure, const std::string& what);

// Refuses a class index outside [0, class_count).
void require_class(int64_t index, size_t class_count, const std::string& figure, const std::string& what);

}  // namespace fovea::viz

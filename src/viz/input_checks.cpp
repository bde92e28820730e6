#include "input_checks.hpp"

#include <cmath>

#include "fovea/error.hpp"

namespace fovea::viz {

void refuse(const std::string& figure, const std::string& what) { throw ValueError("fovea::viz::" + figure + ": " + what); }

void require_non_empty(size_t count, const std::string& figure, const std::string& list_name) {
  if (count == 0) refuse(figure, "expected at least one entry in " + list_name + ", got none");
}

ImageSize image_size(const Tensor& image, const std::string& figure, const std::string& what) {
  if (!image.defined()) refuse(figure, "expected " + what + " as an H x W or 1 x H x W tensor, got an undefined tensor");
  const Shape& shape = image.shape();
  const bool plain = shape.size() == 2, one_channel = shape.size() == 3 && shape[0] == 1;
  if (!plain && !one_channel)
    refuse(figure, "expected " + what + " as an H x W or 1 x H x W tensor, got shape " + to_string(shape));
  const int64_t height = shape[shape.size() - 2], width = shape[shape.size() - 1];
  if (height < 1 || width < 1) refuse(figure, "expected " + what + " to have pixels, got shape " + to_string(shape));
  if (height > 16384 || width > 16384)
    refuse(figure, "expected " + what + " of at most 16384 pixels a side, got shape " + to_string(shape));
  require_finite(image, figure, what);
  return {static_cast<int>(height), static_cast<int>(width)};
}

void require_finite(const Tensor& tensor, const std::string& figure, const std::string& what) {
  const float* values = tensor.data();
  for (int64_t i = 0, n = tensor.numel(); i < n; ++i)
    if (!std::isfinite(values[i]))
      refuse(figure, "expected finite values in " + what + ", got " + std::to_string(values[i]) + " at flat index " +
                         std::to_string(i));
}

void require_finite(double value, const std::string& figure, const std::string& what) {
  if (!std::isfinite(value)) refuse(figure, "expected a finite " + what + ", got " + std::to_string(value));
}

void require_class(int64_t index, size_t class_count, const std::string& figure, const std::string& what) {
  if (index < 0 || static_cast<uint64_t>(index) >= class_count)
    refuse(figure, "expected " + what + " in 0.." + std::to_string(static_cast<int64_t>(class_count) - 1) +
                       " (one per class name), got " + std::to_string(index));
}

}  // namespace fovea::viz

#pragma once
// Where an axis puts its ticks and how it writes numbers. Ticks fall on 1, 2 or 5 times a power of
// ten, as matplotlib's, so labels are short and round; numbers use the typographic minus (U+2212).
#include <string>
#include <vector>

namespace fovea::viz {

struct Ticks {
  std::vector<double> values;  // ascending, inside [lo, hi]
  double step = 1;
};

// About `target_count` round ticks inside [lo, hi] (lo < hi), at least `min_step` apart (epochs
// ask for 1, so an axis never shows epoch 1.5).
Ticks nice_ticks(double lo, double hi, int target_count, double min_step = 0);

// `value` with as many decimals as `step` needs ("0.25" for step 0.05, "20" for step 5).
std::string format_tick(double value, double step);

// `value` to three significant digits ("0.973", "2.71", "1100"), for scale legends.
std::string format_value(double value);

// A linear map from data values to pixel positions (pixel_lo may be below or above pixel_hi).
struct LinearScale {
  double data_lo = 0, data_hi = 1, pixel_lo = 0, pixel_hi = 1;
  double operator()(double value) const {
    return pixel_lo + (value - data_lo) / (data_hi - data_lo) * (pixel_hi - pixel_lo);
  }
};

}  // namespace fovea::viz

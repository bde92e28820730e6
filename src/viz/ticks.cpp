#include "ticks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fovea::viz {

namespace {

std::string with_minus_sign(std::string text) {
  if (!text.empty() && text[0] == '-') text.replace(0, 1, "\u2212");
  return text;
}

}  // namespace

Ticks nice_ticks(double lo, double hi, int target_count, double min_step) {
  const double raw = (hi - lo) / std::max(1, target_count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  Ticks ticks;
  ticks.step = std::max(nice * magnitude, min_step);
  const double slack = ticks.step * 1e-9;  // a tick exactly on an end counts as inside
  for (double k = std::ceil((lo - slack) / ticks.step); k * ticks.step <= hi + slack; ++k) {
    const double value = k * ticks.step;
    ticks.values.push_back(std::abs(value) < slack ? 0.0 : value);
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return with_minus_sign(text);
}

std::string format_value(double value) {
  char text[64];
  if (std::abs(value) >= 1000 || value == std::round(value))
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.3g", value);
  return with_minus_sign(text);
}

}  // namespace fovea::viz

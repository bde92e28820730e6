#include "colour_map.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace fovea::viz {

namespace {

Rgb hex(unsigned v) { return {((v >> 16) & 0xFF) / 255.0, ((v >> 8) & 0xFF) / 255.0, (v & 0xFF) / 255.0}; }

// matplotlib's Blues (ColorBrewer), evenly spaced; colours in between are interpolated.
const std::array<Rgb, 9> kBlues = {hex(0xf7fbff), hex(0xdeebf7), hex(0xc6dbef), hex(0x9ecae1), hex(0x6baed6),
                                   hex(0x4292c6), hex(0x2171b5), hex(0x08519c), hex(0x08306b)};

}  // namespace

Rgb colour_at(ColourMap map, double t) {
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0);
  if (map == ColourMap::Grey) return {t, t, t};
  const double position = t * (kBlues.size() - 1);
  const size_t below = std::min(static_cast<size_t>(position), kBlues.size() - 2);
  const double f = position - below;
  const Rgb a = kBlues[below], b = kBlues[below + 1];
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

double luminance(Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

void set_colour(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

void add_colour_stops(cairo_pattern_t* gradient, ColourMap map) {
  const int stops = map == ColourMap::Grey ? 1 : static_cast<int>(kBlues.size()) - 1;
  for (int i = 0; i <= stops; ++i) {
    const double t = static_cast<double>(i) / stops;
    const Rgb c = colour_at(map, t);
    cairo_pattern_add_color_stop_rgb(gradient, t, c.r, c.g, c.b);
  }
}

}  // namespace fovea::viz

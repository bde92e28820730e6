#pragma once
// Colour maps: a value t in [0, 1] to a colour. Grey (black to white) shows images and weights;
// Blues (white to dark blue, matplotlib's "Blues") shows counts, where 0 should look like paper.
#include <cairo.h>

namespace fovea::viz {

struct Rgb {
  double r = 0, g = 0, b = 0;
};

enum class ColourMap { Grey, Blues };

// t is clamped to [0, 1].
Rgb colour_at(ColourMap map, double t);

// Relative luminance (Rec. 709 weights on the stored values): below 0.5, white text reads better.
double luminance(Rgb colour);

void set_colour(cairo_t* cr, Rgb colour);

// Fills a linear gradient with the map's colours from t = 0 at its start to t = 1 at its end.
void add_colour_stops(cairo_pattern_t* gradient, ColourMap map);

}  // namespace fovea::viz

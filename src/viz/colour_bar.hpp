#pragma once
// A colour bar: the key to a colour-mapped figure (kernels, confusion counts). A vertical strip
// painted by cairo's linear gradient with the map's colours, the range's top value at the top,
// ticks and labels on its right. The two ends are always labelled with their exact values, so the
// bar states the range shown; round values between them are added where they do not crowd the ends.
#include <cairo.h>

#include <string>
#include <vector>

#include "colour_map.hpp"
#include "image_surface.hpp"

namespace fovea::viz {

struct ColourBar {
  struct Tick {
    double value;
    std::string label;
  };
  ValueRange range;
  ColourMap map = ColourMap::Grey;
  std::vector<Tick> ticks;
};

// The bar for `range` drawn `height` pixels high.
ColourBar make_colour_bar(ValueRange range, ColourMap map, double height);

// How wide the bar is with its ticks and labels.
double colour_bar_width(cairo_t* cr, const ColourBar& bar);

// Draws the bar with its top-left corner at (x, y).
void draw_colour_bar(cairo_t* cr, const ColourBar& bar, double x, double y, double height);

}  // namespace fovea::viz

#pragma once
// A line-plot panel, as one matplotlib Axes: a frame with round ticks and tick labels on both
// axes, light grid lines at the y ticks, an axis label on each, and series drawn as lines with
// optional markers. training_curves puts two of them side by side.
#include <cairo.h>

#include <string>
#include <vector>

#include "colour_map.hpp"
#include "ticks.hpp"

namespace fovea::viz {

struct Series {
  std::vector<double> x, y;
  Rgb colour;
  bool dashed = false;
};

struct PanelRect {
  double left = 0, top = 0, width = 0, height = 0;  // the plotting area inside the frame
};

struct Panel {
  PanelRect area;
  LinearScale x, y;
  Ticks x_ticks, y_ticks;
  std::string x_label, y_label;
};

// The data ranges the panel must show, before padding.
struct DataBounds {
  double x_lo, x_hi, y_lo, y_hi;
};

// Pads the bounds (so no point sits on the frame; a single value gets a range around it), picks
// ticks (x ticks whole numbers: they are epochs) and maps them onto `area`.
Panel make_panel(DataBounds bounds, PanelRect area, std::string x_label, std::string y_label);

// Room left of the plotting area for the y tick labels and the rotated y label.
double left_room(cairo_t* cr, const Panel& panel);
// Room below the plotting area for the x tick labels and the x label.
double bottom_room(cairo_t* cr);

void draw_axes(cairo_t* cr, const Panel& panel);

// Draws the series as a line, with a dot on every point when `markers` (a single point shows
// only as its dot).
void draw_series(cairo_t* cr, const Panel& panel, const Series& series, bool markers);

// A legend entry's sample: a short stretch of the series' line (and dot) centred on (x, y).
void draw_series_sample(cairo_t* cr, const Series& series, double x, double y, bool markers);

}  // namespace fovea::viz

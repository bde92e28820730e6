#include "colour_bar.hpp"

#include <cmath>

#include "canvas.hpp"
#include "text.hpp"
#include "ticks.hpp"

namespace fovea::viz {

namespace {

constexpr double kStripWidth = 16, kTickLength = 4, kLabelGap = 3;

}  // namespace

ColourBar make_colour_bar(ValueRange range, ColourMap map, double height) {
  ColourBar bar{range, map, {}};
  const double span = range.hi - range.lo;
  // A label needs ~14 px; keep inner ticks that far from the end labels' centres, plus a margin.
  const double clearance = span * 18 / height;
  bar.ticks.push_back({range.lo, format_value(range.lo)});
  const Ticks inner = nice_ticks(range.lo, range.hi, std::max(2, static_cast<int>(height / 45)));
  for (double value : inner.values)
    if (value - range.lo > clearance && range.hi - value > clearance) bar.ticks.push_back({value, format_value(value)});
  bar.ticks.push_back({range.hi, format_value(range.hi)});
  return bar;
}

double colour_bar_width(cairo_t* cr, const ColourBar& bar) {
  double widest = 0;
  for (const ColourBar::Tick& tick : bar.ticks) widest = std::max(widest, measure_text(cr, tick.label, kTickFont).width);
  return kStripWidth + kTickLength + kLabelGap + widest;
}

void draw_colour_bar(cairo_t* cr, const ColourBar& bar, double x, double y, double height) {
  {
    SavedState saved(cr);
    cairo_pattern_t* gradient = cairo_pattern_create_linear(0, y + height, 0, y);  // t = 0 at the bottom
    add_colour_stops(gradient, bar.map);
    cairo_set_source(cr, gradient);
    cairo_rectangle(cr, x, y, kStripWidth, height);
    cairo_fill(cr);
    cairo_pattern_destroy(gradient);
  }
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, x + 0.5, y + 0.5, kStripWidth - 1, height - 1);
  cairo_stroke(cr);
  const LinearScale to_y{bar.range.lo, bar.range.hi, y + height - 0.5, y + 0.5};
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (const ColourBar::Tick& tick : bar.ticks) {
    const double ty = std::round(to_y(tick.value) - 0.5) + 0.5;
    cairo_move_to(cr, x + kStripWidth, ty);
    cairo_line_to(cr, x + kStripWidth + kTickLength, ty);
    cairo_stroke(cr);
    draw_text(cr, tick.label, x + kStripWidth + kTickLength + kLabelGap, ty, kTickFont, HAlign::Left, VAlign::Middle);
  }
}

}  // namespace fovea::viz

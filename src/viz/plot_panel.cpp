#include "plot_panel.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "canvas.hpp"
#include "text.hpp"

namespace fovea::viz {

namespace {

constexpr double kTickLength = 4, kTickLabelGap = 3, kAxisLabelGap = 6;
constexpr double kLineWidth = 2, kMarkerRadius = 3.5;

// Adds room around [lo, hi]: a share of the span, or, for a single value, a range around it.
std::pair<double, double> padded(double lo, double hi, double share, double single_pad) {
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(hi))) return {lo - single_pad, hi + single_pad};
  const double pad = (hi - lo) * share;
  return {lo - pad, hi + pad};
}

double crisp(double position) { return std::round(position - 0.5) + 0.5; }  // centre of a pixel: 1 px lines stay sharp

void set_line_style(cairo_t* cr, const Series& series) {
  set_colour(cr, series.colour);
  cairo_set_line_width(cr, kLineWidth);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  const double dashes[] = {6, 3};
  cairo_set_dash(cr, dashes, series.dashed ? 2 : 0, 0);
}

void dot(cairo_t* cr, double x, double y) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, kMarkerRadius, 0, 2 * std::numbers::pi);
  cairo_fill(cr);
}

}  // namespace

Panel make_panel(DataBounds bounds, PanelRect area, std::string x_label, std::string y_label) {
  const auto [x_lo, x_hi] = padded(bounds.x_lo, bounds.x_hi, 0.04, 0.5);
  const auto [y_lo, y_hi] = padded(bounds.y_lo, bounds.y_hi, 0.06, std::max(0.05 * std::abs(bounds.y_hi), 0.01));
  Panel panel;
  panel.area = area;
  panel.x = {x_lo, x_hi, area.left, area.left + area.width};
  panel.y = {y_lo, y_hi, area.top + area.height, area.top};
  panel.x_ticks = nice_ticks(x_lo, x_hi, 6, 1);
  panel.y_ticks = nice_ticks(y_lo, y_hi, 6);
  panel.x_label = std::move(x_label);
  panel.y_label = std::move(y_label);
  return panel;
}

double left_room(cairo_t* cr, const Panel& panel) {
  double widest = 0;
  for (double value : panel.y_ticks.values)
    widest = std::max(widest, measure_text(cr, format_tick(value, panel.y_ticks.step), kTickFont).width);
  return kTickLength + kTickLabelGap + widest + kAxisLabelGap + measure_text(cr, panel.y_label, kLabelFont).height();
}

double bottom_room(cairo_t* cr) {
  return kTickLength + kTickLabelGap + measure_text(cr, "0", kTickFont).height() + kAxisLabelGap +
         measure_text(cr, "epoch", kLabelFont).height();
}

void draw_axes(cairo_t* cr, const Panel& panel) {
  SavedState saved(cr);
  const PanelRect& a = panel.area;
  const double left = crisp(a.left), right = crisp(a.left + a.width);
  const double top = crisp(a.top), bottom = crisp(a.top + a.height);
  cairo_set_line_width(cr, 1);

  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);  // grid lines, under everything
  for (double value : panel.y_ticks.values) {
    cairo_move_to(cr, left, crisp(panel.y(value)));
    cairo_line_to(cr, right, crisp(panel.y(value)));
  }
  cairo_stroke(cr);

  // Frame and ticks first, as one path: drawing text starts a new path.
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  for (double value : panel.y_ticks.values) {
    cairo_move_to(cr, left, crisp(panel.y(value)));
    cairo_line_to(cr, left - kTickLength, crisp(panel.y(value)));
  }
  for (double value : panel.x_ticks.values) {
    cairo_move_to(cr, crisp(panel.x(value)), bottom);
    cairo_line_to(cr, crisp(panel.x(value)), bottom + kTickLength);
  }
  cairo_stroke(cr);

  double widest_label = 0;
  for (double value : panel.y_ticks.values) {
    const std::string label = format_tick(value, panel.y_ticks.step);
    widest_label = std::max(widest_label, measure_text(cr, label, kTickFont).width);
    draw_text(cr, label, left - kTickLength - kTickLabelGap, crisp(panel.y(value)), kTickFont, HAlign::Right, VAlign::Middle);
  }
  for (double value : panel.x_ticks.values)
    draw_text(cr, format_tick(value, panel.x_ticks.step), crisp(panel.x(value)), bottom + kTickLength + kTickLabelGap,
              kTickFont, HAlign::Centre, VAlign::Top);

  const double tick_label_height = measure_text(cr, "0", kTickFont).height();
  draw_text(cr, panel.x_label, (left + right) / 2, bottom + kTickLength + kTickLabelGap + tick_label_height + kAxisLabelGap,
            kLabelFont, HAlign::Centre, VAlign::Top);
  draw_text(cr, panel.y_label, left - kTickLength - kTickLabelGap - widest_label - kAxisLabelGap, (top + bottom) / 2,
            kLabelFont, HAlign::Centre, VAlign::Bottom, 90);
}

void draw_series(cairo_t* cr, const Panel& panel, const Series& series, bool markers) {
  SavedState saved(cr);
  set_line_style(cr, series);
  for (size_t i = 0; i < series.x.size(); ++i) cairo_line_to(cr, panel.x(series.x[i]), panel.y(series.y[i]));
  cairo_stroke(cr);
  if (markers || series.x.size() == 1)
    for (size_t i = 0; i < series.x.size(); ++i) dot(cr, panel.x(series.x[i]), panel.y(series.y[i]));
}

void draw_series_sample(cairo_t* cr, const Series& series, double x, double y, bool markers) {
  SavedState saved(cr);
  set_line_style(cr, series);
  cairo_move_to(cr, x - 14, y);
  cairo_line_to(cr, x + 14, y);
  cairo_stroke(cr);
  if (markers) dot(cr, x, y);
}

}  // namespace fovea::viz

// Loss and accuracy per epoch, train and test: the numbers the seed program prints each epoch,
// as the two plots one draws from its train_losses / eval_losses lists.
#include <algorithm>
#include <cmath>

#include "canvas.hpp"
#include "fovea/viz/figures.hpp"
#include "input_checks.hpp"
#include "plot_panel.hpp"
#include "text.hpp"

namespace fovea::viz {

namespace {

constexpr double kMargin = 14;
constexpr double kPanelWidth = 470;   // each panel, labels included: two make a ~950 px figure
constexpr double kPlotHeight = 280;
constexpr int kMostEpochsWithMarkers = 30;  // beyond, dots would merge into a thick line

const Rgb kTrainColour{0.122, 0.467, 0.706};  // matplotlib's first two colours (tab:blue, tab:orange)
const Rgb kTestColour{1.0, 0.498, 0.055};

void check(const std::vector<EpochPoint>& history) {
  const std::string figure = "training_curves";
  require_non_empty(history.size(), figure, "history");
  for (size_t i = 0; i < history.size(); ++i) {
    const EpochPoint& p = history[i];
    const std::string at = " of history[" + std::to_string(i) + "]";
    require_finite(p.train_loss, figure, "train_loss" + at);
    require_finite(p.train_accuracy, figure, "train_accuracy" + at);
    require_finite(p.test_loss, figure, "test_loss" + at);
    require_finite(p.test_accuracy, figure, "test_accuracy" + at);
    if (i > 0 && p.epoch <= history[i - 1].epoch)
      refuse(figure, "expected epochs in increasing order, got " + std::to_string(history[i - 1].epoch) + " then " +
                         std::to_string(p.epoch) + " at history[" + std::to_string(i) + "]");
  }
}

DataBounds bounds_of(const Series& a, const Series& b) {
  DataBounds bounds{a.x.front(), a.x.back(), a.y.front(), a.y.front()};
  for (const Series* s : {&a, &b})
    for (double y : s->y) bounds.y_lo = std::min(bounds.y_lo, y), bounds.y_hi = std::max(bounds.y_hi, y);
  return bounds;
}

}  // namespace

Picture training_curves(const std::vector<EpochPoint>& history) {
  check(history);
  Series train_loss{{}, {}, kTrainColour, false}, test_loss{{}, {}, kTestColour, true};
  Series train_accuracy = train_loss, test_accuracy = test_loss;
  for (const EpochPoint& p : history) {
    const double epoch = static_cast<double>(p.epoch);
    for (Series* s : {&train_loss, &test_loss, &train_accuracy, &test_accuracy}) s->x.push_back(epoch);
    train_loss.y.push_back(p.train_loss);
    test_loss.y.push_back(p.test_loss);
    train_accuracy.y.push_back(p.train_accuracy);
    test_accuracy.y.push_back(p.test_accuracy);
  }
  const bool markers = history.size() <= kMostEpochsWithMarkers;

  // The panels' left edges depend on their tick labels, which depend on the data: lay out on a
  // scratch canvas first.
  Canvas scratch(1, 1, "training_curves");
  const double legend_height = measure_text(scratch.cr(), "train", kLabelFont).height();
  const double plot_top = kMargin + legend_height + 14;
  Panel panels[2] = {make_panel(bounds_of(train_loss, test_loss), {}, "epoch", "loss"),
                     make_panel(bounds_of(train_accuracy, test_accuracy), {}, "epoch", "accuracy")};
  for (int i = 0; i < 2; ++i) {
    const double panel_left = kMargin + i * kPanelWidth;
    const double left = std::ceil(panel_left + left_room(scratch.cr(), panels[i]));
    const PanelRect area{left, plot_top, panel_left + kPanelWidth - 16 - left, kPlotHeight};
    panels[i] = make_panel(bounds_of(i == 0 ? train_loss : train_accuracy, i == 0 ? test_loss : test_accuracy), area,
                           panels[i].x_label, panels[i].y_label);
  }
  const double width = 2 * kMargin + 2 * kPanelWidth;
  const double height = plot_top + kPlotHeight + bottom_room(scratch.cr()) + kMargin;

  Canvas canvas(width, height, "training_curves");
  cairo_t* cr = canvas.cr();
  draw_axes(cr, panels[0]);
  draw_series(cr, panels[0], train_loss, markers);
  draw_series(cr, panels[0], test_loss, markers);
  draw_axes(cr, panels[1]);
  draw_series(cr, panels[1], train_accuracy, markers);
  draw_series(cr, panels[1], test_accuracy, markers);

  // One legend for both panels, above them, where it cannot hide a point.
  const double train_width = measure_text(cr, "train", kLabelFont).width;
  const double test_width = measure_text(cr, "test", kLabelFont).width;
  const double entry_gap = 28, sample_width = 28, sample_gap = 6;
  const double legend_width = 2 * (sample_width + sample_gap) + train_width + entry_gap + test_width;
  double x = std::round((width - legend_width) / 2);
  const double y = kMargin + legend_height / 2;
  cairo_set_source_rgb(cr, 0, 0, 0);
  draw_series_sample(cr, train_loss, x + sample_width / 2, y, markers);
  x += sample_width + sample_gap;
  draw_text(cr, "train", x, y, kLabelFont, HAlign::Left, VAlign::Middle);
  x += train_width + entry_gap;
  draw_series_sample(cr, test_loss, x + sample_width / 2, y, markers);
  x += sample_width + sample_gap;
  cairo_set_source_rgb(cr, 0, 0, 0);
  draw_text(cr, "test", x, y, kLabelFont, HAlign::Left, VAlign::Middle);
  return canvas.finish();
}

}  // namespace fovea::viz

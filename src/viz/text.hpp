#pragma once
// Text on a figure: DejaVu Sans through cairo's toy text API (fontconfig finds the font), measured
// and placed by an anchor point, optionally rotated about it. Sizes are in pixels; fovea's figures
// use at least 12 px so every label reads on a screen.
//
// Placement is by the text's box: its width is the advance of the string, its height the font's
// ascent + descent (the same for every string of a font size), so labels in a row share a baseline
// whatever letters they hold.
#include <cairo.h>

#include <algorithm>
#include <string>

namespace fovea::viz {

struct Font {
  double size = 13;
  bool bold = false;
};

// Sizes fovea's figures use, so every figure reads alike.
constexpr Font kTickFont{12, false};
constexpr Font kLabelFont{13, false};
constexpr Font kTitleFont{15, false};
constexpr Font kHeadingFont{16, true};

struct TextBox {
  double width = 0;
  double ascent = 0, descent = 0;
  double height() const { return ascent + descent; }
};

enum class HAlign { Left, Centre, Right };
enum class VAlign { Top, Middle, Bottom };

TextBox measure_text(cairo_t* cr, const std::string& text, Font font);

// The widest of `texts` in `font` (0 for none).
double widest_text(cairo_t* cr, const auto& texts, Font font) {
  double widest = 0;
  for (const std::string& text : texts) widest = std::max(widest, measure_text(cr, text, font).width);
  return widest;
}

// Draws `text` in the current colour so that its box's (h, v) point lands on (x, y); `degrees`
// turns the text about that point, counterclockwise as seen on screen (90 reads bottom to top).
void draw_text(cairo_t* cr, const std::string& text, double x, double y, Font font, HAlign h, VAlign v,
               double degrees = 0);

}  // namespace fovea::viz

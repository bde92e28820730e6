#include "text.hpp"

#include <numbers>

#include "canvas.hpp"

namespace fovea::viz {

namespace {

void select_font(cairo_t* cr, Font font) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, font.size);
}

}  // namespace

TextBox measure_text(cairo_t* cr, const std::string& text, Font font) {
  SavedState saved(cr);
  select_font(cr, font);
  cairo_font_extents_t font_extents;
  cairo_font_extents(cr, &font_extents);
  cairo_text_extents_t text_extents;
  cairo_text_extents(cr, text.c_str(), &text_extents);
  return {text_extents.x_advance, font_extents.ascent, font_extents.descent};
}

void draw_text(cairo_t* cr, const std::string& text, double x, double y, Font font, HAlign h, VAlign v,
               double degrees) {
  const TextBox box = measure_text(cr, text, font);
  SavedState saved(cr);
  select_font(cr, font);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -degrees * std::numbers::pi / 180);  // cairo turns clockwise on screen (y points down)
  const double left = h == HAlign::Left ? 0 : h == HAlign::Centre ? -box.width / 2 : -box.width;
  const double baseline = v == VAlign::Top ? box.ascent : v == VAlign::Middle ? box.ascent - box.height() / 2 : -box.descent;
  cairo_move_to(cr, left, baseline);
  cairo_show_text(cr, text.c_str());
  cairo_new_path(cr);
}

}  // namespace fovea::viz

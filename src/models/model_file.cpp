// Model descriptions: the text read into layer calls (a small recursive-descent parser over
// tokens), the calls made into an nn::Sequential (layer_table.cpp), and the check that the
// layers fit the images they will be given.
#include "fovea/models/model_file.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/tensor.hpp"
#include "models/layer_call.hpp"

namespace fovea::models {

namespace {

using detail::LayerCall;
using detail::Value;

struct Token {
  enum class Kind { Name, Number, Text, Punct, End } kind;
  std::string text;
  int line;
};

// Names, numbers (a leading '-' included), quoted texts and the marks ( ) , = : ; '#' to the end of
// the line is a comment.
std::vector<Token> tokenize(const std::string& text, const std::string& source) {
  std::vector<Token> out;
  int line = 1;
  size_t i = 0;
  auto fail = [&](const std::string& what) -> void {
    throw ValueError(source + ":" + std::to_string(line) + ": " + what);
  };
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(c)) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (std::isalpha(c) || c == '_') {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      out.push_back({Token::Kind::Name, text.substr(i, j - i), line});
      i = j;
    } else if (std::isdigit(c) || ((c == '-' || c == '.') && i + 1 < text.size() &&
                                   (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.'))) {
      size_t j = i + 1;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '.' ||
                                 ((text[j] == '-' || text[j] == '+') && (text[j - 1] == 'e' || text[j - 1] == 'E'))))
        ++j;
      out.push_back({Token::Kind::Number, text.substr(i, j - i), line});
      i = j;
    } else if (c == '\'' || c == '"') {
      const size_t end = text.find(static_cast<char>(c), i + 1);
      if (end == std::string::npos || text.find('\n', i) < end) fail("a quoted text that does not end on its line");
      out.push_back({Token::Kind::Text, text.substr(i + 1, end - i - 1), line});
      i = end + 1;
    } else if (c == '(' || c == ')' || c == ',' || c == '=' || c == ':') {
      out.push_back({Token::Kind::Punct, std::string(1, static_cast<char>(c)), line});
      ++i;
    } else {
      fail(std::string("unexpected character '") + static_cast<char>(c) +
           "'; expected layers such as Conv2d(1, 32, 5), one after another");
    }
  }
  out.push_back({Token::Kind::End, "", line});
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string source, ModelDescription& out)
      : tokens_(std::move(tokens)), source_(std::move(source)), out_(out) {}

  // The whole text: one Sequential(...), or layers one after another.
  std::shared_ptr<nn::Sequential> model() {
    auto top = std::make_shared<nn::Sequential>();
    items(*top, 0);
    if (peek().kind != Token::Kind::End) fail(peek(), "an unmatched ')'");
    if (top->size() == 0) fail(peek(), "no layers; expected layers such as Conv2d(1, 32, 5), one after another");
    // A lone Sequential written out (as print(model) shows one) is the model itself.
    if (top->size() == 1)
      if (auto inner = std::dynamic_pointer_cast<nn::Sequential>((*top)[0]); inner && top->named_children()[0].first == "0")
        return inner;
    return top;
  }

 private:
  static constexpr int kMaxDepth = 32;

  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool at(const char* punct) const { return peek().kind == Token::Kind::Punct && peek().text == punct; }
  [[noreturn]] void fail(const Token& t, const std::string& what) const {
    throw ValueError(source_ + ":" + std::to_string(t.line) + ": " + what);
  }
  static std::string shown(const Token& t) {
    if (t.kind == Token::Kind::End) return "the end of the file";
    if (t.kind == Token::Kind::Text) return "'" + t.text + "'";
    return "'" + t.text + "'";
  }
  void expect(const char* punct, const std::string& context) {
    if (!at(punct)) fail(peek(), "expected '" + std::string(punct) + "' " + context + ", got " + shown(peek()));
    take();
  }

  // Layers until a ')' or the end, each optionally "(name): " first and ',' after.
  void items(nn::Sequential& into, int depth) {
    if (depth > kMaxDepth) fail(peek(), "Sequential nested more than " + std::to_string(kMaxDepth) + " deep");
    while (peek().kind != Token::Kind::End && !at(")")) {
      std::string name = std::to_string(into.size());
      if (at("(")) {
        take();
        const Token& key = take();
        if (key.kind != Token::Kind::Name && key.kind != Token::Kind::Number)
          fail(key, "expected a layer's name in (name): before it, got " + shown(key));
        name = key.text;
        expect(")", "after the layer's name");
        expect(":", "after (" + name + ")");
      }
      nn::ModulePtr layer = item(depth);
      try {
        into.push_back(name, std::move(layer));
      } catch (const ValueError& e) {
        fail(tokens_[pos_ - 1], e.what());
      }
      if (at(",")) take();
    }
  }

  nn::ModulePtr item(int depth) {
    const Token& head = take();
    if (head.kind != Token::Kind::Name) fail(head, "expected a layer such as Conv2d(1, 32, 5), got " + shown(head));
    expect("(", "after " + head.text);
    if (head.text == "Sequential") {
      auto group = std::make_shared<nn::Sequential>();
      items(*group, depth + 1);
      expect(")", "to close the Sequential opened on line " + std::to_string(head.line));
      return group;
    }
    LayerCall call{head.text, {}, {}, head.line};
    while (!at(")")) {
      if (peek().kind == Token::Kind::Name && tokens_[pos_ + 1].kind == Token::Kind::Punct &&
          tokens_[pos_ + 1].text == "=") {
        std::string key = take().text;
        take();
        call.named.emplace_back(std::move(key), value());
      } else {
        if (!call.named.empty()) fail(peek(), head.text + ": a positional argument after a named one");
        call.positional.push_back(value());
      }
      if (!at(",")) break;
      take();
    }
    expect(")", "to close " + head.text + "( on line " + std::to_string(head.line));
    nn::ModulePtr layer = detail::make_layer(call, source_);
    out_.lines.emplace_back(layer.get(), head.line);
    return layer;
  }

  Value value() {
    const Token& t = take();
    Value v;
    v.written = t.text;
    if (t.kind == Token::Kind::Number) {
      const char* first = t.text.data();
      const char* last = first + t.text.size();
      auto [end, ec] = std::from_chars(first, last, v.integer);
      if (ec == std::errc() && end == last) {
        v.kind = Value::Kind::Integer;
        return v;
      }
      auto [dend, dec] = std::from_chars(first, last, v.decimal);
      if (dec != std::errc() || dend != last || !std::isfinite(v.decimal)) fail(t, "'" + t.text + "' is not a number");
      v.kind = Value::Kind::Decimal;
    } else if (t.kind == Token::Kind::Text) {
      v.kind = Value::Kind::Text;
      v.text = t.text;
      v.written = "'" + t.text + "'";
    } else if (t.kind == Token::Kind::Name && (t.text == "True" || t.text == "False")) {
      v.kind = Value::Kind::Boolean;
      v.boolean = t.text == "True";
    } else if (t.kind == Token::Kind::Name && t.text == "None") {
      v.kind = Value::Kind::None;
    } else if (t.kind == Token::Kind::Punct && t.text == "(") {
      const Value h = value();
      expect(",", "between the two numbers of a pair");
      const Value w = value();
      expect(")", "to close the pair");
      if (h.kind != Value::Kind::Integer || w.kind != Value::Kind::Integer)
        fail(t, "a pair holds two integers, as (3, 3); got (" + h.written + ", " + w.written + ")");
      v.kind = Value::Kind::Pair;
      v.integer = h.integer;
      v.second = w.integer;
      v.written = "(" + h.written + ", " + w.written + ")";
    } else {
      fail(t, "expected a value (a number, True, False, None, 'text' or a pair), got " + shown(t));
    }
    return v;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::string source_;
  ModelDescription& out_;
};

int line_of(const ModelDescription& d, const nn::Module* layer) {
  for (const auto& [m, line] : d.lines)
    if (m == layer) return line;
  return 0;
}

// Each leaf layer in turn, so that the one that does not fit is named by its line.
Tensor run_layers(const ModelDescription& d, nn::Sequential& group, Tensor x) {
  for (const auto& [name, child] : group.named_children()) {
    if (auto* inner = dynamic_cast<nn::Sequential*>(child.get())) {
      x = run_layers(d, *inner, x);
      continue;
    }
    try {
      x = (*child)(x);
    } catch (const Error& e) {
      // The layer's own error names it, its position and the shapes; the line says where it is written.
      throw ValueError(d.source + ":" + std::to_string(line_of(d, child.get())) + ": " + e.what());
    }
  }
  return x;
}

}  // namespace

ModelDescription parse_model_description(const std::string& text, const std::string& source) {
  ModelDescription out;
  out.text = text;
  out.source = source;
  out.model = Parser(tokenize(text, source), source, out).model();
  return out;
}

ModelDescription read_model_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(path + ": cannot open the model description");
  std::string text;
  constexpr size_t kMaxBytes = 1 << 20;
  text.resize(kMaxBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw IOError(path + ": cannot read the model description");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxBytes) throw IOError(path + ": larger than 1 MiB; a model description is a few lines of text");
  if (text.find('\0') != std::string::npos) throw IOError(path + ": not text; expected a model description");
  return parse_model_description(text, path);
}

void check_model_fits(const ModelDescription& d, const Shape& input_shape, int64_t min_outputs) {
  Shape batch = {2};
  batch.insert(batch.end(), input_shape.begin(), input_shape.end());
  const bool was_training = d.model->is_training();
  d.model->eval();
  Tensor out;
  try {
    NoGradGuard no_grad;
    out = run_layers(d, *d.model, zeros(batch));
  } catch (...) {
    d.model->train(was_training);
    throw;
  }
  d.model->train(was_training);
  if (out.dim() != 2 || out.size(1) < min_outputs)
    throw ValueError(d.source + ": the layers turn a batch of " + to_string(batch) + " into " + to_string(out.shape()) +
                     "; expected one row of " + std::to_string(min_outputs) +
                     " scores per image (end with Flatten() and a Linear(..., " + std::to_string(min_outputs) + "))");
}

}  // namespace fovea::models

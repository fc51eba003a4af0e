// Formatter.cpp: Zy source in canonical layout (Formatter.h).
//
// Algorithm: lex the file with the grammar's lexer and group the tokens by line (a token
// never spans lines: strings are one line), find each line's comment (a `#` outside a
// string), then print line by line:
//   - indentation from a stack of open brackets: a line inside a bracket is indented four
//     more than the line that opened it, a line that starts with the closer as much as
//     that line; a line that continues a statement by the layout rules (Layout.h) in a
//     block gets four more (not one inside `(`, `[` or a record, nor an `else`);
//   - spaces between tokens by a small table of rules (spacing());
//   - trailing comments of consecutive lines aligned two spaces after the longest line;
//   - blank lines: at most one in a row, none at the start or end, none just after a line
//     that ends in an opening bracket or just before one that starts with a closer.
// The result is parsed again and compared with the input (printed AST and comments).
#include "syntax/Formatter.h"

#include "ZyLexer.h"
#include "antlr4-runtime.h"
#include "syntax/AstPrinter.h"
#include "syntax/Layout.h"
#include "syntax/Parser.h"

#include <algorithm>

namespace zy::syntax {

namespace {

struct Tok {
  size_t type;
  std::string text;
  uint32_t line;
};

/// The comment of a line, from its `#` (outside strings) to the end, or "".
std::string commentOf(std::string_view line) {
  bool inString = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '#') {
      std::string comment(line.substr(i));
      while (!comment.empty() && (comment.back() == ' ' || comment.back() == '\t' || comment.back() == '\r'))
        comment.pop_back();
      return comment;
    }
  }
  return "";
}

bool isOpener(const std::string &t) { return t == "(" || t == "[" || t == "{"; }
bool isCloser(const std::string &t) { return t == ")" || t == "]" || t == "}"; }

/// True if an expression can end with `t`: what a `(` or `[` right after it calls or indexes.
bool endsValue(const Tok &t) {
  if (t.type == ZyLexer::IDENT || t.type == ZyLexer::INT || t.type == ZyLexer::FLOAT || t.type == ZyLexer::STRING ||
      t.type == ZyLexer::FSTRING)
    return true;
  return t.text == ")" || t.text == "]" || t.text == "}" || t.text == "true" || t.text == "false" || t.text == "none";
}

struct Bracket {
  std::string closer;
  size_t indent;    // of the line that opened it
  bool padded;      // `{ a }` (a block) rather than `{a: 1}` (a record) or `{}`
  bool index;       // `x[...]` rather than a list `[...]`: `:` takes no spaces in it
};

class Printer {
public:
  explicit Printer(std::vector<Tok> tokens) : Tokens(std::move(tokens)) {}

  /// Tokens [first, last) (one line) printed with their spaces; updates the bracket
  /// stack. `indent` is the line's indentation, which brackets opened on it remember.
  std::string line(size_t first, size_t last, size_t indent) {
    std::string out;
    for (size_t i = first; i < last; ++i) {
      const Tok &t = Tokens[i];
      if (i > first && spaced(i, first)) out += ' ';
      out += t.text;
      if (t.text == "|") LambdaParams = !LambdaParams;
      if (isOpener(t.text)) {
        bool padded = false;
        if (t.text == "{") {
          const Tok *next = i + 1 < Tokens.size() ? &Tokens[i + 1] : nullptr;
          const Tok *after = i + 2 < Tokens.size() ? &Tokens[i + 2] : nullptr;
          bool record = next && (next->text == "}" || ((next->type == ZyLexer::IDENT || next->type == ZyLexer::STRING) &&
                                                       after && after->text == ":"));
          padded = !record;
        }
        bool index = t.text == "[" && i > 0 && endsValue(Tokens[i - 1]);
        Stack.push_back({t.text == "(" ? ")" : t.text == "[" ? "]" : "}", indent, padded, index});
      } else if (isCloser(t.text) && !Stack.empty()) {
        Stack.pop_back();
      }
    }
    return out;
  }

  /// The indentation of a line that starts with token `first` (or of a comment-only line
  /// when `first` is null), after a line whose last token was `previous`.
  size_t indentOf(const Tok *first, const Tok *previous) const {
    if (first && isCloser(first->text) && !Stack.empty()) return Stack.back().indent;
    size_t base = Stack.empty() ? 0 : Stack.back().indent + 4;
    // Inside `(`, `[` or a record every line is one of its items; `else` lines up with
    // the `if` whose chain it continues.
    bool items = !Stack.empty() && (Stack.back().closer != "}" || !Stack.back().padded);
    if (!first || items || !previous || isOpener(previous->text) || first->text == "else") return base;
    bool continues = continuesAfter(previous->text) || continuesBefore(first->text);
    return continues ? base + 4 : base;
  }

private:
  std::vector<Tok> Tokens;
  std::vector<Bracket> Stack;
  bool LambdaParams = false; // between a lambda's two `|`

  bool padded() const { return !Stack.empty() && Stack.back().padded; }
  bool insideIndex() const { return !Stack.empty() && Stack.back().index; }

  /// Whether a space goes between tokens i - 1 and i of a line that starts at `first`.
  bool spaced(size_t i, size_t first) const {
    const std::string &x = Tokens[i - 1].text, &y = Tokens[i].text;
    // A prefix minus sticks to its operand: `-1`, `f(-x)`, `a * -b`, `-mean(x)` (a line
    // that starts with an operator starts a new statement, so its `-` is a prefix).
    if (x == "-" && (i - 1 == first || !endsValue(Tokens[i - 2]))) return false;
    if (x == "(" || x == "[") return false;
    if (x == "{") return padded() && y != "}";
    if (y == ")" || y == "]") return false;
    if (y == "}") return padded();
    if (y == "," || y == ";") return false;
    if (x == "," || x == ";") return true;
    if (x == "." || y == "." || x == ".." || y == "..") return false;
    if (y == ":") return false;
    if (x == ":") return !insideIndex();
    // Before an opening pipe and after a closing one; not inside `|a, b|`.
    if (y == "|" || x == "|") return !LambdaParams;
    if (y == "(" || y == "[") return !endsValue(Tokens[i - 1]);
    return true;
  }
};

} // namespace

std::optional<std::string> formatSource(const SourceFile &file, Diagnostics &diags) {
  std::unique_ptr<ast::Module> module = parseModule(file, diags);
  if (!module) return std::nullopt;

  antlr4::ANTLRInputStream input(file.text());
  ZyLexer lexer(&input);
  lexer.removeErrorListeners();
  std::vector<Tok> tokens;
  for (std::unique_ptr<antlr4::Token> t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken())
    if (t->getType() != ZyLexer::NEWLINE) tokens.push_back({t->getType(), t->getText(), static_cast<uint32_t>(t->getLine())});

  struct Line {
    std::string code, comment;
    size_t indent = 0;
    bool blank = false;
    bool opens = false;  // ends with an opening bracket
    bool closes = false; // starts with a closer
  };
  std::vector<Line> lines;
  Printer printer(tokens);
  size_t next = 0;
  const Tok *previous = nullptr;
  for (uint32_t n = 1; n <= file.lineCount(); ++n) {
    std::string_view text = file.lineText(n);
    size_t first = next;
    while (next < tokens.size() && tokens[next].line == n) ++next;
    Line l;
    l.comment = commentOf(text);
    if (first == next) {
      l.blank = l.comment.empty();
      l.indent = printer.indentOf(nullptr, previous);
    } else {
      l.indent = printer.indentOf(&tokens[first], previous);
      l.closes = isCloser(tokens[first].text);
      l.code = printer.line(first, next, l.indent);
      previous = &tokens[next - 1];
      l.opens = isOpener(previous->text);
    }
    lines.push_back(std::move(l));
  }

  // Blank lines: none at the start or end, one at most in a row, none just inside brackets.
  std::vector<Line> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].blank) {
      bool afterOpen = kept.empty() || kept.back().blank || kept.back().opens;
      size_t j = i;
      while (j < lines.size() && lines[j].blank) ++j;
      bool beforeClose = j == lines.size() || lines[j].closes;
      if (afterOpen || beforeClose) continue;
    }
    kept.push_back(lines[i]);
  }

  // Trailing comments of consecutive lines in one column, two spaces after the longest.
  std::string out;
  for (size_t i = 0; i < kept.size();) {
    if (kept[i].code.empty() || kept[i].comment.empty()) {
      const Line &l = kept[i];
      if (!l.blank) out += std::string(l.indent, ' ') + (l.code.empty() ? l.comment : l.code);
      out += '\n';
      ++i;
      continue;
    }
    size_t j = i, width = 0;
    while (j < kept.size() && !kept[j].code.empty() && !kept[j].comment.empty()) {
      width = std::max(width, kept[j].indent + kept[j].code.size());
      ++j;
    }
    for (; i < j; ++i) {
      std::string code = std::string(kept[i].indent, ' ') + kept[i].code;
      out += code + std::string(width + 2 - code.size(), ' ') + kept[i].comment + '\n';
    }
  }

  // Its own check: the same program, the same comments.
  SourceFile formatted(file.name(), out);
  Diagnostics again;
  std::unique_ptr<ast::Module> reparsed = parseModule(formatted, again);
  std::vector<std::string> before, after;
  for (uint32_t n = 1; n <= file.lineCount(); ++n)
    if (std::string c = commentOf(file.lineText(n)); !c.empty()) before.push_back(c);
  for (uint32_t n = 1; n <= formatted.lineCount(); ++n)
    if (std::string c = commentOf(formatted.lineText(n)); !c.empty()) after.push_back(c);
  if (!reparsed || ast::printModule(*reparsed) != ast::printModule(*module) || before != after) {
    diags.error(file.span(0, 0), "zy fmt would change what this file means (a bug in zy fmt; please report it with "
                                 "the file): it is left as it is");
    return std::nullopt;
  }
  return out;
}

} // namespace zy::syntax

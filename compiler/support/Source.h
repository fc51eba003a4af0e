// Source.h: a source file held in memory, and spans into it.
//
// Every AST node and every diagnostic carries a Span: a byte range in one SourceFile.
// Line and column are computed on demand from a table of line starts, so spans stay
// two integers wide. Columns count characters (UTF-8 code points), starting at 1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zy {

class SourceFile;

struct Span {
  const SourceFile *file = nullptr;
  uint32_t begin = 0; // byte offset of the first character
  uint32_t end = 0;   // byte offset one past the last character

  bool valid() const { return file != nullptr; }
  /// The smallest span covering both (same file assumed).
  Span to(const Span &other) const {
    if (!valid()) return other;
    if (!other.valid()) return *this;
    return {file, begin < other.begin ? begin : other.begin,
            end > other.end ? end : other.end};
  }
};

struct LineCol {
  uint32_t line = 0; // 1-based
  uint32_t col = 0;  // 1-based, in characters
};

class SourceFile {
public:
  SourceFile(std::string name, std::string text);

  /// Reads a file from disk; returns null and sets `error` if it cannot be read.
  static std::unique_ptr<SourceFile> load(const std::string &path, std::string &error);

  const std::string &name() const { return Name; }
  const std::string &text() const { return Text; }

  LineCol lineCol(uint32_t offset) const;
  /// The text of line `line` (1-based), without its newline.
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(LineStarts.size()); }

  Span span(uint32_t begin, uint32_t end) const { return {this, begin, end}; }

private:
  std::string Name;
  std::string Text;
  std::vector<uint32_t> LineStarts;
};

/// Formats "file:line:col".
std::string describeLocation(const Span &span);

} // namespace zy

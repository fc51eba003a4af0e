// Source.cpp: loading source files and mapping byte offsets to lines and columns.
#include "support/Source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace zy {

SourceFile::SourceFile(std::string name, std::string text)
    : Name(std::move(name)), Text(std::move(text)) {
  LineStarts.push_back(0);
  for (uint32_t i = 0; i < Text.size(); ++i)
    if (Text[i] == '\n') LineStarts.push_back(i + 1);
}

std::unique_ptr<SourceFile> SourceFile::load(const std::string &path, std::string &error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "`" + path + "` is a directory, not a file";
    return nullptr;
  }
  // A device (/dev/zero) would be read without end, and a pipe (`<(...)`) can be read
  // only once while a program's file is read by the driver and again by the interpreter.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    error = "`" + path + "` is " + (S_ISFIFO(st.st_mode) ? "a pipe" : "a device") + ", not a file";
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open `" + path + "`";
    return nullptr;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = "cannot read `" + path + "`";
    return nullptr;
  }
  std::string text = buffer.str();
  // Spans are 32-bit offsets; refuse anything larger than that.
  if (text.size() >= UINT32_MAX) {
    error = "`" + path + "` is larger than 4 GiB";
    return nullptr;
  }
  return std::make_unique<SourceFile>(path, std::move(text));
}

LineCol SourceFile::lineCol(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(Text.size()));
  auto it = std::upper_bound(LineStarts.begin(), LineStarts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - LineStarts.begin());
  uint32_t col = 1;
  for (uint32_t i = LineStarts[line - 1]; i < offset; ++i)
    if ((static_cast<unsigned char>(Text[i]) & 0xC0) != 0x80) ++col; // skip UTF-8 continuation bytes
  return {line, col};
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > LineStarts.size()) return {};
  uint32_t begin = LineStarts[line - 1];
  uint32_t end = line < LineStarts.size() ? LineStarts[line] - 1 : static_cast<uint32_t>(Text.size());
  if (end > begin && Text[end - 1] == '\r') --end;
  return std::string_view(Text).substr(begin, end - begin);
}

std::string describeLocation(const Span &span) {
  if (!span.valid()) return "<unknown>";
  LineCol lc = span.file->lineCol(span.begin);
  return span.file->name() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col);
}

} // namespace zy

// Diagnostics.cpp: collecting diagnostics and rendering them with source excerpts.
#include "support/Diagnostics.h"

#include <algorithm>

namespace zy {

Diagnostic &Diagnostics::error(Span span, std::string message) {
  List.push_back({Severity::Error, span, std::move(message), {}});
  return List.back();
}

Diagnostic &Diagnostics::warning(Span span, std::string message) {
  List.push_back({Severity::Warning, span, std::move(message), {}});
  return List.back();
}

size_t Diagnostics::errorCount() const {
  return std::count_if(List.begin(), List.end(),
                       [](const Diagnostic &d) { return d.severity == Severity::Error; });
}

void Diagnostics::append(const Diagnostics &other) {
  List.insert(List.end(), other.List.begin(), other.List.end());
}

std::string quote(std::string_view text) {
  constexpr size_t MaxShown = 40;
  std::string shown(text.substr(0, MaxShown));
  if (text.size() > MaxShown) shown += "...";
  return "`" + shown + "`";
}

namespace {

const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  case Severity::Note: return "note";
  }
  return "error";
}

const char *severityColor(Severity s) {
  switch (s) {
  case Severity::Error: return "\x1b[1;31m";
  case Severity::Warning: return "\x1b[1;35m";
  case Severity::Note: return "\x1b[1;36m";
  }
  return "";
}

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The source line of `span` with a caret line under it. Very long lines are cut to a
/// window around the caret so a 10 MB line does not flood the terminal; control
/// characters are shown as spaces so the caret stays aligned.
std::string excerpt(const Span &span, bool color) {
  const SourceFile &file = *span.file;
  LineCol lc = file.lineCol(span.begin);
  std::string_view line = file.lineText(lc.line);

  // Byte offset of the caret within the line, and of the underline's end.
  size_t lineStart = static_cast<size_t>(line.data() - file.text().data());
  size_t caret = std::min<size_t>(span.begin - lineStart, line.size());
  size_t underlineEnd = std::clamp<size_t>(span.end > lineStart ? span.end - lineStart : caret,
                                           caret, line.size());

  constexpr size_t Window = 100;
  size_t from = 0, to = line.size();
  bool cutLeft = false, cutRight = false;
  if (line.size() > Window) {
    from = caret > Window / 2 ? caret - Window / 2 : 0;
    while (from > 0 && isContinuationByte(line[from])) --from;
    to = std::min(line.size(), from + Window);
    while (to < line.size() && isContinuationByte(line[to])) ++to;
    cutLeft = from > 0;
    cutRight = to < line.size();
  }

  std::string shown = cutLeft ? "..." : "";
  std::string marks = cutLeft ? "   " : "";
  for (size_t i = from; i < to; ++i) {
    char c = line[i];
    bool control = static_cast<unsigned char>(c) < 0x20 && c != '\t';
    shown += control ? ' ' : c;
    if (isContinuationByte(c)) continue; // one mark per character
    char mark = ' ';
    if (i == caret) mark = '^';
    else if (i > caret && i < underlineEnd) mark = '~';
    marks += c == '\t' ? (mark == ' ' ? '\t' : mark) : mark;
  }
  if (caret >= to) marks += '^'; // the caret sits past the end of the line
  if (cutRight) shown += "...";
  while (!marks.empty() && marks.back() == ' ') marks.pop_back();

  std::string number = std::to_string(lc.line);
  std::string gutter(number.size(), ' ');
  std::string out = " " + number + " | " + shown + "\n";
  out += " " + gutter + " | ";
  out += color ? "\x1b[1;32m" + marks + "\x1b[0m" : marks;
  out += "\n";
  return out;
}

std::string header(const Span &span, Severity severity, const std::string &message, bool color) {
  std::string out;
  if (span.valid()) out += (color ? "\x1b[1m" : "") + describeLocation(span) + ": " + (color ? "\x1b[0m" : "");
  out += color ? std::string(severityColor(severity)) + severityName(severity) + ":\x1b[0m "
               : std::string(severityName(severity)) + ": ";
  out += message + "\n";
  return out;
}

} // namespace

std::string render(const Diagnostic &d, bool color) {
  std::string out = header(d.span, d.severity, d.message, color);
  if (d.span.valid()) out += excerpt(d.span, color);
  for (const Note &note : d.notes) {
    out += header(note.span, Severity::Note, note.message, color);
    if (note.span.valid()) out += excerpt(note.span, color);
  }
  return out;
}

std::string renderAll(const Diagnostics &diagnostics, bool color) {
  std::string out;
  for (const Diagnostic &d : diagnostics.all()) out += render(d, color);
  size_t errors = diagnostics.errorCount();
  if (errors > 0)
    out += (errors == 1 ? std::string("1 error") : std::to_string(errors) + " errors") + " found\n";
  return out;
}

} // namespace zy

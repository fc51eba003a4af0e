// Expectations.cpp: reading `# expect error:` comments and checking diagnostics against them.
#include "tools/zy/Expectations.h"

#include <charconv>

namespace zy {

Expectations readExpectations(const SourceFile &file) {
  static const std::string Marker = "# expect error:";
  Expectations out;
  for (uint32_t line = 1; line <= file.lineCount(); ++line) {
    std::string_view text = file.lineText(line);
    size_t at = text.find(Marker);
    if (at == std::string_view::npos) continue;
    std::string_view rest = text.substr(at + Marker.size());
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    ExpectedError e;
    e.commentLine = line;
    auto [p1, ec1] = std::from_chars(rest.data(), rest.data() + rest.size(), e.line);
    bool ok = ec1 == std::errc() && p1 < rest.data() + rest.size() && *p1 == ':';
    const char *end = rest.data() + rest.size();
    const char *p2 = p1;
    if (ok) {
      auto r = std::from_chars(p1 + 1, end, e.col);
      ok = r.ec == std::errc() && r.ptr < end && *r.ptr == ':';
      p2 = r.ptr;
    }
    if (!ok) {
      out.malformed.push_back("line " + std::to_string(line) +
                              ": an expectation reads `# expect error: LINE:COL: MESSAGE`");
      continue;
    }
    std::string_view message(p2 + 1, end - p2 - 1);
    while (!message.empty() && message.front() == ' ') message.remove_prefix(1);
    while (!message.empty() && (message.back() == ' ' || message.back() == '\r')) message.remove_suffix(1);
    e.message = std::string(message);
    out.errors.push_back(std::move(e));
  }
  return out;
}

std::string checkExpectations(const Expectations &expected, const Diagnostics &reported) {
  std::string problems;
  for (const std::string &m : expected.malformed) problems += "  malformed expectation at " + m + "\n";
  std::vector<bool> used(expected.errors.size(), false);
  for (const Diagnostic &d : reported.all()) {
    if (d.severity != Severity::Error) continue;
    LineCol lc = d.span.valid() ? d.span.file->lineCol(d.span.begin) : LineCol{};
    bool matched = false;
    for (size_t i = 0; i < expected.errors.size() && !matched; ++i) {
      const ExpectedError &e = expected.errors[i];
      if (!used[i] && e.line == lc.line && e.col == lc.col && d.message.find(e.message) != std::string::npos)
        used[i] = matched = true;
    }
    if (!matched)
      problems += "  unexpected error at " + std::to_string(lc.line) + ":" + std::to_string(lc.col) + ": " +
                  d.message + "\n";
  }
  for (size_t i = 0; i < expected.errors.size(); ++i) {
    if (used[i]) continue;
    const ExpectedError &e = expected.errors[i];
    problems += "  missing error at " + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message +
                " (expected on line " + std::to_string(e.commentLine) + ")\n";
  }
  return problems;
}

} // namespace zy

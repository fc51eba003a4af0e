// Format.cpp: parsing f-string format specs.
#include "support/Format.h"

#include <cctype>
#include <cstring>

namespace zy {

namespace {
bool isAlign(char c) { return c == '<' || c == '>' || c == '^'; }

/// Reads up to 4 digits (larger widths and precisions are surely mistakes).
bool readNumber(const std::string &s, size_t &i, int &out, std::string &problem, const char *what) {
  size_t start = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i - start > 4) {
    problem = std::string(what) + " is larger than 9999";
    return false;
  }
  out = i > start ? std::stoi(s.substr(start, i - start)) : -1;
  return true;
}
} // namespace

std::optional<FormatSpec> parseFormatSpec(const std::string &s, std::string &problem) {
  FormatSpec spec;
  size_t i = 0;
  if (s.size() >= 2 && isAlign(s[1])) {
    spec.fill = s[0];
    spec.align = s[1];
    i = 2;
  } else if (!s.empty() && isAlign(s[0])) {
    spec.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
  if (i < s.size() && s[i] == '0') {
    spec.zeroPad = true;
    ++i;
  }
  int width = -1;
  if (!readNumber(s, i, width, problem, "the width")) return std::nullopt;
  spec.width = width < 0 ? 0 : width;
  if (i < s.size() && s[i] == ',') {
    spec.thousands = true;
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!readNumber(s, i, spec.precision, problem, "the precision")) return std::nullopt;
    if (spec.precision < 0) {
      problem = "expected digits after `.`";
      return std::nullopt;
    }
  }
  if (i < s.size() && std::strchr("bdeEfFgGosxX%", s[i])) spec.type = s[i++];
  if (i != s.size()) {
    problem = "unexpected `" + s.substr(i, 1) + "`; a spec looks like `>8`, `.4f`, `,d`, `.2e` or `.1%`";
    return std::nullopt;
  }
  return spec;
}

std::optional<std::string> checkFormatSpec(const std::string &spec) {
  std::string problem;
  if (parseFormatSpec(spec, problem)) return std::nullopt;
  return problem;
}

} // namespace zy

// Format.h: format specs of f-string holes, `f"{loss:.4f}"`, as in Python's mini-language:
//   [[fill]align][sign][0][width][,][.precision][type]
// The parser checks specs when it reads an f-string; the interpreter formats with them.
#pragma once

#include <optional>
#include <string>

namespace zy {

struct FormatSpec {
  char fill = ' ';
  char align = '\0'; // '<', '>', '^' or none
  char sign = '-';   // '+', '-' or ' '
  bool zeroPad = false;
  int width = 0;
  bool thousands = false;
  int precision = -1; // none
  char type = '\0';   // 'd', 'f', 'e', 'g', '%', 's', 'x', 'b', 'o' ... or none
};

/// Parses a spec; on failure returns nothing and sets `problem` to what is wrong.
std::optional<FormatSpec> parseFormatSpec(const std::string &spec, std::string &problem);

/// Just the check: what is wrong with a spec, or nothing if it is fine.
std::optional<std::string> checkFormatSpec(const std::string &spec);

} // namespace zy

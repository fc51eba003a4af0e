// Layout.h: which tokens let a line go on past a newline (docs/language.md, "Newlines,
// `;` and line continuation"). The parser's layout pass drops the newlines they make
// meaningless; the formatter indents the lines they continue.
#pragma once

#include <string_view>

namespace zy::syntax {

/// The binary operators, by spelling (`..` and `~` included).
inline bool isBinaryOperator(std::string_view lit) {
  for (std::string_view op : {"or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%", "@", "**",
                              "..", "~"})
    if (lit == op) return true;
  return false;
}

/// Tokens after which a statement cannot end, so a newline there continues the line.
inline bool continuesAfter(std::string_view lit) {
  if (isBinaryOperator(lit)) return true;
  for (std::string_view t : {"not", "{", "(", "[", ",", ";", "=", "+=", "-=", "*=", "/=", "->", ":", ".", "...", "else",
                             "in", "as"})
    if (lit == t) return true;
  return false;
}

/// Tokens before which a newline is not a statement end (closers, `else`, `.` chains).
inline bool continuesBefore(std::string_view lit) {
  return lit == "}" || lit == ")" || lit == "]" || lit == "else" || lit == "." || lit == ",";
}

} // namespace zy::syntax

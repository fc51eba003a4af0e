// Diagnostics.h: errors as values, collected while compiling and rendered once.
//
// Each stage reports into a Diagnostics list instead of throwing or printing; the driver
// renders them the way a good compiler does:
//
//   model.zy:12:11: error: expected `)` to close the call opened at 12:6, found end of line
//      12 |     y = f(x, g(y)
//         |          ^
//
// Notes attach extra locations (the call chain, the other declaration) to an error.
#pragma once

#include "support/Source.h"

#include <string>
#include <vector>

namespace zy {

enum class Severity { Error, Warning, Note };

struct Note {
  Span span; // may be invalid: then the note has no location
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  Span span;
  std::string message;
  std::vector<Note> notes;
};

class Diagnostics {
public:
  Diagnostic &error(Span span, std::string message);
  Diagnostic &warning(Span span, std::string message);

  const std::vector<Diagnostic> &all() const { return List; }
  size_t errorCount() const;
  bool hasErrors() const { return errorCount() > 0; }
  void append(const Diagnostics &other);
  void clear() { List.clear(); }

private:
  std::vector<Diagnostic> List;
};

/// Renders one diagnostic with its source line and caret (and its notes).
std::string render(const Diagnostic &diagnostic, bool color = false);
/// Renders all diagnostics, then a summary line ("2 errors") when there are any errors.
std::string renderAll(const Diagnostics &diagnostics, bool color = false);

/// Quotes a piece of source for a message: `x`, shortening very long text.
std::string quote(std::string_view text);

} // namespace zy

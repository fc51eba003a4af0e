// Formatter.h: the canonical layout of Zy source (`zy fmt`, the language server's
// formatting).
//
// The formatter keeps the lines the author broke and every comment, and decides the rest:
// indentation (four spaces per open block or bracket, four more for a line that continues
// a statement), the spaces between tokens, trailing comments aligned in runs, at most one
// blank line in a row and none just inside a bracket, one newline at the end. It works on
// the tokens, so it never rewrites a literal or an f-string, and it checks its own work:
// the result must parse to the same program (printed AST) with the same comments, or it is
// refused as a bug. docs/editors.md lists the rules.
#pragma once

#include "support/Diagnostics.h"
#include "support/Source.h"

#include <optional>
#include <string>

namespace zy::syntax {

/// The file in canonical layout, or nothing if it has syntax errors (reported to
/// `diags`) or if formatting would change it (an internal error, reported to `diags` at
/// the file's start). Formatting its result again gives the same text.
std::optional<std::string> formatSource(const SourceFile &file, Diagnostics &diags);

} // namespace zy::syntax

// Analysis.h: what an editor asks about a Zy file without running it (the language
// server, `zy lsp`): which definition each name refers to, the names in scope at a
// place, and the mistakes visible in the text alone.
//
// The analysis resolves names through the file's scopes (functions, parameters, `let`,
// `for`, lambdas, comprehensions, imports), then the prelude and the standard library's
// modules, which it reads from an interpreter's environment (Library), so it knows every
// builtin as `zy run` does. It reports a name defined nowhere, a member a module does not
// have, and calls to Zy functions with the wrong arguments (too many, a missing one, an
// unknown keyword), each located, in the interpreter's words. It is lenient about order
// (a name used before its `let` in the same block resolves), so it never reports an
// error that running the file would not; shapes are not checked here.
#pragma once

#include "support/Diagnostics.h"
#include "syntax/Ast.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace zy::interp {
class Interpreter;
}

namespace zy::tooling {

struct Symbol {
  enum Kind { Function, Variable, Parameter, Module, Builtin } kind = Variable;
  std::string name;
  Span span;                                     // its definition; invalid for a builtin
  const std::vector<ast::Param> *params = nullptr; // a Zy function's, for arity and hover
  std::string signature;                         // "fn linear(p, x, out: int, bias: bool = true)"
  std::string doc;                               // the comment block above a definition
  std::map<std::string, const Symbol *> members; // a module's names
};

struct Reference {
  Span span; // the name as written
  const Symbol *symbol;
};

/// The prelude and the standard library as symbols, read once from an interpreter.
class Library {
public:
  explicit Library(interp::Interpreter &interpreter);
  const Symbol *lookup(const std::string &name) const;
  const std::map<std::string, const Symbol *> &globals() const { return Globals; }

private:
  std::deque<Symbol> Symbols;
  std::map<std::string, const Symbol *> Globals;
};

/// The names an imported module defines, by the path its import names (resolved
/// relative to the importing file). Null if the file cannot be read or parsed.
using ImportLoader = std::function<const ast::Module *(const std::string &path)>;

struct Analysis {
  std::vector<Diagnostic> problems;
  std::deque<Symbol> symbols; // the file's own (and its imports'), at stable addresses
  std::vector<Reference> references;
  /// Each scope's extent and the symbols it defines, for completion.
  struct Scope {
    uint32_t begin, end;
    std::vector<const Symbol *> names;
  };
  std::vector<Scope> scopes;

  /// The symbol whose name is written at byte `offset` (a use or its definition).
  const Symbol *symbolAt(uint32_t offset, Span *where = nullptr) const;
  /// Every name visible at `offset`: the scopes around it, innermost first, then the library.
  std::vector<const Symbol *> visibleAt(uint32_t offset, const Library &library) const;
};

/// Analyzes `module` (parsed from `file`).
Analysis analyze(const ast::Module &module, const Library &library, const ImportLoader &imports);

/// The comment block directly above line `line` of `file` (its `#`s and one space cut),
/// as documentation.
std::string docCommentAbove(const SourceFile &file, uint32_t line);

/// "fn NAME(PARAMS) -> TYPE" for a definition.
std::string signatureOf(const std::string &name, const std::vector<ast::Param> &params, const ast::Type *returnType);

} // namespace zy::tooling

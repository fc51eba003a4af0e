// Parser.h: turning Zy source text into an AST, with syntax errors as diagnostics.
//
// The front end runs in three steps (Parser.cpp, AstBuilder.cpp):
//   1. lex with the ANTLR lexer generated from grammar/Zy.g4, reporting bad characters and
//      unterminated strings;
//   2. a layout pass over the tokens matches brackets (so an unclosed `(` is reported where
//      it was opened) and drops the newlines that cannot end a statement;
//   3. parse with the ANTLR parser (fast SLL first, full LL with error recovery on failure)
//      and build the AST from the parse tree.
//
// Nothing here can crash or recurse without bound on hostile input: brackets nest at most
// MaxBracketDepth deep, grammar rules at most MaxRuleDepth deep, and an operator chain has
// at most MaxChainLength operators. Callers run the parser on a large stack (LargeStack.h).
#pragma once

#include "support/Diagnostics.h"
#include "syntax/Ast.h"

#include <memory>

namespace zy {

constexpr unsigned MaxBracketDepth = 200;
constexpr unsigned MaxRuleDepth = 4000;
constexpr unsigned MaxChainLength = 1000;
/// At most this many syntax errors are reported per file; the rest are likely cascades.
constexpr unsigned MaxSyntaxErrors = 20;

/// Parses a whole file. Returns null if there were syntax errors (they are in `diags`).
std::unique_ptr<ast::Module> parseModule(const SourceFile &file, Diagnostics &diags);

/// Parses one input of the REPL: statements and imports (see ast::ReplInput).
/// Returns null if there were syntax errors (they are in `diags`).
std::unique_ptr<ast::ReplInput> parseReplInput(const SourceFile &file, Diagnostics &diags);

/// Parses the single expression in file bytes [begin, end), e.g. a hole of an f-string.
/// Spans point into `file`. Returns null on error.
ast::ExprPtr parseExpression(const SourceFile &file, uint32_t begin, uint32_t end,
                             Diagnostics &diags);

} // namespace zy

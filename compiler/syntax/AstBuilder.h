// AstBuilder.h: internal to the front end. Builds the AST from an ANTLR parse tree.
//
// Only Parser.cpp and AstBuilder.cpp include this (and so ANTLR); the rest of the
// compiler sees Ast.h and Parser.h.
#pragma once

#include "ZyParser.h"
#include "support/Diagnostics.h"
#include "syntax/Ast.h"

#include <vector>

namespace zy::syntax {

/// Maps ANTLR's character indices (code points of the parsed text) to spans in the file.
class TokenSpans {
public:
  TokenSpans(const SourceFile &file, uint32_t begin, uint32_t end);

  const SourceFile &file() const { return *File; }
  /// Byte offset in the file of code point `index` of the parsed text.
  uint32_t byteOffset(size_t index) const;
  Span of(const antlr4::Token *token) const;
  Span of(const antlr4::ParserRuleContext *ctx) const;
  Span at(uint32_t byte) const { return {File, byte, byte}; }

private:
  const SourceFile *File;
  uint32_t Begin;
  uint32_t End;
  std::vector<uint32_t> Offsets; // empty when the text is ASCII: then index == byte
};

std::unique_ptr<ast::Module> buildModule(ZyParser::FileContext *ctx, const TokenSpans &spans,
                                         Diagnostics &diags);
std::unique_ptr<ast::ReplInput> buildReplInput(ZyParser::ReplInputContext *ctx, const TokenSpans &spans,
                                               Diagnostics &diags);
ast::ExprPtr buildExpression(ZyParser::ExprContext *ctx, const TokenSpans &spans,
                             Diagnostics &diags);

} // namespace zy::syntax

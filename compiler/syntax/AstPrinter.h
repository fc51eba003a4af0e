// AstPrinter.h: two views of an AST.
//   printModule: canonical Zy source that parses back to the same tree (`--emit=ast`).
//   dumpModule:  an S-expression of every node and field, with spans if asked
//                (`--emit=ast-tree`); tests compare dumps to check round trips.
#pragma once

#include "syntax/Ast.h"

#include <string>

namespace zy::ast {

std::string printModule(const Module &module);
std::string printExpr(const Expr &expr);
std::string printParams(const std::vector<Param> &params); // "p, x, out: int, bias: bool = true"
std::string printType(const Type &type);                   // "f32[B, 784]"

std::string dumpModule(const Module &module, bool withSpans);

} // namespace zy::ast

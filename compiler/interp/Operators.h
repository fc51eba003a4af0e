// Operators.h: what operators, fields, indexing and formatting mean on each kind of value.
//
// Host numbers compute on the host; anything involving a tensor goes to TensorOps; a
// tree (record, list or tuple with tensor leaves) combines with a tree of the same
// structure or with a scalar leaf by leaf, so `params - 0.1 * grads` works.
#pragma once

#include "interp/Interpreter.h"
#include "support/Format.h"

#include <map>

namespace zy::interp {

Value unaryValue(Interpreter &in, ast::UnaryOp op, const Value &v, Span span);
Value binaryValue(Interpreter &in, ast::BinaryOp op, const Value &a, const Value &b, Span span);
/// `v.name`: a record field, a module member, a tensor attribute or method.
Value fieldOf(Interpreter &in, const Value &v, const std::string &name, Span span);
/// What `x.` can be followed by when x is a tensor, as fieldOf resolves it: the
/// attributes (shape, dtype, ...), then every function of the prelude `prelude` (a
/// method call x.f(a) is f(x, a)). For the REPL's completion.
std::vector<std::string> tensorMemberNames(const Env &prelude);
/// `v[i]` for lists, tuples, strings, records (by string) and params views.
Value indexValue(Interpreter &in, const Value &v, const Value &i, Span span);
std::string formatValue(Interpreter &in, const Value &v, const FormatSpec &spec, Span span);
/// ", did you mean `relu`?" when a known name is one or two edits away, else "".
std::string suggestName(Env &env, const std::string &name);
/// The Levenshtein distance between two names, for suggestions.
size_t editDistance(const std::string &a, const std::string &b);
/// The shape variables of one call: `B` in `x: f32[B, 784]`, bound at first use.
using ShapeVariables = std::map<std::string, int64_t>;
/// Checks a value against an annotation: `int`, `float`, `bool`, `str`, `[T]`, `(T, U)`,
/// or a tensor type `f32[B, 784]` whose capitalised dims are shape variables.
void checkAnnotation(Interpreter &in, const Value &v, const ast::Type &type, Span span, ShapeVariables *vars);

} // namespace zy::interp

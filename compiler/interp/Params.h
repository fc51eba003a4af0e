// Params.h: parameters declared where they are used, created by init().
//
// Inside init(f, key, args...), the params argument is a ParamsView: a path into a tree
// that is being built. `p.w ~ glorot([n, m])` creates the leaf at that path with a key
// derived from init's key and the path alone (so adding a layer changes no other
// leaf), or takes it from `from = old` after checking its shape. A second declaration of
// the same path shares the leaf (JAXnet's reuse), and must agree on the shape. Outside
// init, a declaration checks that the tree it is given has the leaf, with that shape.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Executes `parent[key] ~ init` (a field name or an index as key).
void declareParam(Interpreter &in, const Value &parent, const Value &key, const Value &init,
                  const ast::DeclareStmt &decl);

/// Reading `view` (a ParamsView with its full path) inside init(): the leaf if it has been
/// declared already, else the view itself, to be declared or descended into.
Value lookupParam(Interpreter &in, const Value &view, Span span);

/// The builtin init(f, key, args..., from = tree).
Value initBuiltin(Interpreter &in, CallArgs &args);

/// Makes an InitSpec value (for the initialiser builtins and state()).
Value makeInit(InitSpec spec);
/// Materialises an initialiser with the given key.
Tensor materialise(Interpreter &in, const InitSpec &spec, std::array<uint32_t, 2> key, Span span);

} // namespace zy::interp

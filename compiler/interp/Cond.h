// Cond.h: the cond builtin, a branch on a tensor inside traced code (see Cond.cpp).
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// cond(pred, then_fn, else_fn, args...) -> then_fn(args...) if pred else else_fn(args...).
Value condBuiltin(Interpreter &in, CallArgs &a);

} // namespace zy::interp

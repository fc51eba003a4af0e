// Scan.h: the loop builtins, scan and while_loop (see Scan.cpp).
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// scan(f, carry, xs) -> (carry, ys).
Value scanBuiltin(Interpreter &in, CallArgs &a);

/// while_loop(cond_fn, body_fn, init) -> the carry once cond_fn no longer holds.
Value whileLoopBuiltin(Interpreter &in, CallArgs &a);

} // namespace zy::interp

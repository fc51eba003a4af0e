// Scan.h: the scan builtin (see Scan.cpp).
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// scan(f, carry, xs) -> (carry, ys).
Value scanBuiltin(Interpreter &in, CallArgs &a);

} // namespace zy::interp

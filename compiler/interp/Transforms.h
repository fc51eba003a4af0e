// Transforms.h: grad and value_and_grad (see Transforms.cpp).
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds grad and value_and_grad to `env`.
void installTransforms(Env &env);

} // namespace zy::interp

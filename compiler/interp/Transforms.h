// Transforms.h: the transformations as Zy functions: grad, value_and_grad and
// check_grad (Transforms.cpp); jvp, vjp, jacfwd, jacrev, hessian (Jacobians.cpp); vmap
// (Vmap.cpp); custom_vjp (CustomRules.cpp). All share the staging of Staging.h.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds every transformation to `env`.
void installTransforms(Env &env);
void installEinsum(Env &env); // Einsum.cpp
void installJacobians(Env &env);
void installVmap(Env &env);
void installCustomRules(Env &env);
void installCheckpoint(Env &env);
void installMemoryProbe(Env &prelude);

} // namespace zy::interp

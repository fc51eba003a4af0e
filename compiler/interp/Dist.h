// Dist.h: the dist namespace: data-parallel training over the processes of a job.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `dist` module (rank, size, all_reduce, broadcast, barrier, print) to `prelude`.
void installDist(Env &prelude);

} // namespace zy::interp

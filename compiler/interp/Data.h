// Data.h: the data namespace: reading datasets (IDX, CSV, NumPy .npy) and batching them.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `data` module (idx, csv, npy, batches) to `prelude`; stdlib/data.zy adds the
/// parts written in Zy (normalize).
void installData(Env &prelude);

} // namespace zy::interp

// Data.h: the data namespace: reading datasets (IDX, CSV, NumPy .npy/.npz) and batching them.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `data` module (idx, csv, npy, npz, text, encode, decode, batches, select) to
/// `prelude`; stdlib/data.zy adds the parts written in Zy (normalize).
void installData(Env &prelude);

} // namespace zy::interp

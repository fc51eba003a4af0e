// Data.h: the data namespace: reading datasets (IDX, CSV, NumPy .npy/.npz) and batching them.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `data` module (idx, csv, npy, npz, batches, select) to `prelude`; stdlib/data.zy adds the
/// parts written in Zy (normalize).
void installData(Env &prelude);

/// A problem in a .npy file's bytes, said without the file's name (the caller adds it).
struct NpyError {
  std::string what;
};

/// The array in a whole .npy file held in `bytes` (format versions 1-3; <f4 <f8 <i4 <i8
/// |b1 |u1, C order); throws NpyError for a bad or truncated one.
Tensor parseNpy(const uint8_t *bytes, size_t size);

/// data.npz: every array of a NumPy .npz archive (np.savez, stored, or
/// np.savez_compressed, deflated) as a record keyed by array name (Npz.cpp).
Value readNpz(Interpreter &in, Span span, const std::string &path);

} // namespace zy::interp

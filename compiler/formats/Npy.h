// Npy.h: NumPy arrays, one in a .npy file or several in a .npz archive (a zip of them).
#pragma once

#include "formats/Bytes.h"
#include "ir/Tensor.h"

#include <utility>
#include <vector>

namespace zy::formats {

/// The array in a whole .npy file held in `bytes` (format versions 1-3; <f4 <f8 <i4 <i8
/// |b1 |u1, C order; integers become i32 where they fit). Throws FormatError for a bad
/// or truncated one.
Tensor parseNpy(const uint8_t *bytes, size_t size);

/// The .npy file at `path` (gzipped or not).
Tensor readNpy(const std::string &path);

/// Every array of the .npz archive at `path` (np.savez, stored, or np.savez_compressed,
/// deflated), keyed by array name (the member's name without ".npy"), in the archive's
/// order. An error in a member names it (Zip.h).
std::vector<std::pair<std::string, Tensor>> readNpz(const std::string &path);

} // namespace zy::formats

// Idx.h: the IDX format of MNIST and Fashion-MNIST, gzipped or not.
#pragma once

#include "formats/Bytes.h"
#include "ir/Tensor.h"

namespace zy::formats {

/// The array in the IDX file at `path` (read through zlib when the name ends in .gz):
/// u8, i8, i16 and i32 elements become i32, f32 and f64 stay as they are. Throws
/// FormatError for a missing, corrupt or truncated file, or one with data left over.
Tensor readIdx(const std::string &path);

/// The dtype and shape readIdx would give, from the header alone (`zy check`).
struct ArrayType {
  DType dtype;
  Shape shape;
};
ArrayType readIdxType(const std::string &path);

} // namespace zy::formats

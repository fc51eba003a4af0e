// Csv.h: a table of numbers in a comma-separated text file.
#pragma once

#include "formats/Bytes.h"
#include "ir/Tensor.h"

namespace zy::formats {

/// The numbers of the CSV file at `path` (gzipped or not) as an f32 [rows, columns]
/// tensor; blank lines are skipped, and so is the first non-blank one when `header`.
/// Throws FormatError, with the line of the file where one is at fault, for a field that
/// is not a number or is out of range for f32, or a row of another length than the first.
Tensor readCsv(const std::string &path, bool header);

} // namespace zy::formats

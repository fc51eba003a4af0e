// Csv.cpp: the CSV reader (Csv.h): one row a line, fields split at commas, each parsed
// with strtod after trimming spaces, tabs and carriage returns.
#include "formats/Csv.h"

#include "formats/Files.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace zy::formats {

Tensor readCsv(const std::string &path, bool header) {
  InputFile file(path);
  std::vector<uint8_t> bytes = file.readAll();
  std::string text(bytes.begin(), bytes.end());
  std::vector<double> values;
  int64_t rows = 0, cols = -1;
  size_t pos = 0;
  int line = 0;
  bool skippedHeader = !header;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string row = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (trim(row).empty()) continue;
    if (!skippedHeader) { skippedHeader = true; continue; }
    int64_t fields = 0;
    size_t start = 0;
    while (true) {
      size_t comma = row.find(',', start);
      std::string field = trim(row.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      char *stop = nullptr;
      errno = 0;
      double v = field.empty() ? 0 : std::strtod(field.c_str(), &stop);
      if (field.empty() || *stop)
        throw FormatError("field " + std::to_string(fields + 1) + " is not a number: '" + field + "'", line);
      // Too large for f32 (1e39), or for a double (1e999): an error, not a silent infinity.
      // Written infinities ("inf") and NaNs are read as they are.
      if ((errno == ERANGE && std::fabs(v) > 1) || (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()))
        throw FormatError("field " + std::to_string(fields + 1) + " is " + field + ", which is out of range for f32", line);
      values.push_back(v);
      ++fields;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (cols < 0) cols = fields;
    else if (fields != cols)
      throw FormatError("the row has " + std::to_string(fields) + " fields, but the first row has " + std::to_string(cols), line);
    ++rows;
  }
  Tensor t(DType::F32, {rows, std::max<int64_t>(cols, 0)});
  float *o = t.mutableData<float>();
  for (size_t i = 0; i < values.size(); ++i) o[i] = static_cast<float>(values[i]);
  return t;
}

} // namespace zy::formats

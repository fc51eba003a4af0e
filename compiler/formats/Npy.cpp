// Npy.cpp: the .npy and .npz readers (Npy.h). A .npy file is a magic string, a version, a
// header that is a Python dict literal ('descr', 'fortran_order', 'shape'), and the raw
// data; a .npz is a zip archive of them (Zip.h reads the archive).
#include "formats/Npy.h"

#include "formats/Files.h"
#include "formats/Zip.h"

#include <sys/stat.h>

#include <cctype>
#include <cstring>
#include <limits>
#include <optional>
#include <set>

namespace zy::formats {

namespace {

/// The value of `'key':` in a .npy header (a Python dict literal), as text up to the next
/// top-level comma or brace.
std::optional<std::string> npyField(const std::string &header, const std::string &key) {
  for (char q : {'\'', '"'}) {
    size_t at = header.find(std::string(1, q) + key + q);
    if (at == std::string::npos) continue;
    size_t colon = header.find(':', at + key.size() + 2);
    if (colon == std::string::npos) return std::nullopt;
    size_t i = colon + 1;
    while (i < header.size() && header[i] == ' ') ++i;
    int depth = 0;
    size_t start = i;
    for (; i < header.size(); ++i) {
      char c = header[i];
      if (c == '(' || c == '[') ++depth;
      else if (c == ')' || c == ']') --depth;
      else if ((c == ',' || c == '}') && depth == 0) break;
    }
    std::string v = header.substr(start, i - start);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
  }
  return std::nullopt;
}

} // namespace

Tensor parseNpy(const uint8_t *bytes, size_t size) {
  auto fail = [](const std::string &what) -> void { throw FormatError(what); };
  size_t at = 0;
  if (size < 8 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) fail("not a NumPy .npy file (bad magic)");
  int major = bytes[6];
  uint64_t headerLen = 0;
  at = 8;
  if (major == 1) {
    if (size < at + 2) fail("truncated: the .npy header ends early");
    headerLen = bytes[at] | uint32_t(bytes[at + 1]) << 8;
    at += 2;
  } else if (major == 2 || major == 3) {
    if (size < at + 4) fail("truncated: the .npy header ends early");
    headerLen = bytes[at] | uint32_t(bytes[at + 1]) << 8 | uint32_t(bytes[at + 2]) << 16 | uint32_t(bytes[at + 3]) << 24;
    at += 4;
  } else {
    fail("unsupported .npy format version " + std::to_string(major));
  }
  if (headerLen > (1u << 20)) fail("the .npy header is " + std::to_string(headerLen) + " bytes long (a corrupt file?)");
  if (size - at < headerLen) fail("truncated: the .npy header ends early");
  std::string header(reinterpret_cast<const char *>(bytes + at), headerLen);
  at += headerLen;
  auto descr = npyField(header, "descr");
  auto fortran = npyField(header, "fortran_order");
  auto shapeText = npyField(header, "shape");
  if (!descr || !fortran || !shapeText) fail("the .npy header lacks 'descr', 'fortran_order' or 'shape'");
  if (*fortran == "True") fail("arrays in Fortran order are not supported (save with np.ascontiguousarray)");
  if (*fortran != "False") fail("bad fortran_order in the .npy header: " + *fortran);
  std::string d = *descr;
  if (d.size() >= 2 && (d.front() == '\'' || d.front() == '"')) d = d.substr(1, d.size() - 2);
  DType dtype = DType::F32;
  size_t itemSize = 4;
  if (d == "<f4") dtype = DType::F32, itemSize = 4;
  else if (d == "<f8") dtype = DType::F64, itemSize = 8;
  else if (d == "<i4") dtype = DType::I32, itemSize = 4;
  else if (d == "<i8") dtype = DType::I32, itemSize = 8;
  else if (d == "|b1") dtype = DType::Bool, itemSize = 1;
  else if (d == "|u1" || d == "<u1") dtype = DType::I32, itemSize = 1;
  else fail("unsupported .npy dtype '" + d + "' (supported: <f4, <f8, <i4, <i8, |b1, |u1)");
  // shape: "(3, 4)", "(5,)" or "()".
  std::string s = *shapeText;
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') fail("bad shape in the .npy header: " + s);
  Shape shape;
  size_t i = 1;
  while (i < s.size() - 1) {
    while (i < s.size() - 1 && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size() - 1) break;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) fail("bad shape in the .npy header: " + s);
    uint64_t n = 0;
    while (i < s.size() - 1 && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + uint64_t(s[i++] - '0');
      if (n > MaxDataBytes) fail("the .npy shape " + s + " is too large");
    }
    shape.push_back(static_cast<int64_t>(n));
  }
  auto count = elementCount(shape);
  if (!count || uint64_t(*count) > MaxDataBytes / itemSize) fail("the .npy shape " + shapeString(shape) + " is too large");
  uint64_t need = uint64_t(*count) * itemSize;
  if (size - at < need) fail("truncated: expected " + std::to_string(need) + " bytes of data, found " + std::to_string(size - at));
  const uint8_t *raw = bytes + at;
  Tensor t(dtype, shape);
  int64_t n = *count;
  if (d == "<i8") {
    auto *o = t.mutableData<int32_t>();
    for (int64_t k = 0; k < n; ++k) {
      int64_t v;
      std::memcpy(&v, &raw[8 * k], 8);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
        fail("element " + std::to_string(k) + " is " + std::to_string(v) + ", which does not fit in i32");
      o[k] = static_cast<int32_t>(v);
    }
  } else if (itemSize == 1 && dtype == DType::I32) {
    auto *o = t.mutableData<int32_t>();
    for (int64_t k = 0; k < n; ++k) o[k] = raw[k];
  } else if (dtype == DType::Bool) {
    auto *o = t.mutableData<uint8_t>();
    for (int64_t k = 0; k < n; ++k) o[k] = raw[k] != 0;
  } else if (need) {
    std::memcpy(t.mutableData<uint8_t>(), raw, need); // little-endian host
  }
  return t;
}

Tensor readNpy(const std::string &path) {
  InputFile file(path);
  std::vector<uint8_t> bytes = file.readAll();
  return parseNpy(bytes.data(), bytes.size());
}

std::vector<std::pair<std::string, Tensor>> readNpz(const std::string &path) {
  // A zip is read from its end: a device or pipe (/dev/zero) would be read without end.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
    throw FormatError("not a regular file (a .npz archive is read from its end)");
  std::string archive = readFile(path, MaxDataBytes);
  std::vector<std::pair<std::string, Tensor>> arrays;
  std::set<std::string> seen;
  forEachZipMember(archive, [&](const std::string &name, const std::vector<uint8_t> &bytes) {
    std::string key = name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0 ? name.substr(0, name.size() - 4) : name;
    if (!seen.insert(key).second) throw FormatError("a second array named `" + printableName(key) + "`");
    arrays.emplace_back(key, parseNpy(bytes.data(), bytes.size()));
  });
  return arrays;
}

} // namespace zy::formats

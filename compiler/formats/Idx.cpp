// Idx.cpp: the IDX reader (Idx.h). The header is two zero bytes, an element type, a rank
// and one big-endian 32-bit size per dimension; the data follows, big-endian. The size
// the header claims is checked against a sane limit and against the bytes actually
// there before it is allocated.
#include "formats/Idx.h"

#include "formats/Files.h"

#include <cstdio>
#include <cstring>

namespace zy::formats {

namespace {

struct Header {
  uint8_t type;
  DType dtype;
  size_t itemSize;
  Shape shape;
  uint64_t bytes; // of data after the header
};

Header readHeader(InputFile &file) {
  uint8_t magic[4];
  size_t got = file.read(magic, 4);
  if (got < 4) throw FormatError("truncated: the IDX header needs 4 bytes, found " + std::to_string(got));
  if (magic[0] != 0 || magic[1] != 0) throw FormatError("not an IDX file (its first two bytes are not zero)");
  uint8_t type = magic[2];
  int ndim = magic[3];
  DType dtype;
  size_t itemSize;
  switch (type) {
  case 0x08: dtype = DType::I32; itemSize = 1; break; // u8
  case 0x09: dtype = DType::I32; itemSize = 1; break; // i8
  case 0x0B: dtype = DType::I32; itemSize = 2; break; // i16
  case 0x0C: dtype = DType::I32; itemSize = 4; break; // i32
  case 0x0D: dtype = DType::F32; itemSize = 4; break; // f32
  case 0x0E: dtype = DType::F64; itemSize = 8; break; // f64
  default: {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", type);
    throw FormatError(std::string("unknown IDX element type ") + hex + " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
  }
  }
  std::vector<uint8_t> dimBytes(4 * size_t(ndim));
  got = file.read(dimBytes.data(), dimBytes.size());
  if (got < dimBytes.size())
    throw FormatError("truncated: the IDX header has " + std::to_string(ndim) + " dimensions but ends after " +
                      std::to_string(4 + got) + " bytes");
  Shape shape;
  uint64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    uint32_t n = bigEndian32(&dimBytes[4 * d]);
    shape.push_back(n);
    count = n == 0 ? 0 : count;
    if (count && n && count > MaxDataBytes / n) count = MaxDataBytes + 1; // saturate
    else count *= n;
  }
  uint64_t bytes = count > MaxDataBytes ? MaxDataBytes + 1 : count * itemSize;
  if (bytes > MaxDataBytes || !elementCount(shape))
    throw FormatError("the IDX header's shape " + shapeString(shape) + " is too large (a corrupt file?)");
  return {type, dtype, itemSize, shape, bytes};
}

} // namespace

ArrayType readIdxType(const std::string &path) {
  InputFile file(path);
  Header h = readHeader(file);
  return {h.dtype, h.shape};
}

Tensor readIdx(const std::string &path) {
  InputFile file(path);
  auto [type, dtype, itemSize, shape, bytes] = readHeader(file);
  if (auto left = file.remaining(); left && *left < bytes)
    throw FormatError("truncated: expected " + std::to_string(bytes) + " bytes of data, found " + std::to_string(*left));
  std::vector<uint8_t> raw = file.readUpTo(bytes);
  if (raw.size() < bytes)
    throw FormatError("truncated: expected " + std::to_string(bytes) + " bytes of data, found " + std::to_string(raw.size()));
  uint8_t extra;
  if (file.read(&extra, 1))
    throw FormatError("has more data than its header's shape " + shapeString(shape) + " holds (" + std::to_string(bytes) + " bytes)");

  Tensor t(dtype, shape);
  int64_t n = t.size();
  const uint8_t *p = raw.data();
  switch (type) {
  case 0x08: { auto *o = t.mutableData<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = p[i]; break; }
  case 0x09: { auto *o = t.mutableData<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int8_t>(p[i]); break; }
  case 0x0B: {
    auto *o = t.mutableData<int32_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int16_t>(uint16_t(p[2 * i]) << 8 | p[2 * i + 1]);
    break;
  }
  case 0x0C: { auto *o = t.mutableData<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int32_t>(bigEndian32(p + 4 * i)); break; }
  case 0x0D: {
    auto *o = t.mutableData<float>();
    for (int64_t i = 0; i < n; ++i) { uint32_t u = bigEndian32(p + 4 * i); std::memcpy(&o[i], &u, 4); }
    break;
  }
  case 0x0E: {
    auto *o = t.mutableData<double>();
    for (int64_t i = 0; i < n; ++i) {
      uint64_t u = uint64_t(bigEndian32(p + 8 * i)) << 32 | bigEndian32(p + 8 * i + 4);
      std::memcpy(&o[i], &u, 8);
    }
    break;
  }
  }
  return t;
}

} // namespace zy::formats

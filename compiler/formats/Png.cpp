// Png.cpp: the PNG writer (Png.h). The file is one IHDR, IDAT (the rows, each with filter
// byte 0, deflated by zlib, in chunks of at most 1 GiB) and IEND, each chunk with its
// CRC-32.
#include "formats/Png.h"

#include <zlib.h>

namespace zy::formats {

namespace {

void putBigEndian32(std::string &out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift & 0xFF);
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
void putChunk(std::string &out, const char type[4], const std::string &data) {
  putBigEndian32(out, static_cast<uint32_t>(data.size()));
  std::string typed(type, 4);
  typed += data;
  out += typed;
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef *>(typed.data()), static_cast<uInt>(typed.size()));
  putBigEndian32(out, static_cast<uint32_t>(crc));
}

} // namespace

std::string encodePng(int64_t width, int64_t height, int channels, const std::vector<uint8_t> &pixels) {
  std::string rows;
  size_t rowBytes = static_cast<size_t>(width * channels);
  rows.reserve(static_cast<size_t>(height) * (1 + rowBytes));
  for (int64_t y = 0; y < height; ++y) {
    rows += '\0'; // filter type 0: the row as it is
    rows.append(reinterpret_cast<const char *>(pixels.data()) + y * rowBytes, rowBytes);
  }
  uLongf packedSize = compressBound(static_cast<uLong>(rows.size()));
  std::string packed(packedSize, '\0');
  if (compress2(reinterpret_cast<Bytef *>(packed.data()), &packedSize, reinterpret_cast<const Bytef *>(rows.data()),
                static_cast<uLong>(rows.size()), 6) != Z_OK)
    throw FormatError("cannot compress the image (out of memory?)");
  packed.resize(packedSize);

  std::string header;
  putBigEndian32(header, static_cast<uint32_t>(width));
  putBigEndian32(header, static_cast<uint32_t>(height));
  header += static_cast<char>(8);                  // bit depth
  header += static_cast<char>(channels == 3 ? 2 : 0); // colour type: truecolour or grayscale
  header += std::string(3, '\0');                  // deflate, adaptive filtering, no interlace
  std::string png = "\x89PNG\r\n\x1a\n";
  putChunk(png, "IHDR", header);
  // A chunk holds at most 2^31 - 1 bytes (and zlib's crc32 takes 32-bit lengths): a
  // larger stream goes in several IDAT chunks, which a reader concatenates.
  constexpr size_t MaxChunk = size_t(1) << 30;
  for (size_t at = 0; at < packed.size(); at += MaxChunk) putChunk(png, "IDAT", packed.substr(at, MaxChunk));
  putChunk(png, "IEND", "");
  return png;
}

} // namespace zy::formats

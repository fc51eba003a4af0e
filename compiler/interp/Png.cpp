// Png.cpp: io.save_image(image, path) — a tensor written as an 8-bit PNG file.
//
// [H, W] (or [H, W, 1]) is grayscale, [H, W, 3] is RGB. Floats are read as intensities in
// [0, 1] (clipped; NaN is 0) and rounded to 0..255; i32 tensors are 0..255 already
// (clipped); bool is black and white. The PNG is one IHDR, IDAT (the rows, each with
// filter byte 0, deflated by zlib, in chunks of at most 1 GiB) and IEND, each chunk with its CRC-32. The file is
// written atomically, as save() writes checkpoints.
#include "interp/Png.h"

#include "interp/Args.h"
#include "interp/Io.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace zy::interp {

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

uint8_t toByte(const Tensor &t, int64_t i) {
  double v = t.get(i);
  if (t.dtype() == DType::Bool) return v != 0 ? 255 : 0;
  if (t.dtype() == DType::I32) return static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
  if (std::isnan(v)) return 0;
  return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
}

bool endsWithPng(const std::string &path) {
  if (path.size() < 4) return false;
  std::string ext = path.substr(path.size() - 4);
  for (char &c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

Value saveImage(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"image", "path"});
  const Value &image = args.get("image");
  if (image.kind != ValueKind::Tensor)
    in.fail(a.span, "`io.save_image` needs an image tensor ([H, W] grayscale or [H, W, 3] RGB), got " + typeName(image));
  std::string path = args.str("path");
  const Tensor &t = concrete(in, *image.tensor, a.span, "io.save_image");
  const Shape &s = t.shape();
  bool gray = s.size() == 2 || (s.size() == 3 && s[2] == 1);
  bool rgb = s.size() == 3 && s[2] == 3;
  if (!gray && !rgb)
    in.fail(a.span, "`io.save_image` needs an image of shape [H, W] (grayscale) or [H, W, 3] (RGB), got " +
                        typeString(t.dtype(), s));
  if (s[0] < 1 || s[1] < 1)
    in.fail(a.span, "`io.save_image` needs an image at least one pixel high and wide, got " + typeString(t.dtype(), s));
  if (s[0] > std::numeric_limits<int32_t>::max() || s[1] > std::numeric_limits<int32_t>::max())
    in.fail(a.span, "`io.save_image`: a PNG is at most 2^31-1 pixels high and wide, got " + typeString(t.dtype(), s));
  if (!endsWithPng(path))
    in.fail(a.span, "`io.save_image` writes PNG files: the path must end in .png, got \"" + path + "\"");

  int64_t height = s[0], width = s[1], channels = rgb ? 3 : 1;
  std::string rows;
  rows.reserve(static_cast<size_t>(height * (1 + width * channels)));
  for (int64_t y = 0; y < height; ++y) {
    rows += '\0'; // filter type 0: the row as it is
    for (int64_t x = 0; x < width * channels; ++x) rows += static_cast<char>(toByte(t, y * width * channels + x));
  }
  uLongf packedSize = compressBound(static_cast<uLong>(rows.size()));
  std::string packed(packedSize, '\0');
  if (compress2(reinterpret_cast<Bytef *>(packed.data()), &packedSize, reinterpret_cast<const Bytef *>(rows.data()),
                static_cast<uLong>(rows.size()), 6) != Z_OK)
    in.fail(a.span, path + ": cannot compress the image (out of memory?)", /*runtime=*/true);
  packed.resize(packedSize);

  std::string header;
  putBigEndian32(header, static_cast<uint32_t>(width));
  putBigEndian32(header, static_cast<uint32_t>(height));
  header += static_cast<char>(8);           // bit depth
  header += static_cast<char>(rgb ? 2 : 0); // colour type: truecolour or grayscale
  header += std::string(3, '\0');           // deflate, adaptive filtering, no interlace
  std::string png = "\x89PNG\r\n\x1a\n";
  putChunk(png, "IHDR", header);
  // A chunk holds at most 2^31 - 1 bytes (and zlib's crc32 takes 32-bit lengths): a
  // larger stream goes in several IDAT chunks, which a reader concatenates.
  constexpr size_t MaxChunk = size_t(1) << 30;
  for (size_t at = 0; at < packed.size(); at += MaxChunk) putChunk(png, "IDAT", packed.substr(at, MaxChunk));
  putChunk(png, "IEND", "");
  writeAtomically(in, a.span, path, png, {});
  return Value::none();
}

} // namespace

void installPng(Env &io) { io.defineBuiltin("save_image", saveImage); }

} // namespace zy::interp

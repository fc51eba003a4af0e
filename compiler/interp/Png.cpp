// Png.cpp: io.save_image(image, path) — a tensor written as an 8-bit PNG file.
//
// [H, W] (or [H, W, 1]) is grayscale, [H, W, 3] is RGB. Floats are read as intensities in
// [0, 1] (clipped; NaN is 0) and rounded to 0..255; i32 tensors are 0..255 already
// (clipped); bool is black and white. The PNG encoding is formats/Png's; the file is
// written atomically, as save() writes checkpoints.
#include "interp/Png.h"

#include "formats/Png.h"
#include "interp/Args.h"
#include "interp/Io.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace zy::interp {

namespace {

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
  std::vector<uint8_t> pixels(static_cast<size_t>(height * width * channels));
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = toByte(t, static_cast<int64_t>(i));
  std::string png = withFormatErrors(in, a.span, path, [&] { return formats::encodePng(width, height, static_cast<int>(channels), pixels); });
  writeAtomically(in, a.span, path, png, {});
  return Value::none();
}

} // namespace

void installPng(Env &io) { io.defineBuiltin("save_image", saveImage); }

} // namespace zy::interp

// Png.h: writing 8-bit PNG images (grayscale or RGB).
#pragma once

#include "formats/Bytes.h"

#include <string>
#include <vector>

namespace zy::formats {

/// The bytes of a PNG file of `width` x `height` pixels with `channels` 8-bit samples
/// each (1: grayscale, 3: RGB), from `pixels` (row by row, height * width * channels
/// bytes). Throws FormatError if zlib cannot compress the rows.
std::string encodePng(int64_t width, int64_t height, int channels, const std::vector<uint8_t> &pixels);

} // namespace zy::formats

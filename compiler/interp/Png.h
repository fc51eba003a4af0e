// Png.h: io.save_image, writing a tensor as a PNG image (grayscale or RGB, 8 bits).
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds `save_image(image, path)` to the io module's environment.
void installPng(Env &io);

} // namespace zy::interp

// Io.h: the io namespace: saving and loading trees as safetensors, and small file helpers.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `io` module (save, load, read_text, write_text, source_dir) to `prelude`,
/// and `save`/`load` as prelude functions.
void installIo(Env &prelude);

} // namespace zy::interp

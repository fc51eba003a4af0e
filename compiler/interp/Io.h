// Io.h: the io namespace: saving and loading trees as safetensors, and small file helpers.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `io` module (save, load, save_image, read_text, write_text, source_dir) to `prelude`,
/// and `save`/`load` as prelude functions.
void installIo(Env &prelude);

/// Writes `head` and then `chunks` to `path` atomically: a temporary file beside it,
/// fsync, rename; a failure is a runtime error at `span` naming the file, and leaves any
/// previous file at `path` as it was.
void writeAtomically(Interpreter &in, Span span, const std::string &path, const std::string &head,
                     const std::vector<std::pair<const uint8_t *, size_t>> &chunks);

/// The whole of the file at `path` (at most `limit` bytes), or a runtime error at `span`
/// naming it.
std::string readWhole(Interpreter &in, Span span, const std::string &path, uint64_t limit = uint64_t(1) << 36);

} // namespace zy::interp

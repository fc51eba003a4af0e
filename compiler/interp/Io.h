// Io.h: the io namespace: saving and loading trees as safetensors, and small file
// helpers; and how the file builtins (io.*, data.*) turn a formats::FormatError into
// the located error the user sees.
#pragma once

#include "formats/Bytes.h"
#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `io` module (save, load, save_image, read_text, write_text, source_dir) to `prelude`,
/// and `save`/`load` as prelude functions.
void installIo(Env &prelude);

/// A format's error about the file at `path` as a runtime error at `span`:
/// "PATH: what" (or "PATH:LINE: what" for a line of a text file).
[[noreturn]] void failFormat(Interpreter &in, Span span, const std::string &path, const formats::FormatError &e);

/// Under a check, which writes nothing: a file the program would have written by now
/// has contents the check does not know, so reading it needs a value (interp/Check.h).
void refuseReadOfUnwrittenFile(Interpreter &in, Span span, const std::string &path);

/// Runs `read` (a call into compiler/formats/), turning a FormatError into failFormat.
template <typename Read> auto withFormatErrors(Interpreter &in, Span span, const std::string &path, Read &&read) -> decltype(read()) {
  if (in.checking) refuseReadOfUnwrittenFile(in, span, path);
  try {
    return read();
  } catch (const formats::FormatError &e) {
    failFormat(in, span, path, e);
  }
}

/// Writes `head` and then `chunks` to `path` atomically (formats::writeAtomically); a
/// failure is a runtime error at `span` naming the file, and leaves any previous file at
/// `path` as it was. Refused while the interpreter refuses writes (refuseWritesFor). In a
/// job of several processes only rank 0 writes; the others return at once.
void writeAtomically(Interpreter &in, Span span, const std::string &path, const std::string &head,
                     const std::vector<std::pair<const uint8_t *, size_t>> &chunks);

/// The whole of the file at `path` (at most `limit` bytes), or a runtime error at `span`
/// naming it.
std::string readWhole(Interpreter &in, Span span, const std::string &path, uint64_t limit = uint64_t(1) << 36);

} // namespace zy::interp

// Files.h: reading and writing whole files for the formats: a file read at once or
// sequentially (through zlib when it is gzipped), and an atomic write. Errors are
// FormatErrors without the file's name (Bytes.h).
#pragma once

#include "formats/Bytes.h"

#include <zlib.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace zy::formats {

/// The whole of the file at `path`, at most `limit` bytes (a larger file, or a pipe that
/// gives more, is an error rather than a cut).
std::string readFile(const std::string &path, uint64_t limit = uint64_t(1) << 36);

/// Writes `head` and then `chunks` to `path` atomically: a temporary file beside it,
/// fsync, rename, fsync of the directory. On failure the temporary file is removed and
/// any previous file at `path` is left as it was.
void writeAtomically(const std::string &path, const std::string &head,
                     const std::vector<std::pair<const uint8_t *, size_t>> &chunks);

/// A file read sequentially, through zlib when its name ends in .gz.
class InputFile {
public:
  explicit InputFile(const std::string &path);
  ~InputFile();
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;

  /// Reads up to n bytes; fewer only at the end of the file.
  size_t read(void *buf, size_t n);
  /// Reads `n` bytes, growing the buffer as data arrives (a corrupt header's size is
  /// never allocated up front); fewer only if the file ends first.
  std::vector<uint8_t> readUpTo(uint64_t n);
  /// Reads the rest of the file (at most `limit` bytes, else an error).
  std::vector<uint8_t> readAll(uint64_t limit = MaxDataBytes);
  /// The number of bytes left, if it can be known without reading them (plain files).
  std::optional<uint64_t> remaining();

private:
  bool Gz = false;
  gzFile G = nullptr;
  FILE *F = nullptr;
};

} // namespace zy::formats

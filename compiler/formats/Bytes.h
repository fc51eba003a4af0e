// Bytes.h: what the file formats share — their one error type, the size limits, and
// byte reads checked against the end of the data.
//
// compiler/formats/ knows nothing of the interpreter: a reader takes bytes or a path and
// returns tensors (zy::Tensor, the IR's data type) or plain structures, and reports a bad
// file by throwing FormatError with a message that does not name the file. The caller
// (the data.*, io.* and save/load builtins in interp/) adds the file's name and where
// in the program it was read.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace zy::formats {

/// A bad, truncated or unreadable file (or data too large to hold), said without the
/// file's name. `line` is the line of a text format (0: none); `offset` the byte where
/// the problem was found, where that helps (its message says it too).
class FormatError : public std::runtime_error {
public:
  explicit FormatError(const std::string &message, int line = 0, std::optional<uint64_t> offset = std::nullopt)
      : std::runtime_error(message), line(line), offset(offset) {}
  int line;
  std::optional<uint64_t> offset;
};

/// No dataset file (IDX, CSV, .npy) and no member of an archive may hold more than this
/// many bytes of data (16 GiB): sizes read from a header are checked against it before
/// anything is allocated.
constexpr uint64_t MaxDataBytes = uint64_t(1) << 34;

inline uint32_t bigEndian32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

/// Reads from bytes held in memory, each checked against their end: a read past it is a
/// FormatError saying what was being read and where, never a read out of bounds.
class ByteReader {
public:
  explicit ByteReader(const std::string &bytes) : B(bytes) {}
  uint64_t size() const { return B.size(); }
  /// `n` bytes at `offset`; `what` names them for the error ("the end record").
  const uint8_t *at(uint64_t offset, uint64_t n, const char *what) const {
    if (offset > B.size() || n > B.size() - offset)
      throw FormatError(std::string("truncated: ") + what + " at byte " + std::to_string(offset) +
                            " runs past the end of the file (" + std::to_string(B.size()) + " bytes)",
                        0, offset);
    return reinterpret_cast<const uint8_t *>(B.data()) + offset;
  }
  /// A little-endian unsigned number of `bytes` bytes (at most 8) at `offset`.
  uint64_t le(uint64_t offset, int bytes, const char *what) const {
    const uint8_t *p = at(offset, bytes, what);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
  }

private:
  const std::string &B;
};

} // namespace zy::formats

// Zip.h: reading the members of a zip archive (stored or deflated, ZIP64 included), as
// NumPy's .npz files are written.
#pragma once

#include "formats/Bytes.h"

#include <functional>
#include <string>
#include <vector>

namespace zy::formats {

/// Calls `visit` with each member of the zip archive held in `archive`, in the order of
/// its central directory, with the member's name and its bytes (inflated, CRC-checked).
/// A bad archive throws FormatError; an error about one member (also one that `visit`
/// throws) says "member `NAME`: " first, a read past the end of the archive does not. Each member, and all of them together, may
/// inflate to at most MaxDataBytes.
void forEachZipMember(const std::string &archive,
                      const std::function<void(const std::string &name, const std::vector<uint8_t> &bytes)> &visit);

/// A member's name as it can be shown in a message: bytes outside printable ASCII as \xNN.
std::string printableName(const std::string &name);

} // namespace zy::formats

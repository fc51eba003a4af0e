// Paths.h: the `.zy` files that command-line paths name (`zy test`, `zy fmt`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace zy::driver {

/// Adds `path` if it is a file, or every `.zy` file under it if it is a directory, to
/// `out`; a path that does not exist goes to `missing`.
void collectZyFiles(const std::filesystem::path &path, std::vector<std::filesystem::path> &out,
                    std::vector<std::string> &missing);

} // namespace zy::driver

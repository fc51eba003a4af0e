// Paths.cpp: the `.zy` files that command-line paths name.
#include "tools/zy/Paths.h"

namespace fs = std::filesystem;

namespace zy::driver {

void collectZyFiles(const fs::path &path, std::vector<fs::path> &out, std::vector<std::string> &missing) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && it->path().extension() == ".zy") out.push_back(it->path());
    }
  } else if (fs::exists(path, ec)) {
    out.push_back(path);
  } else {
    missing.push_back(path.string());
  }
}

} // namespace zy::driver

// Stdlib.h: the standard library's Zy sources, embedded into the binary at build time
// from stdlib/*.zy (see CMakeLists.txt). prelude.zy's functions are in scope everywhere;
// every other file NAME.zy is the module NAME (nn, optim, ...).
#pragma once

#include <string>
#include <vector>

namespace zy::interp {

struct StdlibFile {
  const char *name;       // "prelude.zy"
  const char *moduleName; // "prelude"
  const char *text;
  bool isPrelude;
};

const std::vector<StdlibFile> &stdlibFiles();

} // namespace zy::interp

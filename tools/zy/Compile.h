// Compile.h: `zy compile`, a traced entry of a .zy file as a shared object with a C ABI.
#pragma once

#include <string>
#include <vector>

namespace zy::driver {

/// The text of `zy help compile`.
extern const char *const CompileUsage;

/// Runs `zy compile ARGS...`; returns the exit status (0, 1 compile error, 2 runtime
/// error, 64 bad command line).
int compileCommand(const std::vector<std::string> &args, bool color);

} // namespace zy::driver

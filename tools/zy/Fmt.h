// Fmt.h: `zy fmt`, the canonical layout of Zy files (compiler/syntax/Formatter.h).
#pragma once

#include <string>
#include <vector>

namespace zy::driver {

extern const char *const FmtUsage;

/// Runs `zy fmt ARGS`; returns the exit status.
int fmtCommand(const std::vector<std::string> &args, bool color);

} // namespace zy::driver

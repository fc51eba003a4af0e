// Export.h: `zy export`, a traced entry of a .zy file as an ONNX model.
#pragma once

#include <string>
#include <vector>

namespace zy::driver {

/// The text of `zy help export`.
extern const char *const ExportUsage;

/// Runs `zy export ARGS...`; returns the exit status (0, 1 compile error or an op ONNX
/// cannot express, 2 runtime error, 64 bad command line).
int exportCommand(const std::vector<std::string> &args, bool color);

} // namespace zy::driver

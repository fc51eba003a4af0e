// Lsp.h: `zy lsp`, the language server (docs/editors.md).
#pragma once

#include <string>
#include <vector>

namespace zy::driver {

extern const char *const LspUsage;

/// Serves the Language Server Protocol on standard input and output until `exit`;
/// returns the exit status (0 after `shutdown` then `exit`).
int lspCommand(const std::vector<std::string> &args);

} // namespace zy::driver

// Repl.h: `zy repl`, the interactive session (see docs/man/zy-repl.md).
#pragma once

#include <string>

namespace zy {

struct ReplOptions {
  bool color = false;    // colour diagnostics (standard error is a terminal)
  bool eager = false;    // `--eager`: every tensor op at once, nothing traced
  std::string history;   // the history file; empty: none
};

/// Runs the session until `:quit` or the end of input. At a terminal it edits lines with
/// libedit and prompts; from a pipe it reads plain lines and prints only results and
/// diagnostics. Returns the exit status: 0, or for piped input the status of the last
/// input that failed (1 compile error, 2 runtime error), so a script can check it.
int runRepl(const ReplOptions &options);

/// True if `text` leaves a bracket, brace or parenthesis open (strings and comments
/// aside): the REPL then reads another line into the same input.
bool leavesBracketOpen(const std::string &text);

} // namespace zy

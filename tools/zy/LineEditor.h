// LineEditor.h: reading lines at a terminal with libedit: editing, a history file, and
// tab completion. The REPL uses it only when standard input is a terminal; piped input
// is read plainly (Repl.cpp).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace zy {

class LineEditor {
public:
  /// Candidates for completing `word` (the text before the cursor back to a space or
  /// bracket; it may hold dots: `p.enc`), given the whole line.
  using Completer = std::function<std::vector<std::string>(const std::string &word, const std::string &line)>;

  /// Loads the history from `historyPath` (none if empty) and installs `completer`.
  /// Once `cancel` (if given) is set, by a signal handler say, the line being read ends
  /// as at end of input; the caller tells the two apart by the flag.
  LineEditor(std::string historyPath, Completer completer, const std::atomic<bool> *cancel = nullptr);
  /// Saves the history.
  ~LineEditor();

  /// Shows `prompt` and reads a line (without its newline); nullopt at end of input, and
  /// once `cancel` is set.
  std::optional<std::string> readLine(const std::string &prompt);
  /// Adds an entry to the history (and to the file).
  void remember(const std::string &entry);

private:
  std::string HistoryPath;
};

} // namespace zy

// LineEditor.cpp: libedit's readline interface behind LineEditor (see LineEditor.h).
#include "tools/zy/LineEditor.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <editline/readline.h>

namespace zy {

namespace {

// libedit calls back through plain function pointers, so the completer and the
// candidates of the completion in progress live here (there is one editor at a time).
LineEditor::Completer ActiveCompleter;
std::vector<std::string> Candidates;

char *nextCandidate(const char *, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  if (next >= Candidates.size()) return nullptr;
  return strdup(Candidates[next++].c_str()); // libedit frees it
}

char **complete(const char *text, int, int) {
  rl_attempted_completion_over = 1; // no file-name completion when nothing matches
  Candidates = ActiveCompleter ? ActiveCompleter(text, rl_line_buffer ? rl_line_buffer : "") : std::vector<std::string>{};
  if (Candidates.empty()) return nullptr;
  return rl_completion_matches(text, nextCandidate);
}

// Dots are part of a word, so `p.enc<TAB>` completes a field of `p`.
char WordBreaks[] = " \t\n\"'`@$><=;|&{([,+-*/%~^!:])}";

} // namespace

LineEditor::LineEditor(std::string historyPath, Completer completer) : HistoryPath(std::move(historyPath)) {
  rl_readline_name = "zy";
  rl_initialize();
  ActiveCompleter = std::move(completer);
  rl_attempted_completion_function = complete;
  rl_completer_word_break_characters = WordBreaks;
  rl_basic_word_break_characters = WordBreaks;
  stifle_history(1000);
  if (!HistoryPath.empty()) read_history(HistoryPath.c_str());
}

LineEditor::~LineEditor() {
  if (!HistoryPath.empty()) write_history(HistoryPath.c_str());
  ActiveCompleter = nullptr;
}

std::optional<std::string> LineEditor::readLine(const std::string &prompt) {
  char *line = readline(prompt.c_str());
  if (!line) return std::nullopt;
  std::string out = line;
  std::free(line);
  return out;
}

void LineEditor::remember(const std::string &entry) {
  add_history(entry.c_str());
  // Written at once, so a session that ends badly keeps its history.
  if (!HistoryPath.empty()) write_history(HistoryPath.c_str());
}

} // namespace zy

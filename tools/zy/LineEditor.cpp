// LineEditor.cpp: libedit's readline interface behind LineEditor (see LineEditor.h).
#include "tools/zy/LineEditor.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <editline/readline.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

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

const std::atomic<bool> *CancelFlag = nullptr; // the editor's `cancel`

/// Reads one byte for libedit, or ends the line (as end of input does) once the cancel
/// flag is set: by a SIGINT handler (the REPL's Ctrl-C) while waiting here, or earlier,
/// while libedit was busy (completing). SIGINT is blocked except inside ppoll, which
/// unblocks it atomically, so a signal cannot slip in between the flag's check and the
/// wait. (libedit's own reader retries an interrupted read and waits for another key.)
int readByte(FILE *in) {
  sigset_t interrupt, outside;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupt, &outside);
  int result = EOF;
  while (!(CancelFlag && CancelFlag->load())) {
    struct pollfd ready {fileno(in), POLLIN, 0};
    if (::ppoll(&ready, 1, nullptr, &outside) < 0) {
      if (errno == EINTR) continue; // a signal: look at the flag again
      break;
    }
    unsigned char c;
    ssize_t got = ::read(fileno(in), &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got == 1) result = c;
    break;
  }
  pthread_sigmask(SIG_SETMASK, &outside, nullptr);
  return result;
}

// Dots are part of a word, so `p.enc<TAB>` completes a field of `p`.
char WordBreaks[] = " \t\n\"'`@$><=;|&{([,+-*/%~^!:])}";

} // namespace

LineEditor::LineEditor(std::string historyPath, Completer completer, const std::atomic<bool> *cancel)
    : HistoryPath(std::move(historyPath)) {
  CancelFlag = cancel;
  rl_readline_name = "zy";
  // libedit's own SIGINT handler re-raises the signal to the whole process group, which
  // kills the REPL; the REPL's handler (Repl.cpp) makes Ctrl-C cancel the line instead.
  rl_catch_signals = 0;
  rl_getc_function = readByte;
  rl_initialize();
  ActiveCompleter = std::move(completer);
  rl_attempted_completion_function = complete;
  // A tensor has well over 100 methods (every prelude function): list them without asking.
  rl_completion_query_items = 400;
  rl_completer_word_break_characters = WordBreaks;
  rl_basic_word_break_characters = WordBreaks;
  stifle_history(1000);
  if (!HistoryPath.empty()) read_history(HistoryPath.c_str());
}

LineEditor::~LineEditor() {
  if (!HistoryPath.empty()) write_history(HistoryPath.c_str());
  ActiveCompleter = nullptr;
  CancelFlag = nullptr;
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

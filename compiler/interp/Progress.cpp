// Progress.cpp: drawing the progress bar on standard error, and `bar.set(...)`, the running
// metrics a loop body reports to it. On a terminal the bar is one line redrawn in place,
// cut to the terminal's width (so it never wraps into a stack of half-lines); off a
// terminal (a log, a pipe, TERM=dumb) it is a plain line every 10%, never cut. In a job
// of several processes only rank 0 draws it.
#include "interp/Progress.h"

#include "dist/Communicator.h"
#include "interp/Interpreter.h"
#include "interp/TensorOps.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace zy::interp {

namespace {
std::string clock(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%02d:%02d", s / 60, s % 60);
  return buf;
}
/// The width of the terminal on standard error: its window size, else $COLUMNS, else 80.
/// Asked at each redraw (ten times a second at most), so a resized window is followed.
size_t terminalWidth() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char *columns = std::getenv("COLUMNS"))
    if (int n = std::atoi(columns); n > 0) return static_cast<size_t>(n);
  return 80;
}

/// The columns `text` takes: one per UTF-8 character (wide characters count as one).
size_t columns(const std::string &text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

/// `text` cut to at most `width` columns, at a character boundary.
std::string cutTo(const std::string &text, size_t width) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i)
    if ((text[i] & 0xC0) != 0x80 && seen++ == width) return text.substr(0, i);
  return text;
}

/// A label or metric shown on the redrawn line, with control characters (a newline in
/// a label would break the line) shown as spaces.
std::string oneLine(std::string text) {
  for (char &c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return text;
}

bool drawsOnTerminal() {
  if (!isatty(STDERR_FILENO)) return false;
  const char *term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0); // a terminal that cannot redraw a line
}

} // namespace

void ProgressState::set(const std::string &name, std::string text) {
  for (auto &[key, value] : metrics)
    if (key == name) {
      value = std::move(text);
      return;
    }
  metrics.emplace_back(name, std::move(text));
}

std::string ProgressState::metricsText() const {
  std::string out;
  for (const auto &[key, value] : metrics) out += (out.empty() ? "" : ", ") + key + " " + value;
  return out;
}

Value progressSetMethod(std::shared_ptr<ProgressState> state) {
  return Value::makeBuiltin("set", [state](Interpreter &in, CallArgs &a) {
    if (!a.positional.empty() || a.keywords.empty())
      in.fail(a.span, "`set` takes metrics by name, as in `bar.set(loss = l)`");
    for (auto &[name, v] : a.keywords) {
      char buf[64];
      if (v.kind == ValueKind::Str) {
        state->set(name, *v.str);
        continue;
      }
      if (v.kind == ValueKind::Int) { // exactly: a double would round (or overflow) past 2^53
        state->set(name, std::to_string(v.i));
        continue;
      }
      double x;
      bool integral;
      if (v.kind == ValueKind::Tensor && v.tensor->size() == 1) {
        const Tensor &t = concrete(in, *v.tensor, a.span, "a progress metric");
        x = t.get(0);
        integral = t.dtype() == DType::I32 || t.dtype() == DType::Bool;
      } else if (v.isNumber()) {
        x = v.number();
        integral = v.kind == ValueKind::Bool;
      } else {
        in.fail(a.span, "the metric `" + name + "` must be a number, a one-element tensor or a str, got " + typeName(v));
      }
      if (integral) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
      else std::snprintf(buf, sizeof buf, "%.4g", x);
      state->set(name, buf);
    }
    return Value::none();
  });
}

ProgressBar::ProgressBar(int64_t total, std::shared_ptr<const ProgressState> state)
    : Total(total), State(std::move(state)), Terminal(drawsOnTerminal()), Shown(dist::world().rank() == 0), Start(std::chrono::steady_clock::now()),
      LastDraw(Start) {}

void ProgressBar::update(int64_t done) {
  if (!Shown) return;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - Start).count();
  double rate = elapsed > 0 ? done / elapsed : 0;
  double eta = rate > 0 ? (Total - done) / rate : 0;
  double fraction = Total > 0 ? static_cast<double>(done) / Total : 1;
  std::string prefix = State->label.empty() ? "" : State->label + " ";
  std::string metrics = State->metricsText();
  if (Terminal) {
    // Redraw at most 10 times a second, and always at the end.
    if (done < Total && std::chrono::duration<double>(now - LastDraw).count() < 0.1) return;
    LastDraw = now;
    // The label, the count and times, the bar if there is room for 10 of its 30
    // characters, the metrics, and all of it cut to one column less than the terminal (a line that fills the last column
    // makes some terminals wrap).
    size_t room = terminalWidth() - 1;
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, " %lld/%lld [%s<%s, %.1f it/s]", static_cast<long long>(done),
                  static_cast<long long>(Total), clock(elapsed).c_str(), clock(eta).c_str(), rate);
    char percent[16];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100));
    // The label yields first (the percentage and count matter more), down to a third
    // of the line; then the metrics and the times are what the final cut takes off.
    std::string label = oneLine(State->label);
    size_t core = columns(percent) + columns(numbers) + 1;
    label = cutTo(label, std::max(room > core ? room - core : 0, room / 3));
    std::string head = (label.empty() ? "" : label + " ") + percent, tail = numbers;
    if (!metrics.empty()) tail += ' ' + oneLine(metrics);
    size_t used = columns(head) + columns(tail) + 3; // the bar's " [" and "]"
    size_t width = used < room ? std::min<size_t>(30, room - used) : 0;
    std::string line = head;
    if (width >= 10) {
      size_t filled = static_cast<size_t>(fraction * static_cast<double>(width));
      line += " [" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
    }
    line = cutTo(line + tail, room);
    // \x1b[K clears what a longer earlier line left to the right.
    std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
    std::fflush(stderr);
    return;
  }
  int decile = static_cast<int>(fraction * 10);
  if (decile == LastDecile || (decile == 10 && done < Total)) return;
  LastDecile = decile;
  std::fprintf(stderr, "%s%3d%% %lld/%lld elapsed %s, eta %s, %.1f it/s%s%s\n", prefix.c_str(), decile * 10,
               static_cast<long long>(done), static_cast<long long>(Total), clock(elapsed).c_str(), clock(eta).c_str(), rate,
               metrics.empty() ? "" : ", ", metrics.c_str());
}

void ProgressBar::finish() {
  if (Shown && Terminal && !Finished) std::fprintf(stderr, "\n");
  Finished = true;
}

ProgressBar::~ProgressBar() { finish(); } // a loop left by an error (or Ctrl-C) ends the line too

} // namespace zy::interp

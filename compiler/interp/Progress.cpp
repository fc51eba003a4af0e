// Progress.cpp: drawing the progress bar on standard error.
#include "interp/Progress.h"

#include <cstdio>
#include <unistd.h>

namespace zy::interp {

namespace {
std::string clock(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%02d:%02d", s / 60, s % 60);
  return buf;
}
} // namespace

ProgressBar::ProgressBar(int64_t total, std::string label)
    : Total(total), Label(std::move(label)), Terminal(isatty(STDERR_FILENO)), Start(std::chrono::steady_clock::now()),
      LastDraw(Start) {}

void ProgressBar::update(int64_t done) {
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - Start).count();
  double rate = elapsed > 0 ? done / elapsed : 0;
  double eta = rate > 0 ? (Total - done) / rate : 0;
  double fraction = Total > 0 ? static_cast<double>(done) / Total : 1;
  std::string prefix = Label.empty() ? "" : Label + " ";
  if (Terminal) {
    // Redraw at most 10 times a second, and always at the end.
    if (done < Total && std::chrono::duration<double>(now - LastDraw).count() < 0.1) return;
    LastDraw = now;
    const int width = 30;
    int filled = static_cast<int>(fraction * width);
    std::string bar(filled, '#');
    bar += std::string(width - filled, '.');
    std::fprintf(stderr, "\r%s%3d%% [%s] %lld/%lld [%s<%s, %.1f it/s] ", prefix.c_str(), static_cast<int>(fraction * 100),
                 bar.c_str(), static_cast<long long>(done), static_cast<long long>(Total), clock(elapsed).c_str(),
                 clock(eta).c_str(), rate);
    std::fflush(stderr);
    return;
  }
  int decile = static_cast<int>(fraction * 10);
  if (decile == LastDecile || (decile == 10 && done < Total)) return;
  LastDecile = decile;
  std::fprintf(stderr, "%s%3d%% %lld/%lld elapsed %s, eta %s, %.1f it/s\n", prefix.c_str(), decile * 10,
               static_cast<long long>(done), static_cast<long long>(Total), clock(elapsed).c_str(), clock(eta).c_str(), rate);
}

void ProgressBar::finish() {
  if (Terminal) std::fprintf(stderr, "\n");
}

} // namespace zy::interp

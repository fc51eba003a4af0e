// Progress.h: a progress bar for `for x in progress(xs)`: count, rate and ETA on one
// redrawn line on a terminal, a plain line every 10% otherwise (logs, CI).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace zy::interp {

class ProgressBar {
public:
  ProgressBar(int64_t total, std::string label);
  /// Reports that `done` of the total have finished.
  void update(int64_t done);
  /// Ends the bar's line.
  void finish();

private:
  int64_t Total;
  std::string Label;
  bool Terminal;
  int LastDecile = -1;
  std::chrono::steady_clock::time_point Start, LastDraw;
};

} // namespace zy::interp

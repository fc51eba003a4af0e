// Progress.h: a progress bar for `for x in progress(xs)`: count, rate, ETA and the
// running metrics the loop reports with `bar.set(loss = l)`, on one redrawn line cut to
// the terminal's width when standard error is a terminal, a plain line every 10%
// otherwise (logs, CI, TERM=dumb).
#pragma once

#include "interp/Value.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace zy::interp {

/// What a progress(...) list carries: its label, and the latest value of each metric
/// the loop body set (name and formatted value, in the order first set).
struct ProgressState {
  std::string label;
  std::vector<std::pair<std::string, std::string>> metrics;
  /// Sets (or replaces) one metric.
  void set(const std::string &name, std::string text);
  /// "loss 0.2513, acc 0.91", or "" with no metrics.
  std::string metricsText() const;
};

/// `bar.set(name = value, ...)` on a list from progress(...): a builtin that records
/// each keyword as a metric of `state` (numbers, one-element tensors or strings).
Value progressSetMethod(std::shared_ptr<ProgressState> state);

class ProgressBar {
public:
  ProgressBar(int64_t total, std::shared_ptr<const ProgressState> state);
  ~ProgressBar();
  ProgressBar(const ProgressBar &) = delete;
  ProgressBar &operator=(const ProgressBar &) = delete;
  /// Reports that `done` of the total have finished.
  void update(int64_t done);
  /// Ends the bar's line (once; the destructor calls it too).
  void finish();

private:
  int64_t Total;
  std::shared_ptr<const ProgressState> State;
  bool Terminal;
  bool Shown; // on rank 0 only, in a job of several processes
  bool Finished = false;
  int LastDecile = -1;
  std::chrono::steady_clock::time_point Start, LastDraw;
};

} // namespace zy::interp

// Timing.cpp: the phase clock behind `zy run --time` (see Timing.h).
#include "support/Timing.h"

#include <atomic>
#include <chrono>
#include <cstdio>

namespace zy::timing {

namespace {

std::array<std::atomic<double>, PhaseCount> Spent{};
thread_local Scope *Innermost = nullptr;

void add(Phase phase, double millis) {
  std::atomic<double> &slot = Spent[static_cast<size_t>(phase)];
  double old = slot.load();
  while (!slot.compare_exchange_weak(old, old + millis)) {
  }
}

} // namespace

double nowMillis() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

const char *phaseName(Phase phase) {
  static const char *names[PhaseCount] = {"parse", "trace", "autodiff", "optimise", "llvm", "run"};
  return names[static_cast<size_t>(phase)];
}

Totals totals() {
  Totals out;
  for (size_t i = 0; i < PhaseCount; ++i) out[i] = Spent[i].load();
  return out;
}

// The outer scope is paused while an inner one runs: its time so far is banked, and its
// clock restarts when the inner scope ends.
Scope::Scope(Phase phase) : Which(phase), Outer(Innermost), Start(nowMillis()) {
  if (Outer) add(Outer->Which, Start - Outer->Start);
  Innermost = this;
}

Scope::~Scope() {
  double now = nowMillis();
  add(Which, now - Start);
  Innermost = Outer;
  if (Outer) Outer->Start = now;
}

Totals spentSince(const Totals &before) {
  Totals now = totals();
  for (size_t i = 0; i < PhaseCount; ++i) now[i] -= before[i];
  return now;
}

std::string report(const Totals &since, double totalMillis, double checkMillis) {
  Totals now = totals();
  std::string out;
  char line[128];
  std::snprintf(line, sizeof line, "time: %.3f ms total\n", totalMillis);
  out += line;
  double counted = 0;
  auto row = [&](const char *name, double millis, const char *what) {
    double percent = totalMillis > 0 ? 100.0 * millis / totalMillis : 0;
    std::snprintf(line, sizeof line, "  %-9s %11.3f ms %6.1f%%  %s\n", name, millis, percent, what);
    out += line;
  };
  static const char *what[PhaseCount] = {
      "reading source into the AST", "interpreting functions into graphs", "building gradient graphs",
      "simplifying graphs", "generating and compiling native code", "running graphs"};
  for (size_t i = 0; i < PhaseCount; ++i) {
    double millis = now[i] - since[i];
    counted += millis;
    row(phaseName(static_cast<Phase>(i)), millis, what[i]);
    if (static_cast<Phase>(i) == Phase::Parse && checkMillis > 0) {
      counted += checkMillis;
      row("check", checkMillis, "checking the whole program before it runs");
    }
  }
  double host = totalMillis - counted;
  row("host", host > 0 ? host : 0, "the interpreter, I/O and eager tensor ops");
  return out;
}

} // namespace zy::timing

// Timing.h: where the time goes: wall-clock time per compiler phase, for `zy run --time`
// and the REPL's `:time`.
//
// A Phase scope counts the time it is alive towards its phase. Scopes nest, and the time
// of an inner scope is not counted in the outer one (a trace that differentiates counts
// the differentiation as autodiff, not trace), so the phases never add up to more than
// the time measured; what is left over is host code (the interpreter, I/O, eager ops).
// Scopes are meant for the driver's thread: the JIT's worker threads run inside a scope
// that thread holds.
#pragma once

#include <array>
#include <string>

namespace zy::timing {

enum class Phase { Parse, Trace, Autodiff, Optimise, Llvm, Run };
constexpr size_t PhaseCount = 6;

/// "parse", "trace", "autodiff", "optimise", "llvm", "run".
const char *phaseName(Phase phase);

/// Milliseconds spent in each phase since the process started.
using Totals = std::array<double, PhaseCount>;
Totals totals();

/// Counts the time until it is destroyed towards `phase` (see above).
class Scope {
public:
  explicit Scope(Phase phase);
  ~Scope();
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;

private:
  Phase Which;
  Scope *Outer;
  double Start; // milliseconds, steady clock
};

/// Milliseconds on the steady clock, for measuring totals.
double nowMillis();

/// The breakdown of `since`..now over `totalMillis` as lines for a terminal:
///   time: 1234.5 ms total
///     parse       1.2 ms    0.1%
///     check       ...        (when checkMillis > 0: the whole-program check, all of it)
///     ...
///     host        ...        (the interpreter, I/O and eager tensor ops)
/// The phases' time inside the check must be in `since`, so that it is not counted twice.
std::string report(const Totals &since, double totalMillis, double checkMillis = 0);

/// What each phase spent between `before` and now (to leave a stretch out of a report).
Totals spentSince(const Totals &before);

} // namespace zy::timing

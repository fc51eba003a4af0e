// Collector.h: reclaims scopes that only closures keep alive.
//
// A closure holds the scope it was made in (a shared_ptr<Env>), and a closure bound in
// that scope (`let f = |x| ...`, a local `fn`) is held by it: the two keep each other
// alive after the block or call has ended, so a loop that makes closures would grow
// without bound. Every scope of an interpreter is registered here, and when the number
// of live scopes passes a threshold the collector finds the scopes that nothing outside
// the graph of scopes, closures, lists and records refers to, and empties them, which
// frees the cycle. It is the trial deletion of CPython's gc: a node is referenced from
// outside when its shared_ptr count exceeds the references found inside the graph; what
// such a node reaches is alive; the rest is garbage. Anything it cannot look into (a
// builtin's captured values, the tracer's caches, a Value on the C++ stack) counts as a
// reference from outside, so the collector can only ever keep too much, never free a
// scope still in use.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

namespace zy::interp {

struct Env;

/// The live scopes of one interpreter, in an intrusive list (Env links itself in).
/// The list is guarded by a mutex: an embedding host may drop the last handle on a
/// value (and so free a scope) on another thread than the session's.
struct EnvRegistry {
  std::mutex mutex;
  Env *head = nullptr;
  size_t live = 0;
  /// Collect when `live` passes this; afterwards it is twice what survived (at least
  /// MinThreshold), so collections cost O(1) amortised per scope made.
  size_t threshold = MinThreshold;
  static constexpr size_t MinThreshold = 2048;

  void link(Env *env);
  void unlink(Env *env);
};

/// Frees the scopes only cycles keep alive; returns how many it emptied.
size_t collectCycles(EnvRegistry &registry);

/// Runs collectCycles when enough scopes are alive. Call it only where every scope in
/// use is held by a shared_ptr (the interpreter's entry into a call or block).
inline void maybeCollect(EnvRegistry &registry) {
  if (registry.live > registry.threshold) collectCycles(registry);
}

/// At the end of a block or call: if `env` (which the caller holds and is about to let
/// go) is otherwise kept alive only by cycles through its own variables (a closure bound
/// in it), empties it now, with the scopes only it kept, so a loop's scopes and the
/// tensors in them are freed at once.
/// Returns whether it did. Cheap when nothing captured the scope (one count compare).
bool releaseIfOnlyCycles(const std::shared_ptr<Env> &env);

/// Empties every scope of the registry (the interpreter is going away): breaks all
/// cycles, including the module scopes', so that nothing is left for LeakSanitizer.
void releaseAll(EnvRegistry &registry);

} // namespace zy::interp

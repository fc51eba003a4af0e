// Scoped.h: a variable set to a value for a scope and restored however the scope ends
// (return or exception). The interpreter's current trace, its trace output and its
// params context are swapped this way wherever a function is traced, a loop body is
// staged or init runs, so no error path can leave a stale pointer behind.
#pragma once

namespace zy {

template <typename T> class Scoped {
public:
  Scoped(T &slot, T value) : Slot(slot), Saved(slot) { Slot = value; }
  ~Scoped() { Slot = Saved; }
  Scoped(const Scoped &) = delete;
  Scoped &operator=(const Scoped &) = delete;

private:
  T &Slot;
  T Saved;
};

} // namespace zy

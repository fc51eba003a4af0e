// RandomNodes.h: random attributes and operand types for fuzzing the op table, shared by
// the kernel fuzz test (OpTableTests.cpp) and the transformation-rule test (RuleTests.cpp).
// Most draws are ill-typed and rejected by inferType; the well-typed rest covers every
// primitive with attributes no hand-written test would think of.
#pragma once

#include "ir/Ir.h"

#include <random>

namespace zy::test {

class RandomNodes {
public:
  explicit RandomNodes(uint32_t seed) : Rng(seed) {}

  std::mt19937 &rng() { return Rng; }
  template <typename T> const T &pick(const std::vector<T> &options) { return options[Rng() % options.size()]; }

  /// Up to n ints in [lo, hi].
  std::vector<int64_t> ints(int n, int lo, int hi) {
    std::vector<int64_t> out(Rng() % (n + 1));
    for (int64_t &v : out) v = lo + static_cast<int>(Rng() % (hi - lo + 1));
    return out;
  }

  /// Attributes for a node whose (first) operand has `shape`; `lineUp` makes slices and
  /// pads that fit the shape more often.
  ir::Attrs attrs(const Shape &shape, const std::vector<DType> &dtypes, const std::vector<Shape> &shapes,
                  const std::vector<double> &values, bool lineUp) {
    ir::Attrs a;
    a.dtype = pick(dtypes);
    a.axes = ints(3, -3, 3);
    a.keepdims = Rng() % 2;
    a.shape = Rng() % 4 ? pick(shapes) : ints(3, -1, 4);
    a.perm = ints(3, -1, 3);
    a.starts = ints(3, -1, 4);
    a.stops = ints(3, -1, 4);
    a.steps = ints(3, -1, 3);
    a.lo = ints(3, -1, 2);
    a.hi = ints(3, -1, 2);
    a.axis = static_cast<int>(Rng() % 7) - 3;
    a.value = pick(values);
    if (lineUp) {
      a.starts.assign(shape.size(), 0);
      a.stops = shape;
      a.steps.assign(shape.size(), 1 + Rng() % 2);
      a.lo.assign(shape.size(), Rng() % 2);
      a.hi.assign(shape.size(), Rng() % 2);
    }
    return a;
  }

private:
  std::mt19937 Rng;
};

} // namespace zy::test

// JitTests.cpp: the LLVM JIT (compiler/jit) against the reference executor: every
// primitive on every dtype it takes (NaN, infinities, zeros, int32 overflow included),
// fused chains of movement ops, BLAS matmul with folded transposes, indexing, scans,
// zero-size tensors, the threaded path of large loops, the arena's buffer reuse, and
// jit::run's cache. Inputs come from a fixed LCG, so every run sees the same numbers.
#include "ir/Builder.h"
#include "ir/Executor.h"
#include "ir/OpTable.h"
#include "jit/Jit.h"
#include "jit/Plan.h"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <sstream>

using namespace zy;
using namespace zy::ir;

namespace {

constexpr DType Bool = DType::Bool, I32 = DType::I32, F32 = DType::F32, F64 = DType::F64;
const double NaN = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();
const double IntMax = 2147483647.0, IntMin = -2147483648.0;

/// A tiny linear congruential generator (Knuth's MMIX constants): deterministic inputs.
struct Lcg {
  uint64_t state;
  explicit Lcg(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
  double unit() { // [0, 1)
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1p-53;
  }
  int64_t integer(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(unit() * static_cast<double>(hi - lo + 1)); }
};

/// A tensor whose first elements are `specials` and the rest pseudo-random: floats in
/// [-range, range] (one in eight exactly 0, one in eight a half-integer), i32 integers in
/// [-range, range], bools either way.
Tensor sample(DType d, const Shape &shape, uint64_t seed, double range = 3, const std::vector<double> &specials = {}) {
  Tensor t(d, shape);
  Lcg r(seed);
  auto whole = static_cast<int64_t>(range);
  for (int64_t i = 0; i < t.size(); ++i) {
    if (i < static_cast<int64_t>(specials.size())) t.set(i, specials[i]);
    else if (d == Bool) t.set(i, r.unit() < 0.5);
    else if (d == I32) t.set(i, static_cast<double>(r.integer(-whole, whole)));
    else {
      int64_t kind = r.integer(0, 7);
      t.set(i, kind == 0 ? 0.0 : kind == 1 ? static_cast<double>(r.integer(-whole, whole)) + 0.5 : range * (2 * r.unit() - 1));
    }
  }
  return t;
}

/// Checks `got` against the reference's `want`: the same type; f32 within 1e-5 and f64
/// within 1e-12 of want's largest finite magnitude (NaN matches NaN, infinities match
/// exactly); i32, bool, and anything `exact`, equal.
void checkSame(const Tensor &want, const Tensor &got, const std::string &what, bool exact = false) {
  INFO(what);
  REQUIRE(typeString(got.dtype(), got.shape()) == typeString(want.dtype(), want.shape()));
  double scale = 0;
  for (int64_t i = 0; i < want.size(); ++i)
    if (std::isfinite(want.get(i))) scale = std::max(scale, std::fabs(want.get(i)));
  double tolerance = exact ? 0 : (want.dtype() == F32 ? 1e-5 : want.dtype() == F64 ? 1e-12 : 0) * scale;
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < want.size(); ++i) {
    double a = want.get(i), b = got.get(i);
    bool same = (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= tolerance;
    if (!same && bad++ == 0) first = i;
  }
  std::ostringstream text;
  if (bad)
    text.precision(17), text << bad << " of " << want.size() << " elements differ; first, element " << first
                             << ": JIT " << got.get(first) << ", reference " << want.get(first);
  CHECK_MESSAGE(bad == 0, text.str());
}

/// Runs compiled `exe` and the reference executor on `inputs` and compares every output.
std::vector<Tensor> compareRun(const Graph &g, const jit::Executable &exe, const std::vector<Tensor> &inputs,
                               const std::string &label, const std::vector<std::string> &names = {}, bool exact = false) {
  INFO(label << "\n" << printGraph(g));
  std::vector<Tensor> want = execute(g, inputs);
  std::vector<Tensor> got = exe.run(g, inputs);
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k)
    checkSame(want[k], got[k], label + ", output " + std::to_string(k) + (k < names.size() ? " (" + names[k] + ")" : ""), exact);
  return got;
}

/// Compiles `g` and compares it with the reference executor on `inputs`.
std::vector<Tensor> checkJit(const Graph &g, const std::vector<Tensor> &inputs, const std::string &label,
                             const std::vector<std::string> &names = {}, bool exact = false) {
  std::shared_ptr<const jit::Executable> exe = jit::compile(g);
  return compareRun(g, *exe, inputs, label, names, exact);
}

std::string axesName(const std::vector<int64_t> &axes, bool keep) {
  return "axes " + shapeString(axes) + (keep ? " keepdims" : "");
}
std::vector<int64_t> swapLastTwo(size_t rank) {
  std::vector<int64_t> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[rank - 2], perm[rank - 1]);
  return perm;
}
Shape cat(Shape a, const Shape &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Restores the JIT's options when a test that changes them ends.
struct OptionsGuard {
  jit::Options saved = jit::options();
  ~OptionsGuard() { jit::options() = saved; }
};

const std::vector<double> FloatSpecials = {NaN, Inf, -Inf, 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 0.999, -0.999, 1e-4, -1e-4};
const std::vector<double> WideSpecials = {9.5, -9.5, 20.5, -20.5, 50, -50, 88.5, 100, -100, 1e-30, -1e-30, 1e10, -1e10, 709.5};

} // namespace

// ================================================================ elementwise

TEST_CASE("jit: every unary op matches the reference on f32 and f64, NaN and infinities included") {
  for (DType d : {F32, F64})
    for (Op op : {Op::Neg, Op::Abs, Op::Sign, Op::Exp, Op::Log, Op::Log1p, Op::Sqrt, Op::Sin, Op::Cos, Op::Atan, Op::Tanh,
                  Op::Erf, Op::ErfInv, Op::Floor, Op::Ceil, Op::Round, Op::StopGradient}) {
      Graph g;
      Builder b(g);
      g.outputs = {b.add(op, {b.input(d, {8, 10})})};
      auto exe = jit::compile(g);
      std::string label = std::string(opInfo(op).name) + " on " + dtypeName(d);
      compareRun(g, *exe, {sample(d, {8, 10}, 1, 3, FloatSpecials)}, label);
      compareRun(g, *exe, {sample(d, {8, 10}, 2, 100, WideSpecials)}, label + ", wide inputs");
    }
}

TEST_CASE("jit: neg, abs and sign on i32 wrap at the int32 range; not on bool") {
  for (Op op : {Op::Neg, Op::Abs, Op::Sign}) {
    Graph g;
    Builder b(g);
    g.outputs = {b.add(op, {b.input(I32, {5, 7})})};
    checkJit(g, {sample(I32, {5, 7}, 3, 50, {IntMin, IntMax, IntMin + 1, 0, -1, 1})}, opInfo(op).name);
  }
  Graph g;
  Builder b(g);
  int x = b.input(Bool, {4, 9}), y = b.input(Bool, {4, 9});
  g.outputs = {b.add(Op::Not, {x}), b.add(Op::Not, {b.add(Op::And, {x, b.add(Op::Not, {y})})})};
  checkJit(g, {sample(Bool, {4, 9}, 4), sample(Bool, {4, 9}, 5)}, "not");
}

TEST_CASE("jit: cast between every pair of dtypes truncates, saturates, maps NaN to 0 and nonzero to true") {
  std::vector<std::pair<DType, Tensor>> sources = {
      {F32, sample(F32, {4, 8}, 6, 5,
                   {NaN, Inf, -Inf, 3e9, -3e9, 2147483520.0, IntMin, 2.7, -2.7, 0.5, -0.5, -0.0, 1e-30, 16777217, -1.0})},
      {F64, sample(F64, {4, 8}, 7, 5,
                   {NaN, Inf, -Inf, 3e9, -3e9, 2147483647.9, -2147483648.9, 2147483648.0, 1e300, 1e-300, -2.7, 0.1, -0.0})},
      {I32, sample(I32, {4, 8}, 8, 1000, {IntMax, IntMin, 16777217, -16777217, 0, 1, -1, 2147483584})},
      {Bool, sample(Bool, {4, 8}, 9)},
  };
  for (auto &[from, input] : sources)
    for (DType to : {Bool, I32, F32, F64}) {
      Graph g;
      Builder b(g);
      g.outputs = {b.add(Op::Cast, {b.input(from, {4, 8})}, {.dtype = to})};
      checkJit(g, {input}, std::string("cast ") + dtypeName(from) + " -> " + dtypeName(to), {}, true);
    }
}

TEST_CASE("jit: binary and comparison ops on f32 and f64, with zeros, NaN, infinities and equal operands") {
  std::vector<double> a = {NaN, 1, Inf, Inf, -Inf, -7, 7, -7, 5.5, -0.0, 0, 2, -8, 0, 3, -3, 7, 0, -0.0, 1};
  std::vector<double> c = {1, NaN, Inf, -Inf, Inf, 3, -3, -3, 2, 0, 0, -0.5, 1 / 3.0, -1, 0, 0, Inf, -0.0, 0, -Inf};
  const std::vector<Op> ops = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Mod, Op::Pow, Op::Max, Op::Min,
                               Op::Eq,  Op::Ne,  Op::Lt,  Op::Le,  Op::Gt,  Op::Ge};
  for (DType d : {F32, F64}) {
    Tensor x = sample(d, {6, 11}, 10, 4, a), y = sample(d, {6, 11}, 11, 4, c);
    Tensor ys(d, y.shape()); // every fifth random pair equal, for the comparisons
    for (int64_t i = 0; i < y.size(); ++i) ys.set(i, i >= 20 && i % 5 == 0 ? x.get(i) : y.get(i));
    Graph g;
    Builder b(g);
    int p = b.input(d, {6, 11}), q = b.input(d, {6, 11});
    std::vector<std::string> names;
    for (Op op : ops) g.outputs.push_back(b.add(op, {p, q})), names.push_back(opInfo(op).name);
    checkJit(g, {x, ys}, std::string("binary ops on ") + dtypeName(d), names);
  }
}

TEST_CASE("jit: i32 binary ops floor-divide, give 0 when dividing by 0, and wrap on overflow") {
  std::vector<double> a = {7, 0, -7, -7, 7, -7, IntMax, IntMin, IntMin, 65536, 2, 2, 0, -2, IntMax, IntMin, 5, -5, 3, -3, IntMin, IntMax};
  std::vector<double> c = {0, 0, 0, 2, -2, -2, 1, -1, 1, 65536, 31, -1, -1, 3, -1, IntMax, 5, 5, -7, 7, IntMin, IntMax};
  Graph g;
  Builder b(g);
  int p = b.input(I32, {4, 9}), q = b.input(I32, {4, 9});
  std::vector<std::string> names;
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Mod, Op::Pow, Op::Max, Op::Min, Op::Eq, Op::Ne, Op::Lt, Op::Le,
                Op::Gt, Op::Ge})
    g.outputs.push_back(b.add(op, {p, q})), names.push_back(opInfo(op).name);
  checkJit(g, {sample(I32, {4, 9}, 12, 20, a), sample(I32, {4, 9}, 13, 20, c)}, "i32 binary ops", names);
}

TEST_CASE("jit: and, or and comparisons on bool; where on every dtype") {
  Graph g;
  Builder b(g);
  int p = b.input(Bool, {5, 6}), q = b.input(Bool, {5, 6});
  for (Op op : {Op::And, Op::Or, Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge}) g.outputs.push_back(b.add(op, {p, q}));
  for (DType d : {Bool, I32, F32, F64}) {
    int x = b.input(d, {5, 6}), y = b.input(d, {5, 6});
    g.outputs.push_back(b.add(Op::Where, {p, x, y}));
  }
  std::vector<Tensor> inputs = {sample(Bool, {5, 6}, 14), sample(Bool, {5, 6}, 15)};
  int seed = 16;
  for (DType d : {Bool, I32, F32, F64})
    for (int k = 0; k < 2; ++k) inputs.push_back(sample(d, {5, 6}, seed++, 9, {NaN, Inf}));
  checkJit(g, inputs, "bool ops and where");
}

// ================================================================ reductions

TEST_CASE("jit: sum, max and min over every subset of axes of a rank-3 tensor, on the input and on a fused chain") {
  for (DType d : {F32, F64, I32}) {
    Graph g;
    Builder b(g);
    int x = b.input(d, {3, 4, 5});
    int chain = b.add(Op::Sub, {b.add(Op::Mul, {x, x}), b.add(Op::Abs, {x})});
    std::vector<std::string> names;
    for (int source : {x, chain})
      for (Op op : {Op::ReduceSum, Op::ReduceMax, Op::ReduceMin})
        for (int mask = 0; mask < 8; ++mask)
          for (bool keep : {false, true}) {
            std::vector<int64_t> axes;
            for (int64_t k = 0; k < 3; ++k)
              if (mask >> k & 1) axes.push_back(k);
            g.outputs.push_back(b.add(op, {source}, {.axes = axes, .keepdims = keep}));
            names.push_back(std::string(opInfo(op).name) + (source == x ? " of x, " : " of x*x-|x|, ") + axesName(axes, keep));
          }
    checkJit(g, {sample(d, {3, 4, 5}, 20, 10)}, std::string("reductions on ") + dtypeName(d), names);
  }
}

TEST_CASE("jit: argmax along each axis: the first maximum wins, on every dtype") {
  for (DType d : {F32, F64, I32, Bool}) {
    Graph g;
    Builder b(g);
    int x = b.input(d, {3, 4, 5});
    std::vector<std::string> names;
    for (int64_t axis = 0; axis < 3; ++axis)
      for (bool keep : {false, true})
        g.outputs.push_back(b.add(Op::ArgMax, {x}, {.axes = {axis}, .keepdims = keep})), names.push_back(axesName({axis}, keep));
    Tensor ties(d, {3, 4, 5}); // few distinct values: many ties
    Lcg r(21);
    for (int64_t i = 0; i < ties.size(); ++i) ties.set(i, static_cast<double>(r.integer(-2, 2)));
    checkJit(g, {ties}, std::string("argmax on ") + dtypeName(d), names);
  }
}

TEST_CASE("jit: max, min and argmax with NaN inside: NaN wins, the first NaN for argmax") {
  for (DType d : {F32, F64}) {
    Tensor x = sample(d, {3, 4, 5}, 22, 3);
    for (int64_t i : {7, 8, 31, 59}) x.set(i, NaN);
    for (int64_t i : {0, 20, 44}) x.set(i, -Inf);
    x.set(45, Inf);
    Graph g;
    Builder b(g);
    int in = b.input(d, {3, 4, 5});
    for (Op op : {Op::ReduceMax, Op::ReduceMin, Op::ReduceSum})
      for (int mask = 1; mask < 8; ++mask) {
        std::vector<int64_t> axes;
        for (int64_t k = 0; k < 3; ++k)
          if (mask >> k & 1) axes.push_back(k);
        g.outputs.push_back(b.add(op, {in}, {.axes = axes}));
      }
    for (int64_t axis = 0; axis < 3; ++axis) g.outputs.push_back(b.add(Op::ArgMax, {in}, {.axes = {axis}}));
    checkJit(g, {x}, std::string("reductions with NaN on ") + dtypeName(d));
  }
}

TEST_CASE("jit: i32 sums wrap modulo 2^32 once, at the end, as the reference's exact sums do") {
  // Partial sums leave the int32 range and come back: only the final sum wraps.
  Tensor x(I32, {3, 2});
  for (int64_t i = 0; i < 6; ++i) x.set(i, std::vector<double>{IntMax, IntMin, 5, -5, -10, 10}[i]);
  Graph g;
  Builder b(g);
  int in = b.input(I32, {3, 2});
  g.outputs = {b.reduceSum(in, {0}, false), b.reduceSum(b.transpose(in, {1, 0}), {1}, false), b.reduceSum(in, {0, 1}, false)};
  checkJit(g, {x}, "i32 sums across the int32 range", {"over axis 0, inner axis kept", "over the inner axis", "over all"});
}

// ================================================================ movement

namespace {

/// `move` (building a movement of a node of shape `in`) on its own on f32 and i32 inputs,
/// and fused inside an elementwise chain: exp(move(sin(x))) + broadcast(y), with y a
/// vector of the result's last dimension.
void checkMovement(const std::string &name, const Shape &in, const std::function<int(Builder &, int)> &move) {
  for (DType d : {F32, I32}) {
    Graph g;
    Builder b(g);
    g.outputs = {move(b, b.input(d, in))};
    checkJit(g, {sample(d, in, 30, 9)}, name + " on " + dtypeName(d));
  }
  Graph g;
  Builder b(g);
  int x = b.input(F32, in);
  int moved = move(b, b.add(Op::Sin, {x}));
  Shape out = b.shape(moved);
  int y = b.input(F32, {out.back()});
  g.outputs = {b.add(Op::Add, {b.add(Op::Exp, {moved}), b.broadcast(y, out)})};
  checkJit(g, {sample(F32, in, 31), sample(F32, {out.back()}, 32)}, name + " fused: exp(" + name + "(sin x)) + broadcast(y)");
}

} // namespace

TEST_CASE("jit: reshape, transpose, broadcast, slice, pad, concat and flip, alone and fused") {
  checkMovement("unit-axis reshape", {3, 1, 4}, [](Builder &b, int x) { return b.reshape(x, {1, 3, 4, 1}); });
  checkMovement("general reshape", {3, 4, 2}, [](Builder &b, int x) { return b.reshape(x, {4, 6}); });
  checkMovement("flattening reshape", {2, 3, 4}, [](Builder &b, int x) { return b.reshape(x, {24}); });
  checkMovement("transpose 2,0,1", {2, 3, 4}, [](Builder &b, int x) { return b.transpose(x, {2, 0, 1}); });
  checkMovement("transpose 1,0,2", {2, 3, 4}, [](Builder &b, int x) { return b.transpose(x, {1, 0, 2}); });
  checkMovement("broadcast of a unit axis", {3, 1}, [](Builder &b, int x) { return b.broadcast(x, {2, 3, 4}); });
  checkMovement("broadcast of a vector", {4}, [](Builder &b, int x) { return b.broadcast(x, {2, 3, 4}); });
  checkMovement("broadcast of a scalar", {}, [](Builder &b, int x) { return b.broadcast(x, {2, 3}); });
  checkMovement("slice with steps", {7, 9}, [](Builder &b, int x) {
    return b.add(Op::Slice, {x}, {.starts = {1, 2}, .stops = {7, 9}, .steps = {2, 3}});
  });
  checkMovement("slice of rank 3", {5, 6, 4}, [](Builder &b, int x) {
    return b.add(Op::Slice, {x}, {.starts = {0, 1, 3}, .stops = {5, 6, 4}, .steps = {4, 1, 1}});
  });
  checkMovement("pad", {3, 4}, [](Builder &b, int x) { return b.add(Op::Pad, {x}, {.lo = {1, 0}, .hi = {2, 3}, .value = -1.5}); });
  for (int64_t axis = 0; axis < 3; ++axis)
    checkMovement("concat along axis " + std::to_string(axis), {3, 4, 5}, [axis](Builder &b, int x) {
      Attrs first{.starts = {0, 0, 0}, .stops = {3, 4, 5}, .steps = {1, 1, 1}};
      first.stops[axis] = 2;
      int part = b.add(Op::Slice, {x}, first);
      return b.add(Op::Concat, {x, part, b.add(Op::Neg, {x})}, {.axis = axis});
    });
  for (const std::vector<int64_t> &axes : std::vector<std::vector<int64_t>>{{0}, {1, 2}, {0, 1, 2}})
    checkMovement("flip " + shapeString(axes), {3, 4, 5}, [axes](Builder &b, int x) { return b.add(Op::Flip, {x}, {.axes = axes}); });
  checkMovement("transpose of a flip of a slice", {6, 5, 4}, [](Builder &b, int x) {
    int s = b.add(Op::Slice, {x}, {.starts = {1, 0, 1}, .stops = {6, 5, 4}, .steps = {2, 2, 1}});
    return b.transpose(b.add(Op::Flip, {s}, {.axes = {0, 2}}), {2, 1, 0});
  });
}

// ================================================================ matmul

TEST_CASE("jit: matmul in 2-D and batched, f32, f64 and i32, with transposes of either operand folded into BLAS") {
  struct Case {
    Shape batch;
    int64_t n, k, m;
  };
  const std::vector<Case> cases = {{{}, 5, 7, 3}, {{2, 3}, 4, 6, 5}, {{}, 1, 7, 5}, {{3}, 1, 8, 4}};
  for (DType d : {F32, F64, I32})
    for (const Case &c : cases)
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          Graph g;
          Builder b(g);
          size_t rank = c.batch.size() + 2;
          Shape as = cat(c.batch, ta ? Shape{c.k, c.n} : Shape{c.n, c.k}), bs = cat(c.batch, tb ? Shape{c.m, c.k} : Shape{c.k, c.m});
          int a = b.input(d, as), w = b.input(d, bs);
          if (ta) a = b.transpose(a, swapLastTwo(rank));
          if (tb) w = b.transpose(w, swapLastTwo(rank));
          g.outputs = {b.add(Op::MatMul, {a, w})};
          std::string label = std::string(dtypeName(d)) + " " + typeString(d, b.shape(a)) + " @ " + typeString(d, b.shape(w)) +
                              (ta ? ", a transposed" : "") + (tb ? ", b transposed" : "");
          INFO(label);
          jit::Plan plan = jit::makePlan(g);
          REQUIRE(plan.steps.size() == 1);
          CHECK(plan.steps[0].kind == jit::Step::MatMul);
          CHECK(plan.steps[0].a.transposed == ta);
          CHECK(plan.steps[0].b.transposed == tb);
          checkJit(g, {sample(d, as, 40, 9), sample(d, bs, 41, 9)}, label);
        }
}

TEST_CASE("jit: matmul of fused operands, inside a chain, with i32 overflow (a wrap), and of empty sizes") {
  {
    // tanh(exp(x)ᵀ @ (w * 2) + b): the transposed chain gets a buffer and a BLAS flag.
    Graph g;
    Builder b(g);
    int x = b.input(F32, {6, 4}), w = b.input(F32, {6, 3}), bias = b.input(F32, {3});
    int mm = b.add(Op::MatMul, {b.transpose(b.add(Op::Exp, {x}), {1, 0}), b.scale(w, 2)});
    g.outputs = {b.add(Op::Tanh, {b.add(Op::Add, {mm, b.broadcast(bias, {4, 3})})})};
    jit::Plan plan = jit::makePlan(g);
    for (const jit::Step &step : plan.steps)
      if (step.kind == jit::Step::MatMul) {
        CHECK(step.a.transposed);
        CHECK(!step.b.transposed);
      }
    checkJit(g, {sample(F32, {6, 4}, 42), sample(F32, {6, 3}, 43), sample(F32, {3}, 44)}, "matmul in a chain");
  }
  {
    Graph g;
    Builder b(g);
    int x = b.input(I32, {2, 3}), w = b.input(I32, {3, 2});
    g.outputs = {b.add(Op::MatMul, {x, w})};
    Tensor big = sample(I32, {2, 3}, 45, 9, {50000, 50000, 50000, -50000, 50000, -50000});
    Tensor wide = sample(I32, {3, 2}, 46, 9, {50000, 1, 50000, 1, -50000, 1});
    checkJit(g, {big, wide}, "i32 matmul overflow");
  }
  struct Empty {
    Shape a, w;
  };
  for (DType d : {F32, F64, I32})
    for (const Empty &e : {Empty{{3, 0}, {0, 4}}, Empty{{0, 5}, {5, 3}}, Empty{{4, 5}, {5, 0}}, Empty{{0, 2, 3}, {0, 3, 2}},
                           Empty{{1, 0}, {0, 3}}, Empty{{2, 3, 0}, {2, 0, 4}}}) {
      Graph g;
      Builder b(g);
      g.outputs = {b.add(Op::MatMul, {b.input(d, e.a), b.input(d, e.w)})};
      checkJit(g, {sample(d, e.a, 47), sample(d, e.w, 48)}, typeString(d, e.a) + " @ " + typeString(d, e.w));
    }
}

// ================================================================ indexing and sources

TEST_CASE("jit: gather along each axis clamps out-of-range indices, fused or not") {
  Tensor idx(I32, {2, 3});
  for (int64_t i = 0; i < 6; ++i) idx.set(i, std::vector<double>{-3, 0, 2, 99, 3, 1}[i]);
  for (DType d : {F32, I32})
    for (int64_t axis = 0; axis < 3; ++axis) {
      Graph g;
      Builder b(g);
      int x = b.input(d, {4, 5, 6}), at = b.input(I32, {2, 3});
      int direct = b.add(Op::Gather, {x, at}, {.axis = axis});
      int shifted = b.add(Op::Add, {at, b.constant(I32, {2, 3}, 1)});
      int fused = b.add(Op::Gather, {b.add(Op::Mul, {x, x}), shifted}, {.axis = axis});
      g.outputs = {direct, b.add(Op::Sub, {fused, b.constant(d, b.shape(fused), 1)})};
      checkJit(g, {sample(d, {4, 5, 6}, 50, 9), idx}, std::string("gather on ") + dtypeName(d) + " along axis " + std::to_string(axis));
    }
}

TEST_CASE("jit: scatter_add sums repeated indices and drops out-of-range ones, along each axis") {
  for (DType d : {F32, F64, I32}) {
    Graph g;
    Builder b(g);
    int base0 = b.input(d, {5, 4}), idx0 = b.input(I32, {6}), up0 = b.input(d, {6, 4});
    int base1 = b.input(d, {3, 5}), idx1 = b.input(I32, {2, 2}), up1 = b.input(d, {3, 2, 2});
    g.outputs = {b.add(Op::ScatterAdd, {base0, idx0, up0}, {.axis = 0}),
                 b.add(Op::ScatterAdd, {base1, idx1, b.add(Op::Abs, {up1})}, {.axis = 1})};
    std::vector<Tensor> inputs = {sample(d, {5, 4}, 51, 9), sample(I32, {6}, 0, 0, {1, 3, 1, -1, 5, 1}), sample(d, {6, 4}, 52, 9),
                                  sample(d, {3, 5}, 53, 9), sample(I32, {2, 2}, 0, 0, {4, 4, 7, 0}), sample(d, {3, 2, 2}, 54, 9)};
    checkJit(g, inputs, std::string("scatter_add on ") + dtypeName(d));
  }
  // i32 sums wrap modulo 2^32 once, as the reference's exact sums do.
  Graph g;
  Builder b(g);
  g.outputs = {b.add(Op::ScatterAdd, {b.input(I32, {2}), b.input(I32, {2}), b.input(I32, {2})})};
  checkJit(g, {sample(I32, {2}, 0, 0, {IntMax, 0}), sample(I32, {2}, 0, 0, {0, 0}), sample(I32, {2}, 0, 0, {5, -10})},
           "i32 scatter_add across the int32 range");
}

TEST_CASE("jit: debug_print prints in graph order at every run, though nothing reads it, as the reference does") {
  Graph g;
  Builder b(g);
  int x = b.input(F32, {2, 3}), n = b.input(I32, {2});
  Attrs first;
  first.name = "doubled {} and {{braces}}";
  b.add(Op::DebugPrint, {b.binary(Op::Mul, x, b.constant(F32, {2, 3}, 2))}, first); // a fused value: materialised for it
  Attrs second;
  second.name = "sum {} of i32 {}";
  b.add(Op::DebugPrint, {b.add(Op::ReduceSum, {x}, {.axes = {0, 1}}), n}, second);
  Attrs none;
  none.name = "no values";
  b.add(Op::DebugPrint, {}, none);
  g.outputs = {b.add(Op::Neg, {x})};
  std::vector<Tensor> inputs = {sample(F32, {2, 3}, 0, 0, {0, 1, -1, 2, 0.5, -2.25}), sample(I32, {2}, 0, 0, {3, -4})};
  auto printed = [&](const std::function<void()> &run) {
    std::string out;
    ir::PrintTo to([&](const std::string &line) { out += line; });
    run();
    return out;
  };
  const std::string want = "doubled tensor([[0, 2, -2], [4, 1, -4.5]], f32[2, 3]) and {braces}\n"
                           "sum tensor(0.25, f32[]) of i32 tensor([3, -4], i32[2])\n"
                           "no values\n";
  CHECK(printed([&] { ir::execute(g, inputs); }) == want);
  auto exe = jit::compile(g);
  CHECK(printed([&] { exe->run(g, inputs); }) == want);
  CHECK(printed([&] { exe->run(g, inputs); }) == want); // again at the next run
  ir::MutePrints mute;                                   // a second run of a graph that printed
  CHECK(printed([&] { exe->run(g, inputs); }).empty());
}

TEST_CASE("jit: check_labels passes labels in range through and throws at the first bad one") {
  Graph g;
  Builder b(g);
  int labels = b.input(I32, {2, 3});
  ir::Attrs five{.value = 5};
  five.name = "nll";
  int checked = b.add(Op::CheckLabels, {labels}, five);
  // Read by a fused one-hot comparison and as an output, as the stdlib uses it.
  g.outputs = {checked, b.add(Op::Add, {checked, b.constant(I32, {2, 3}, 1)})};
  checkJit(g, {sample(I32, {2, 3}, 0, 0, {0, 4, 1, 2, 3, 0})}, "check_labels in range");
  auto exe = jit::compile(g);
  std::string message;
  try {
    exe->run(g, {sample(I32, {2, 3}, 0, 0, {0, 4, 1, 2, 5, 0})});
  } catch (const ir::CheckFailed &e) {
    message = e.what();
  }
  CHECK(message == "nll: label 5 at index [1, 1] is out of range for 5 classes (expected 0 <= label < 5)");
}

TEST_CASE("jit: iota, constants and literals, as outputs and fused") {
  Graph g;
  Builder b(g);
  int x = b.input(F32, {3, 4, 5});
  for (DType d : {I32, F32, F64})
    for (int64_t axis = 0; axis < 3; ++axis) g.outputs.push_back(b.add(Op::Iota, {}, {.dtype = d, .shape = {3, 4, 5}, .axis = axis}));
  int iota = b.add(Op::Iota, {}, {.dtype = F32, .shape = {3, 4, 5}, .axis = 1});
  g.outputs.push_back(b.add(Op::Mul, {x, iota}));
  for (DType d : {Bool, I32, F32, F64}) g.outputs.push_back(b.constant(d, {2, 3}, -2.75));
  g.outputs.push_back(b.constant(F32, {}, 0.1));
  int big = b.constant(F32, {3, 4, 5}, 1e30);
  g.outputs.push_back(b.add(Op::Where, {b.add(Op::Gt, {x, b.constant(F32, {3, 4, 5}, 0)}), big, x}));
  auto literal = [](double offset) {
    Tensor t(F64, {4, 5});
    for (int64_t i = 0; i < t.size(); ++i) t.set(i, i * 0.25 - offset);
    return std::make_shared<const Tensor>(t);
  };
  int lit = b.add(Op::Literal, {}, {.literal = literal(1)});
  int lin = b.input(F64, {4, 5});
  g.outputs.push_back(lit);
  g.outputs.push_back(b.add(Op::Add, {b.add(Op::Exp, {lit}), lin}));
  std::vector<Tensor> inputs = {sample(F32, {3, 4, 5}, 60), sample(F64, {4, 5}, 61)};
  jit::options().keepLlvmIr = true;
  auto exe = jit::compile(g);
  jit::options().keepLlvmIr = false;
  compareRun(g, *exe, inputs, "iota, constants, literals");
  // A graph that differs only in a literal's values runs on the same code.
  Graph other = g;
  other.nodes[lit].attrs.literal = literal(-3);
  compareRun(other, *exe, inputs, "the same code with another literal");
  CHECK(exe->llvmIr().find("define") != std::string::npos);
}

TEST_CASE("jit: random_uniform and random_normal give the reference's numbers bit for bit") {
  Graph g;
  Builder b(g);
  int key = b.input(I32, {2});
  int r32 = b.add(Op::RandomUniform, {key}, {.dtype = F32, .shape = {10, 100}});
  int r64 = b.add(Op::RandomUniform, {key}, {.dtype = F64, .shape = {7}});
  int n32 = b.add(Op::RandomNormal, {key}, {.dtype = F32, .shape = {33, 3}});
  int n64 = b.add(Op::RandomNormal, {key}, {.dtype = F64, .shape = {5}});
  g.outputs = {r32, r64, b.add(Op::Add, {r32, r32}), n32, n64, b.add(Op::Mul, {n32, n32})};
  auto exe = jit::compile(g);
  for (const std::vector<double> &words : std::vector<std::vector<double>>{{-1, 42}, {0, 0}, {IntMin, 7}})
    compareRun(g, *exe, {sample(I32, {2}, 0, 0, words)}, "random_uniform, key " + shapeString({int64_t(words[0]), int64_t(words[1])}), {}, true);
}

// ================================================================ scan

namespace {

/// An RNN over `steps` steps of width 4: carries h (f32[4]) and n (i32[]), sequence xs,
/// captured weight w; each step h' = tanh(h @ w + x), n' = n + 1, and it returns
/// sum(h'), 2 h' and x itself. With `all`, every result is projected and h is read again.
Graph rnn(int64_t steps, bool all) {
  auto body = std::make_shared<Graph>();
  Builder inner(*body);
  int h = inner.input(F32, {4}), n = inner.input(I32, {}), x = inner.input(F32, {4}), w = inner.input(F32, {4, 4});
  int hw = inner.reshape(inner.add(Op::MatMul, {inner.reshape(h, {1, 4}), w}), {4});
  int h2 = inner.add(Op::Tanh, {inner.add(Op::Add, {hw, x})});
  int n2 = inner.add(Op::Add, {n, inner.constant(I32, {}, 1)});
  body->outputs = {h2, n2, inner.reduceSum(h2, {0}, false), inner.scale(h2, 2), x};

  Graph g;
  Builder b(g);
  int h0 = b.input(F32, {4}), n0 = b.input(I32, {}), xs = b.input(F32, {steps, 4}), wt = b.input(F32, {4, 4});
  int scan = b.add(Op::Scan, {h0, n0, xs, wt}, {.body = body, .carries = 2, .sequences = 1});
  auto project = [&](int64_t k) {
    const Node &out = body->nodes[body->outputs[k]];
    Shape shape = k < 2 ? out.shape : cat({steps}, out.shape);
    return b.add(Op::Project, {scan}, {.dtype = out.dtype, .shape = shape, .index = k});
  };
  if (!all) {
    g.outputs = {project(3)};
    return g;
  }
  for (int64_t k = 0; k < 5; ++k) g.outputs.push_back(project(k));
  g.outputs.push_back(b.add(Op::Exp, {g.outputs[0]}));
  return g;
}

std::vector<Tensor> rnnInputs(int64_t steps) {
  return {sample(F32, {4}, 70), sample(I32, {}, 0, 0, {5}), sample(F32, {steps, 4}, 71), sample(F32, {4, 4}, 72, 0.8)};
}

} // namespace

TEST_CASE("jit: scan runs an RNN body with carries, a sequence and a captured weight") {
  checkJit(rnn(6, true), rnnInputs(6), "rnn over 6 steps");
  checkJit(rnn(6, false), rnnInputs(6), "rnn over 6 steps, one result projected");
}

TEST_CASE("jit: scan over zero steps returns the initial carries and empty results") {
  // inferScan allows a sequence of length 0: the steps are its leading dimension.
  std::vector<Tensor> got = checkJit(rnn(0, true), rnnInputs(0), "rnn over 0 steps");
  CHECK(got[1].get(0) == 5);
  CHECK(got[3].shape() == Shape{0, 4});
}

TEST_CASE("jit: a scan result projected twice is never overwritten in place while still read") {
  // Found in review: the in-place rule saw one projection and not its twin sharing the
  // buffer, so the kernel below overwrote ys it still read, reversed, through the twin.
  const int64_t steps = 6;
  auto body = std::make_shared<Graph>();
  Builder inner(*body);
  int c = inner.input(F32, {3}), x = inner.input(F32, {3});
  int y = inner.add(Op::Exp, {inner.add(Op::Add, {c, x})});
  body->outputs = {inner.scale(c, 0.5), y};
  Graph g;
  Builder b(g);
  int c0 = b.input(F32, {3}), xs = b.input(F32, {steps, 3});
  int scan = b.add(Op::Scan, {c0, xs}, {.body = body, .carries = 1, .sequences = 1});
  int p1 = b.add(Op::Project, {scan}, {.dtype = F32, .shape = {steps, 3}, .index = 1});
  int p2 = b.add(Op::Project, {scan}, {.dtype = F32, .shape = {steps, 3}, .index = 1});
  int k = b.add(Op::Add, {p1, b.add(Op::Flip, {p2}, {.axes = {0, 1}})});
  int kk = b.add(Op::Mul, {k, k});
  g.outputs = {b.reduceSum(kk, {1}, false), b.reduceSum(kk, {0}, false)};
  jit::Plan plan = jit::makePlan(g);
  for (const jit::Step &step : plan.steps) CHECK(step.donor != p1);
  checkJit(g, {sample(F32, {3}, 90, 1), sample(F32, {steps, 3}, 91, 1)}, "a twice-projected scan result");
}

// ================================================================ sizes

TEST_CASE("jit: zero-size tensors through elementwise chains, movement and reductions") {
  Graph g;
  Builder b(g);
  int x = b.input(F32, {0, 5}), y = b.input(F32, {5}), z = b.input(F32, {2, 5}), k = b.input(I32, {0, 5});
  int e = b.add(Op::Add, {b.add(Op::Mul, {b.add(Op::Exp, {x}), b.broadcast(y, {0, 5})}), b.constant(F32, {0, 5}, 1)});
  g.outputs = {e,
               b.reduceSum(e, {0}, false),
               b.reduceSum(e, {0}, true),
               b.reduceSum(e, {1}, false),
               b.reduceSum(e, {0, 1}, false),
               b.add(Op::ReduceMax, {x}, {.axes = {1}}),
               b.add(Op::ArgMax, {x}, {.axes = {1}}),
               b.add(Op::Concat, {x, z, x}, {.axis = 0}),
               b.add(Op::Pad, {x}, {.lo = {1, 0}, .hi = {1, 0}, .value = 3}),
               b.transpose(x, {1, 0}),
               b.reduceSum(k, {0}, false),
               b.reduceSum(b.add(Op::Mul, {k, k}), {0, 1}, false),
               b.add(Op::Slice, {z}, {.starts = {1, 2}, .stops = {1, 5}, .steps = {1, 1}})};
  std::vector<Tensor> got = checkJit(g, {Tensor(F32, {0, 5}), sample(F32, {5}, 80), sample(F32, {2, 5}, 81), Tensor(I32, {0, 5})},
                                     "zero-size tensors");
  REQUIRE(got.size() == 13);
  CHECK(got[4].get(0) == 0); // the sum over an empty axis is 0
  CHECK(got[11].get(0) == 0);
}

TEST_CASE("jit: large loops are split over threads and give the single-thread results") {
  OptionsGuard guard;
  Graph g;
  Builder b(g);
  int x = b.input(F32, {512, 300}), y = b.input(F32, {300}), z = b.input(F32, {256, 128, 4}), n = b.input(I32, {512, 300});
  int e = b.add(Op::Add, {b.add(Op::Mul, {b.add(Op::Tanh, {x}), b.broadcast(y, {512, 300})}), x});
  g.outputs = {e,
               b.reduceSum(b.add(Op::Mul, {x, x}), {1}, false),             // row sums: split over rows
               b.add(Op::ReduceMax, {b.add(Op::Sin, {x})}, {.axes = {0}}),  // column maxima: not split
               b.add(Op::ArgMax, {x}, {.axes = {1}}),
               b.reduceSum(b.add(Op::Exp, {z}), {1}, false),                // a kept inner axis, split over axis 0
               b.add(Op::Sub, {b.scale(n, 3), b.constant(I32, {512, 300}, 7)})};
  jit::Plan plan = jit::makePlan(g);
  for (const jit::Step &step : plan.steps)
    if (step.node == g.outputs[0] || step.node == g.outputs[1] || step.node == g.outputs[5]) CHECK(step.parallelExtent == 512);
  std::vector<Tensor> inputs = {sample(F32, {512, 300}, 90), sample(F32, {300}, 91), sample(F32, {256, 128, 4}, 92),
                                sample(I32, {512, 300}, 93, 1000)};
  auto exe = jit::compile(g);
  jit::options().threads = 2;
  std::vector<Tensor> split = compareRun(g, *exe, inputs, "two threads");
  jit::options().threads = 1;
  std::vector<Tensor> single = compareRun(g, *exe, inputs, "one thread");
  for (size_t k = 0; k < split.size(); ++k) checkSame(single[k], split[k], "two threads against one, output " + std::to_string(k), true);
}

// ================================================================ buffers

TEST_CASE("jit: the intermediates of a long chain share the arena by their lifetimes") {
  const Shape shape = {256, 256};
  const size_t each = 256 * 256 * sizeof(float);
  Graph g;
  Builder b(g);
  int v = b.input(F32, shape);
  std::vector<int> chain;
  for (int i = 0; i < 10; ++i) { // each value read twice, so each gets a buffer
    v = b.add(Op::Add, {b.add(Op::Sin, {v}), b.scale(v, 0.5)});
    chain.push_back(v);
  }
  g.outputs = {v};
  jit::Plan plan = jit::makePlan(g);
  for (int id : chain) CHECK(plan.materialised[id]);
  auto exe = jit::compile(g);
  // Nine intermediates of `each` bytes; at most two are alive at once.
  CHECK(exe->arenaBytes() == plan.arenaBytes);
  CHECK(exe->arenaBytes() >= each);
  CHECK(exe->arenaBytes() <= 2 * each);
  compareRun(g, *exe, {sample(F32, shape, 100)}, "a chain of 10 materialised steps");
  compareRun(g, *exe, {sample(F32, shape, 101)}, "the same chain again, on a reused arena");
}

TEST_CASE("jit: an elementwise step writes over an operand it reads for the last time, element for element") {
  const Shape shape = {128, 128};
  const size_t each = 128 * 128 * sizeof(float);
  Graph g;
  Builder b(g);
  int x = b.input(F32, shape);
  int v = x;
  std::vector<int> chain;
  for (int i = 0; i < 6; ++i) { // read twice at the same index: materialised, and updatable in place
    v = b.add(Op::Mul, {b.add(Op::Tanh, {v}), b.add(Op::Exp, {b.scale(v, 0.1)})});
    chain.push_back(v);
  }
  // A transpose reads another element than the one written: never in place.
  int t = b.add(Op::Transpose, {v}, [] {
    Attrs a;
    a.perm = {1, 0};
    return a;
  }());
  int w = b.add(Op::Add, {t, b.add(Op::Sin, {v})});
  int out = b.add(Op::Add, {w, b.add(Op::Sin, {w})}); // w is read twice: it has a buffer
  g.outputs = {out};
  jit::Plan plan = jit::makePlan(g);
  auto stepOf = [&](int node) -> const jit::Step & {
    for (const jit::Step &s : plan.steps)
      if (s.node == node) return s;
    FAIL("no step for node " << node);
    return plan.steps.front();
  };
  CHECK(stepOf(chain[0]).donor == -1); // its operand is the caller's input
  for (size_t i = 1; i < chain.size(); ++i) CHECK(stepOf(chain[i]).donor == chain[i - 1]);
  CHECK(stepOf(w).donor == -1);
  CHECK(plan.arenaBytes <= 2 * each);
  auto exe = jit::compile(g);
  compareRun(g, *exe, {sample(F32, shape, 110, 1)}, "a chain updated in place");
}

TEST_CASE("jit: a reshape of a buffer shares the buffer instead of copying it") {
  Graph g;
  Builder b(g);
  int x = b.input(F32, {4, 6}), w = b.input(F32, {3, 5});
  int e = b.add(Op::Exp, {b.scale(x, 0.1)});
  int c = b.add(Op::Concat, {e, e}, {.axis = 1});       // a buffer: [4, 12]
  int r = b.reshape(c, {16, 3});                         // read by BLAS: needs a buffer
  int m = b.add(Op::MatMul, {r, w});
  g.outputs = {m, b.reduceSum(r, {0}, false)};
  jit::Plan plan = jit::makePlan(g);
  CHECK(plan.materialised[r]);
  for (const jit::Step &step : plan.steps) CHECK(step.node != r); // no copy of it
  CHECK(plan.slotOf[r] >= 0);
  checkJit(g, {sample(F32, {4, 6}, 120, 1), sample(F32, {3, 5}, 121, 1)}, "a reshape sharing its operand's buffer");
}

TEST_CASE("jit: an output that is an input, a literal, or returned twice is a copy of the right value") {
  Graph g;
  Builder b(g);
  int x = b.input(F32, {3, 4});
  int e = b.add(Op::Add, {b.add(Op::Exp, {x}), b.constant(F32, {3, 4}, 1)});
  Tensor values = sample(I32, {2}, 110, 9, {7, -7});
  int lit = b.add(Op::Literal, {}, {.literal = std::make_shared<const Tensor>(values)});
  g.outputs = {x, e, e, lit, x, b.reduceSum(e, {1}, false), lit};
  Tensor in = sample(F32, {3, 4}, 111, 3, {NaN, Inf});
  std::vector<Tensor> got = checkJit(g, {in}, "aliased outputs");
  REQUIRE(got.size() == 7);
  checkSame(in, got[0], "the input returned", true);
  checkSame(in, got[4], "the input returned again", true);
  checkSame(got[1], got[2], "the same node returned twice", true);
  checkSame(values, got[3], "the literal returned", true);
  checkSame(values, got[6], "the literal returned again", true);
}

TEST_CASE("jit: run checks its inputs' types") {
  Graph g;
  Builder b(g);
  g.outputs = {b.add(Op::Exp, {b.input(F32, {2, 3})})};
  auto exe = jit::compile(g);
  CHECK_THROWS_AS(exe->run(g, {Tensor(F32, {3, 2})}), std::invalid_argument);
  CHECK_THROWS_AS(exe->run(g, {Tensor(F64, {2, 3})}), std::invalid_argument);
  CHECK_THROWS_AS(exe->run(g, {}), std::invalid_argument);
}

// ================================================================ jit::run's cache

TEST_CASE("jit: run compiles a graph once and reuses the executable in its cache") {
  OptionsGuard guard;
  jit::options().enabled = true;
  jit::options().check = false;
  {
    // Worth compiling at once (millions of element operations): compiled on the first run.
    Graph g;
    Builder b(g);
    int x = b.input(F32, {1000, 1003});
    g.outputs = {b.add(Op::Add, {b.scale(x, 3), b.constant(F32, {1000, 1003}, 0.25)})};
    std::shared_ptr<const jit::Executable> cache;
    double before = jit::totalCompileMillis();
    Tensor in = sample(F32, {1000, 1003}, 120);
    std::vector<Tensor> first = jit::run(g, {in}, &cache);
    REQUIRE(cache);
    CHECK(jit::totalCompileMillis() > before);
    auto kept = cache;
    double compiled = jit::totalCompileMillis();
    std::vector<Tensor> second = jit::run(g, {in}, &cache);
    CHECK(cache == kept);
    CHECK(jit::totalCompileMillis() == compiled);
    std::vector<Tensor> want = execute(g, {in});
    checkSame(want[0], first[0], "first run");
    checkSame(want[0], second[0], "second run");
  }
  {
    // A small graph runs on the reference executor the first time its structure is seen
    // (Jit.h), is compiled the second time, and then runs from the cache.
    Graph g;
    Builder b(g);
    int x = b.input(F64, {3, 7});
    g.outputs = {b.add(Op::Tanh, {b.add(Op::Mul, {x, x})})};
    std::shared_ptr<const jit::Executable> cache;
    Tensor in = sample(F64, {3, 7}, 121);
    std::vector<Tensor> want = execute(g, {in});
    checkSame(want[0], jit::run(g, {in}, &cache)[0], "small graph, first run");
    CHECK(!cache);
    checkSame(want[0], jit::run(g, {in}, &cache)[0], "small graph, second run");
    REQUIRE(cache);
    auto kept = cache;
    double compiled = jit::totalCompileMillis();
    checkSame(want[0], jit::run(g, {in}, &cache)[0], "small graph, third run");
    CHECK(cache == kept);
    CHECK(jit::totalCompileMillis() == compiled);
  }
}

// ================================================================ --check-jit's comparison

/// A copy of `t` with element i replaced by `v`.
Tensor with(Tensor t, int64_t i, double v) {
  t.set(i, v);
  return t;
}

TEST_CASE("check-jit: a real mismatch is caught; the rounding of cancelling terms is not one") {
  // Well-conditioned: 2x + 1 on x = 1..8. Rounding-sized differences pass; 1e-3 of the
  // largest value does not, as before the tolerance grew a term for cancellation.
  {
    Graph g;
    Builder b(g);
    int x = b.input(F32, {8});
    g.outputs = {b.binary(Op::Add, b.binary(Op::Mul, x, b.constant(F32, {8}, 2)), b.constant(F32, {8}, 1))};
    Tensor in(F32, {8});
    for (int64_t i = 0; i < 8; ++i) in.set(i, double(i + 1));
    Tensor want = execute(g, {in})[0];
    CHECK_NOTHROW(jit::compareWithReference(g, {in}, {with(want, 3, want.get(3) * (1 + 1e-6))}));
    CHECK_THROWS_WITH_AS(jit::compareWithReference(g, {in}, {with(want, 3, want.get(3) + 17 * 1e-3)}),
                         doctest::Contains("disagree on output 0"), std::runtime_error);
    CHECK_THROWS_AS(jit::compareWithReference(g, {in}, {with(want, 0, NaN)}), std::runtime_error);
  }
  // Ill-conditioned: 64 f32 terms of about ±1e4 sum to 252. The sum of |terms| is
  // 6.4e5, and f32 rounding moves a sum by up to about 2^-24 · 6.4e5 ≈ 0.04 per partial
  // sum: a difference of 0.5 is rounding (the old tolerance, 1e-4 · 252, called it a
  // mismatch); a difference of 10 is not.
  {
    Graph g;
    Builder b(g);
    int x = b.input(F32, {64});
    g.outputs = {b.reduceSum(b.binary(Op::Mul, x, x), {0}, false)};
    Tensor in(F32, {64});
    for (int64_t i = 0; i < 64; ++i) in.set(i, (i % 2 ? -1 : 1) * 1e4 + 0.125 * double(i));
    Graph cancel;
    Builder c(cancel);
    cancel.outputs = {c.reduceSum(c.input(F32, {64}), {0}, false)};
    Tensor want = execute(cancel, {in})[0];
    REQUIRE(want.get(0) == 252);
    CHECK_NOTHROW(jit::compareWithReference(cancel, {in}, {with(want, 0, 252.5)}));
    CHECK_THROWS_AS(jit::compareWithReference(cancel, {in}, {with(want, 0, 262)}), std::runtime_error);
    // The squares do not cancel: 1e-3 of their sum is a mismatch.
    Tensor squares = execute(g, {in})[0];
    CHECK_THROWS_AS(jit::compareWithReference(g, {in}, {with(squares, 0, squares.get(0) * (1 + 1e-3))}), std::runtime_error);
  }
}

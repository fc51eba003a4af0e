// SimplifyTests.cpp: the graph simplification pass (compiler/passes): folding fills,
// identities, and that what it leaves computes the same as what it was given.
#include "ir/Builder.h"
#include "ir/Executor.h"
#include "transforms/Simplify.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace zy;
using namespace zy::ir;

namespace {

int countOp(const Graph &g, Op op) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node &n) { return n.op == op; }));
}

} // namespace

TEST_CASE("simplify: an elementwise op of fills is a fill, so pow(x, 2 - 1) is x") {
  Graph g;
  Builder b(g);
  int x = b.input(DType::F32, {3});
  int two = b.constant(DType::F32, {3}, 2), one = b.constant(DType::F32, {3}, 1);
  int exponent = b.binary(Op::Sub, two, one); // what autodiff makes of d(x**2)
  int y = b.binary(Op::Pow, x, exponent);
  int z = b.binary(Op::Mul, two, y);
  g.outputs = {z};
  Graph s = transforms::simplify(g);
  CHECK(countOp(s, Op::Pow) == 0);
  CHECK(countOp(s, Op::Sub) == 0);
  Tensor in(DType::F32, {3});
  for (int i = 0; i < 3; ++i) in.set(i, i - 1.5);
  Tensor want = execute(g, {in})[0], got = execute(s, {in})[0];
  for (int i = 0; i < 3; ++i) CHECK(got.get(i) == want.get(i));
  CHECK(got.get(0) == -3.0);
}

TEST_CASE("simplify: folded fills follow the reference kernels' rules (i32 floor division, NaN)") {
  Graph g;
  Builder b(g);
  int seven = b.constant(DType::I32, {2}, -7), two = b.constant(DType::I32, {2}, 2);
  int q = b.binary(Op::Div, seven, two);
  int nan = b.constant(DType::F64, {}, std::nan(""));
  int m = b.binary(Op::Max, nan, b.constant(DType::F64, {}, 1));
  g.outputs = {q, m};
  Graph s = transforms::simplify(g);
  CHECK(countOp(s, Op::Div) == 0);
  CHECK(countOp(s, Op::Max) == 0);
  auto out = execute(s, {});
  CHECK(out[0].get(0) == -4); // floor division, as Python's //
  CHECK(std::isnan(out[1].get(0)));
}

TEST_CASE("simplify: a cast of a fill folds with the reference's rounding (i32 saturates)") {
  Graph g;
  Builder b(g);
  int big = b.constant(DType::F32, {2}, 3e9);
  g.outputs = {b.cast(big, DType::I32), b.cast(b.constant(DType::F64, {2}, -2.7), DType::I32)};
  Graph s = transforms::simplify(g);
  CHECK(countOp(s, Op::Cast) == 0);
  auto out = execute(s, {});
  CHECK(out[0].get(0) == 2147483647);
  CHECK(out[1].get(1) == -2); // truncates toward zero
}

TEST_CASE("simplify: debug_print is an effect: kept though nothing reads it, and two equal ones are not merged") {
  Graph g;
  Builder b(g);
  int x = b.input(DType::F32, {2});
  Attrs format;
  format.name = "x {}";
  int unused = b.add(Op::Exp, {x});
  b.add(Op::DebugPrint, {x}, format);
  b.add(Op::DebugPrint, {x}, format);
  g.outputs = {b.add(Op::Neg, {x})};
  (void)unused;
  Graph s = transforms::simplify(g);
  int prints = 0, exps = 0;
  for (const Node &n : s.nodes) prints += n.op == Op::DebugPrint, exps += n.op == Op::Exp;
  CHECK(prints == 2);
  CHECK(exps == 0); // dead code still goes
  CHECK(hasEffects(s));
}

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

// The clipping of per-example gradients: the squared norm of each example's outer
// product (through a cast to f64, as clip_by_global_norm takes it) and the sum over the
// batch of the products scaled per example. Factoring both leaves the [B, n, m] product
// unbuilt, with the same values.
TEST_CASE("simplify: norms and batch sums of outer products are computed from the factors") {
  const int64_t batch = 4, n = 5, m = 3;
  Graph g;
  Builder b(g);
  int p = b.input(DType::F32, {batch, n, 1}), q = b.input(DType::F32, {batch, 1, m}), s = b.input(DType::F32, {batch});
  int outer = b.binary(Op::MatMul, p, q); // [B, n, m]
  int wide = b.cast(outer, DType::F64);
  int norms = b.reduceSum(b.binary(Op::Pow, wide, b.constant(DType::F64, {batch, n, m}, 2)), {1, 2}, false);
  int scale = b.broadcast(b.reshape(s, {batch, 1, 1}), {batch, n, m});
  int summed = b.reduceSum(b.binary(Op::Mul, outer, scale), {0}, false);
  int plain = b.reduceSum(outer, {0}, true);
  int total = b.reduceSum(b.binary(Op::Mul, outer, outer), {0, 1, 2}, false); // over the batch too
  g.outputs = {norms, summed, plain, total};
  Graph f = transforms::simplify(g);
  for (const Node &node : f.nodes) CHECK(node.shape != Shape{batch, n, m}); // never built
  std::vector<Tensor> inputs = {Tensor(DType::F32, {batch, n, 1}), Tensor(DType::F32, {batch, 1, m}),
                                Tensor(DType::F32, {batch})};
  for (Tensor &t : inputs)
    for (int64_t i = 0; i < t.size(); ++i) t.set(i, std::sin(1.7 * double(i) + double(t.size())));
  std::vector<Tensor> want = execute(g, inputs), got = execute(f, inputs);
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    REQUIRE(got[k].shape() == want[k].shape());
    CHECK(got[k].dtype() == want[k].dtype());
    for (int64_t i = 0; i < want[k].size(); ++i) CHECK(got[k].get(i) == doctest::Approx(want[k].get(i)).epsilon(1e-6));
  }
}

TEST_CASE("simplify: a matmul with an inner dimension above 1 is not an outer product") {
  Graph g;
  Builder b(g);
  int p = b.input(DType::F32, {4, 5, 2}), q = b.input(DType::F32, {4, 2, 3});
  int product = b.binary(Op::MatMul, p, q);
  g.outputs = {b.reduceSum(b.binary(Op::Mul, product, product), {1, 2}, false), b.reduceSum(product, {0}, false)};
  CHECK(countOp(transforms::simplify(g), Op::MatMul) == 1);
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

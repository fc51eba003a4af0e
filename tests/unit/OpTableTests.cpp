// OpTableTests.cpp: the tensor IR: Tensor storage and printing, every primitive's shape
// rule (good and bad cases, with the error text) and reference kernel (values worked out
// by hand), the executor, printGraph, and a fuzz test that no well-typed node crashes.
#include "ir/Executor.h"
#include "ir/OpTable.h"
#include "runtime/Print.h"
#include "runtime/Random.h"
#include "RandomNodes.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace zy;
using namespace zy::ir;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();

// ---- tiny builders

Tensor make(DType dtype, Shape shape, std::initializer_list<double> values) {
  Tensor t(dtype, std::move(shape));
  REQUIRE(static_cast<int64_t>(values.size()) == t.size());
  int64_t i = 0;
  for (double v : values)
    t.set(i++, v);
  return t;
}
Tensor f32(Shape s, std::initializer_list<double> v) { return make(DType::F32, std::move(s), v); }
Tensor f64(Shape s, std::initializer_list<double> v) { return make(DType::F64, std::move(s), v); }
Tensor i32(Shape s, std::initializer_list<double> v) { return make(DType::I32, std::move(s), v); }
Tensor boolean(Shape s, std::initializer_list<double> v) { return make(DType::Bool, std::move(s), v); }

std::vector<double> valuesOf(const Tensor &t) {
  std::vector<double> out;
  for (int64_t i = 0; i < t.size(); ++i)
    out.push_back(t.get(i));
  return out;
}

OperandType type(DType dtype, Shape shape) { return {dtype, std::move(shape)}; }

/// inferType's verdict on `op` over operands of these types: "" when it is well-formed.
std::string errorOf(Op op, std::vector<OperandType> operands, Attrs attrs = {}) {
  Node node{op, {}, DType::F32, {}, std::move(attrs), {}};
  auto error = inferType(node, operands);
  return error ? *error : "";
}

/// The node inferType makes of `op` over these operand types (it must be well-formed).
Node typed(Op op, std::vector<OperandType> operands, Attrs attrs = {}) {
  Node node{op, {}, DType::F32, {}, std::move(attrs), {}};
  auto error = inferType(node, operands);
  INFO(error.value_or(""));
  REQUIRE(!error);
  return node;
}

/// Type-checks and runs `op` on concrete operands.
Tensor run(Op op, std::vector<Tensor> operands, Attrs attrs = {}) {
  std::vector<OperandType> types;
  std::vector<const Tensor *> args;
  for (const Tensor &t : operands) {
    types.push_back({t.dtype(), t.shape()});
    args.push_back(&t);
  }
  Node node = typed(op, types, std::move(attrs));
  Tensor out = evaluate(node, args);
  CHECK(out.dtype() == node.dtype);
  CHECK(out.shape() == node.shape);
  return out;
}

/// Element-wise closeness, for transcendental results.
void checkClose(const Tensor &t, std::vector<double> expected, double eps = 1e-6) {
  REQUIRE(t.size() == static_cast<int64_t>(expected.size()));
  for (int64_t i = 0; i < t.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(expected[i]))
      CHECK(std::isnan(t.get(i)));
    else if (std::isinf(expected[i]))
      CHECK(t.get(i) == expected[i]);
    else
      CHECK(t.get(i) == doctest::Approx(expected[i]).epsilon(eps));
  }
}

using V = std::vector<double>;

} // namespace

// ================================================================ Tensor

TEST_CASE("dtypes: names, sizes and promotion") {
  CHECK(std::string(dtypeName(DType::I32)) == "i32");
  CHECK(dtypeFromName("f64") == DType::F64);
  CHECK(!dtypeFromName("f16"));
  CHECK(dtypeSize(DType::Bool) == 1);
  CHECK(dtypeSize(DType::F64) == 8);
  CHECK(promote(DType::Bool, DType::I32) == DType::I32);
  CHECK(promote(DType::F32, DType::I32) == DType::F32);
  CHECK(promote(DType::F32, DType::F64) == DType::F64);
  CHECK(typeString(DType::F32, {2, 3}) == "f32[2, 3]");
  CHECK(typeString(DType::Bool, {}) == "bool[]");
}

TEST_CASE("elementCount rejects negative and huge shapes without overflowing") {
  CHECK(elementCount({}) == 1);
  CHECK(elementCount({2, 3}) == 6);
  CHECK(elementCount({5, 0}) == 0);
  CHECK(!elementCount({-1}));
  CHECK(!elementCount({2, -1, 0}));
  CHECK(elementCount({1 << 16, 1 << 16}) == MaxTensorElements);
  CHECK(!elementCount({1 << 16, 1 << 16, 2}));
  int64_t big = std::numeric_limits<int64_t>::max();
  CHECK(!elementCount({big, big, big}));
  CHECK(stridesOf({2, 3, 4}) == std::vector<int64_t>{12, 4, 1});
  CHECK(stridesOf({}).empty());
}

TEST_CASE("Tensor::set rounds to the dtype") {
  Tensor i = i32({6}, {2.9, -2.9, 1e12, -1e12, NaN, -0.5});
  CHECK(valuesOf(i) == V{2, -2, 2147483647, -2147483648.0, 0, 0});
  Tensor f = f32({2}, {0.1, 1 + std::ldexp(1.0, -30)});
  CHECK(f.get(0) == double(0.1f));
  CHECK(f.get(1) == 1.0);
  CHECK(valuesOf(boolean({3}, {0.5, 0, -2})) == V{1, 0, 1});
  CHECK(Tensor::scalar(DType::F64, 0.1).get(0) == 0.1);
  CHECK(Tensor(DType::I32, {2, 2}).size() == 4);
  CHECK_THROWS_AS(Tensor(DType::F32, {-1}), std::invalid_argument);
}

TEST_CASE("Tensor::toString") {
  CHECK(i32({2, 2}, {1, 2, 3, 4}).toString() == "tensor([[1, 2], [3, 4]], i32[2, 2])");
  CHECK(Tensor::scalar(DType::F32, 3.5).toString() == "tensor(3.5, f32[])");
  CHECK(f32({3}, {0.5, 1.25, -3}).toString() == "tensor([0.5, 1.25, -3], f32[3])");
  CHECK(f64({2}, {3.14159265, 2}).toString() == "tensor([3.1416, 2], f64[2])");
  CHECK(boolean({2}, {1, 0}).toString() == "tensor([true, false], bool[2])");
  CHECK(f32({2}, {NaN, -Inf}).toString() == "tensor([nan, -inf], f32[2])");
  // One style for all: a tiny value makes every element scientific.
  CHECK(f64({2}, {1e-5, 1}).toString() == "tensor([1e-05, 1e+00], f64[2])");
  CHECK(f32({0}, {}).toString() == "tensor([], f32[0])");
  CHECK(Tensor(DType::I32, {2, 0}).toString() == "tensor([[], []], i32[2, 0])");
  Tensor ten = run(Op::Iota, {}, Attrs{.dtype = DType::I32, .shape = {10}});
  // As NumPy: every element up to the threshold (1000 by default), then the edge items.
  CHECK(ten.toString() == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], i32[10])");
  Tensor grid = run(Op::Iota, {}, Attrs{.dtype = DType::I32, .shape = {7, 2}});
  ZyRtPrintOptions saved = *zy_rt_print_options();
  zy_rt_print_options()->threshold = 10;
  CHECK(ten.toString() == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], i32[10])");
  CHECK(grid.toString() == "tensor([[0, 0], [1, 1], [2, 2], ..., [4, 4], [5, 5], [6, 6]], i32[7, 2])");
  zy_rt_print_options()->edgeitems = 1;
  CHECK(grid.toString() == "tensor([[0, 0], ..., [6, 6]], i32[7, 2])");
  zy_rt_print_options()->precision = 2;
  CHECK(f32({2}, {1.23456f, 0.5f}).toString() == "tensor([1.23, 0.5], f32[2])");
  CHECK(f32({1}, {0.001f}).toString() == "tensor([1e-03], f32[1])"); // below 10^-precision: scientific
  *zy_rt_print_options() = saved;
  Tensor big = run(Op::Iota, {}, Attrs{.dtype = DType::I32, .shape = {1001}});
  CHECK(big.toString() == "tensor([0, 1, 2, ..., 998, 999, 1000], i32[1001])");
}

TEST_CASE("broadcastShapes follows NumPy") {
  std::string error;
  CHECK(broadcastShapes({2, 1}, {3}, error) == Shape{2, 3});
  CHECK(broadcastShapes({}, {4, 5}, error) == Shape{4, 5});
  CHECK(broadcastShapes({1, 0}, {3, 1}, error) == Shape{3, 0});
  CHECK(!broadcastShapes({2, 3}, {4}, error));
  CHECK(error == "cannot broadcast [2, 3] with [4]: dimensions 3 and 4 differ");
}

// ================================================================ common rules

TEST_CASE("every op has a name, and operand counts are checked") {
  for (int i = 0; i < OpCount; ++i)
    CHECK(std::string(opInfo(static_cast<Op>(i)).name).size() > 0);
  CHECK(std::string(opInfo(Op::ScatterAdd).name) == "scatter_add");
  CHECK(opInfo(Op::Concat).arity == -1);
  CHECK(errorOf(Op::Add, {type(DType::F32, {2})}) == "add takes 2 operands, got 1");
  CHECK(errorOf(Op::Exp, {}) == "exp takes 1 operand, got 0");
  CHECK(errorOf(Op::Concat, {}) == "concat takes at least one operand");
  CHECK(errorOf(Op::Neg, {type(DType::F32, {-2})}) ==
        "operand 0 of neg has the invalid type f32[-2]: dimension -2 is negative");
}

// ================================================================ Unary

TEST_CASE("neg, abs, sign: i32 and floats, not bool") {
  CHECK(typed(Op::Neg, {type(DType::I32, {3})}).dtype == DType::I32);
  CHECK(errorOf(Op::Neg, {type(DType::Bool, {2})}) == "neg needs a numeric tensor, got bool[2]");
  CHECK(errorOf(Op::Abs, {type(DType::Bool, {})}) == "abs needs a numeric tensor, got bool[]");
  CHECK(errorOf(Op::Sign, {type(DType::Bool, {1})}) == "sign needs a numeric tensor, got bool[1]");
  CHECK(valuesOf(run(Op::Neg, {i32({3}, {1, -2, 0})})) == V{-1, 2, 0});
  CHECK(valuesOf(run(Op::Neg, {f32({2}, {1.5, -0.25})})) == V{-1.5, 0.25});
  CHECK(valuesOf(run(Op::Abs, {i32({3}, {-3, 3, 0})})) == V{3, 3, 0});
  CHECK(valuesOf(run(Op::Abs, {f64({2}, {-2.5, 1})})) == V{2.5, 1});
  CHECK(valuesOf(run(Op::Sign, {f32({3}, {-2, 0, 5})})) == V{-1, 0, 1});
  CHECK(valuesOf(run(Op::Sign, {i32({2}, {-7, 9})})) == V{-1, 1});
}

TEST_CASE("float math: exp, log, log1p, sqrt, sin, cos, tanh, erf, erf_inv") {
  for (Op op : {Op::Exp, Op::Log, Op::Log1p, Op::Sqrt, Op::Sin, Op::Cos, Op::Atan, Op::Tanh, Op::Erf, Op::ErfInv}) {
    CHECK(typed(op, {type(DType::F64, {2, 3})}).shape == Shape{2, 3});
    CHECK(errorOf(op, {type(DType::I32, {3})}) ==
          std::string(opInfo(op).name) + " needs a float tensor, got i32[3]");
  }
  const double e = std::exp(1.0), pi = std::acos(-1.0);
  checkClose(run(Op::Exp, {f64({2}, {0, 1})}), {1, e});
  checkClose(run(Op::Log, {f64({3}, {1, e, 0})}), {0, 1, -Inf});
  CHECK(run(Op::Log1p, {f64({1}, {1e-10})}).get(0) == doctest::Approx(9.999999999500001e-11).epsilon(1e-12));
  checkClose(run(Op::Sqrt, {f32({3}, {4, 9, -1})}), {2, 3, NaN});
  checkClose(run(Op::Sin, {f64({2}, {0, pi / 2})}), {0, 1});
  checkClose(run(Op::Cos, {f64({2}, {0, pi})}), {1, -1});
  checkClose(run(Op::Atan, {f64({3}, {0, 1, -Inf})}), {0, pi / 4, -pi / 2});
  checkClose(run(Op::Tanh, {f64({2}, {0, 1})}), {0, 0.7615941559557649});
  checkClose(run(Op::Erf, {f64({2}, {0, 1})}), {0, 0.8427007929497149});
  // Reference values from mpmath.erfinv at 40 digits (torch.erfinv is off by 1e-8 near 1).
  checkClose(run(Op::ErfInv, {f64({7}, {0, 0.5, -0.3, 0.999999, 0.9999999999, 1, 2})}),
             {0, 0.4769362762044699, -0.2724627147267543, 3.458910737275499, 4.572824958544925, Inf, NaN},
             1e-14);
}

TEST_CASE("floor, ceil, round: floats; round halves to even") {
  CHECK(errorOf(Op::Floor, {type(DType::I32, {2})}) == "floor needs a float tensor, got i32[2]");
  CHECK(valuesOf(run(Op::Floor, {f32({2}, {-1.5, 1.5})})) == V{-2, 1});
  CHECK(valuesOf(run(Op::Ceil, {f32({2}, {-1.5, 1.5})})) == V{-1, 2});
  CHECK(valuesOf(run(Op::Round, {f64({5}, {0.5, 1.5, 2.5, -0.5, 2.6})})) == V{0, 2, 2, -0.0, 3});
}

TEST_CASE("not needs bool") {
  CHECK(errorOf(Op::Not, {type(DType::F32, {2})}) == "not needs a bool tensor, got f32[2]");
  Tensor out = run(Op::Not, {boolean({2}, {1, 0})});
  CHECK(out.dtype() == DType::Bool);
  CHECK(valuesOf(out) == V{0, 1});
}

TEST_CASE("cast rounds to attrs.dtype") {
  Node node = typed(Op::Cast, {type(DType::F64, {2})}, Attrs{.dtype = DType::I32});
  CHECK(node.dtype == DType::I32);
  CHECK(node.shape == Shape{2});
  Tensor narrowed = run(Op::Cast, {f64({2}, {0.1, 1 + std::ldexp(1.0, -30)})}, Attrs{.dtype = DType::F32});
  CHECK(narrowed.get(0) == double(0.1f));
  CHECK(narrowed.get(0) != 0.1);
  CHECK(narrowed.get(1) == 1.0);
  Tensor truncated = run(Op::Cast, {f32({5}, {2.7, -2.7, NaN, 1e10, -1e10})}, Attrs{.dtype = DType::I32});
  CHECK(valuesOf(truncated) == V{2, -2, 0, 2147483647, -2147483648.0});
  CHECK(valuesOf(run(Op::Cast, {i32({2}, {0, 3})}, Attrs{.dtype = DType::Bool})) == V{0, 1});
  CHECK(valuesOf(run(Op::Cast, {boolean({2}, {1, 0})}, Attrs{.dtype = DType::F32})) == V{1, 0});
}

TEST_CASE("stop_gradient is the identity on values") {
  CHECK(typed(Op::StopGradient, {type(DType::Bool, {2})}).dtype == DType::Bool);
  CHECK(valuesOf(run(Op::StopGradient, {f32({2}, {1.5, -2})})) == V{1.5, -2});
}

// ================================================================ Binary

TEST_CASE("binary ops need one type and a numeric dtype") {
  CHECK(typed(Op::Add, {type(DType::F32, {2, 3}), type(DType::F32, {2, 3})}).shape == Shape{2, 3});
  CHECK(errorOf(Op::Add, {type(DType::F32, {2, 3}), type(DType::F32, {3})}) ==
        "add of f32[2, 3] and f32[3]: shapes differ");
  CHECK(errorOf(Op::Mul, {type(DType::F32, {3}), type(DType::I32, {3})}) ==
        "mul of f32[3] and i32[3]: dtypes differ");
  CHECK(errorOf(Op::Sub, {type(DType::Bool, {2}), type(DType::Bool, {2})}) ==
        "sub needs numeric tensors, got bool[2] and bool[2]");
  for (Op op : {Op::Div, Op::Mod, Op::Pow, Op::Max, Op::Min})
    CHECK(errorOf(op, {type(DType::F64, {1}), type(DType::F32, {1})}) ==
          std::string(opInfo(op).name) + " of f64[1] and f32[1]: dtypes differ");
}

TEST_CASE("add, sub, mul") {
  CHECK(valuesOf(run(Op::Add, {f32({2}, {1, 2.5}), f32({2}, {10, 0.25})})) == V{11, 2.75});
  CHECK(valuesOf(run(Op::Add, {i32({1}, {2147483647}), i32({1}, {1})})) == V{-2147483648.0}); // wraps, as NumPy's int32
  CHECK(valuesOf(run(Op::Mul, {i32({2}, {65536, 2147483647}), i32({2}, {65536, 2147483647})})) == V{0, 1}); // exact, then wrapped
  CHECK(valuesOf(run(Op::Sub, {i32({2}, {5, 1}), i32({2}, {7, -1})})) == V{-2, 2});
  CHECK(valuesOf(run(Op::Mul, {f64({2}, {3, -0.5}), f64({2}, {4, 4})})) == V{12, -2});
}

TEST_CASE("div: true division on floats, floor division on i32, 0 when dividing by 0") {
  CHECK(valuesOf(run(Op::Div, {f32({2}, {1, 3}), f32({2}, {2, 4})})) == V{0.5, 0.75});
  CHECK(run(Op::Div, {f32({1}, {1}), f32({1}, {0})}).get(0) == Inf);
  CHECK(valuesOf(run(Op::Div, {i32({5}, {7, -7, 7, -7, 5}), i32({5}, {2, 2, -2, -2, 0})})) ==
        V{3, -4, -4, 3, 0});
  CHECK(valuesOf(run(Op::Div, {i32({1}, {-2147483648.0}), i32({1}, {-1})})) == V{-2147483648.0}); // wraps
}

TEST_CASE("mod takes the divisor's sign, as Python's %") {
  CHECK(valuesOf(run(Op::Mod, {i32({5}, {-7, 7, 7, -7, 4}), i32({5}, {3, 3, -3, -3, 0})})) ==
        V{2, 1, -2, -1, 0});
  CHECK(valuesOf(run(Op::Mod, {f64({3}, {-7.5, 7.5, 6}), f64({3}, {2, -2, 3})})) == V{0.5, -0.5, 0});
  CHECK(std::isnan(run(Op::Mod, {f64({1}, {1}), f64({1}, {0})}).get(0)));
}

TEST_CASE("pow, max, min") {
  CHECK(valuesOf(run(Op::Pow, {f32({2}, {2, 9}), f32({2}, {3, 0.5})})) == V{8, 3});
  CHECK(valuesOf(run(Op::Pow, {i32({3}, {2, 3, 2}), i32({3}, {10, 2, -1})})) == V{1024, 9, 0});
  CHECK(valuesOf(run(Op::Max, {i32({2}, {1, 5}), i32({2}, {3, 2})})) == V{3, 5});
  CHECK(valuesOf(run(Op::Min, {i32({2}, {1, 5}), i32({2}, {3, 2})})) == V{1, 2});
  checkClose(run(Op::Max, {f32({2}, {NaN, 1}), f32({2}, {1, NaN})}), {NaN, NaN});
  checkClose(run(Op::Min, {f32({2}, {NaN, -1}), f32({2}, {1, 0})}), {NaN, -1});
}

TEST_CASE("and, or need bool") {
  CHECK(errorOf(Op::And, {type(DType::F32, {3}), type(DType::F32, {3})}) ==
        "and needs bool tensors, got f32[3] and f32[3]");
  CHECK(errorOf(Op::Or, {type(DType::Bool, {3}), type(DType::Bool, {2})}) ==
        "or of bool[3] and bool[2]: shapes differ");
  Tensor a = boolean({4}, {0, 0, 1, 1}), b = boolean({4}, {0, 1, 0, 1});
  CHECK(valuesOf(run(Op::And, {a, b})) == V{0, 0, 0, 1});
  CHECK(valuesOf(run(Op::Or, {a, b})) == V{0, 1, 1, 1});
}

// ================================================================ Compare

TEST_CASE("comparisons give bool") {
  Node node = typed(Op::Lt, {type(DType::F32, {2, 2}), type(DType::F32, {2, 2})});
  CHECK(node.dtype == DType::Bool);
  CHECK(node.shape == Shape{2, 2});
  CHECK(errorOf(Op::Lt, {type(DType::F32, {3}), type(DType::I32, {3})}) ==
        "lt of f32[3] and i32[3]: dtypes differ");
  CHECK(errorOf(Op::Eq, {type(DType::I32, {3}), type(DType::I32, {1})}) ==
        "eq of i32[3] and i32[1]: shapes differ");
  Tensor a = i32({3}, {1, 2, 3}), b = i32({3}, {2, 2, 2});
  CHECK(valuesOf(run(Op::Eq, {a, b})) == V{0, 1, 0});
  CHECK(valuesOf(run(Op::Ne, {a, b})) == V{1, 0, 1});
  CHECK(valuesOf(run(Op::Lt, {a, b})) == V{1, 0, 0});
  CHECK(valuesOf(run(Op::Le, {a, b})) == V{1, 1, 0});
  CHECK(valuesOf(run(Op::Gt, {a, b})) == V{0, 0, 1});
  CHECK(valuesOf(run(Op::Ge, {a, b})) == V{0, 1, 1});
  Tensor n = f32({1}, {NaN});
  CHECK(valuesOf(run(Op::Eq, {n, n})) == V{0});
  CHECK(valuesOf(run(Op::Ne, {n, n})) == V{1});
  CHECK(valuesOf(run(Op::Eq, {boolean({2}, {1, 0}), boolean({2}, {1, 1})})) == V{1, 0});
}

// ================================================================ Ternary

TEST_CASE("where(cond, a, b)") {
  CHECK(typed(Op::Where, {type(DType::Bool, {3}), type(DType::I32, {3}), type(DType::I32, {3})}).dtype ==
        DType::I32);
  CHECK(errorOf(Op::Where, {type(DType::F32, {3}), type(DType::F32, {3}), type(DType::F32, {3})}) ==
        "where needs a bool condition, got f32[3]");
  CHECK(errorOf(Op::Where, {type(DType::Bool, {3}), type(DType::F32, {3}), type(DType::F64, {3})}) ==
        "where of f32[3] and f64[3]: dtypes differ");
  CHECK(errorOf(Op::Where, {type(DType::Bool, {2}), type(DType::F32, {3}), type(DType::F32, {3})}) ==
        "where with condition bool[2] and values f32[3]: shapes differ");
  Tensor out = run(Op::Where, {boolean({3}, {1, 0, 1}), f32({3}, {1, 2, 3}), f32({3}, {10, 20, 30})});
  CHECK(valuesOf(out) == V{1, 20, 3});
}

// ================================================================ Reduce

TEST_CASE("reduce_sum: axes are normalised; empty axes reduce nothing") {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Node node = typed(Op::ReduceSum, {type(DType::F32, {2, 3})}, Attrs{.axes = {-1}});
  CHECK(node.attrs.axes == std::vector<int64_t>{1});
  CHECK(node.shape == Shape{2});
  CHECK(valuesOf(run(Op::ReduceSum, {x}, Attrs{.axes = {1}})) == V{6, 15});
  Tensor kept = run(Op::ReduceSum, {x}, Attrs{.axes = {0}, .keepdims = true});
  CHECK(kept.shape() == Shape{1, 3});
  CHECK(valuesOf(kept) == V{5, 7, 9});
  Tensor all = run(Op::ReduceSum, {x}, Attrs{.axes = {1, 0}});
  CHECK(all.shape() == Shape{});
  CHECK(all.get(0) == 21);
  Tensor none = run(Op::ReduceSum, {x}, Attrs{.axes = {}});
  CHECK(none.shape() == Shape{2, 3});
  CHECK(valuesOf(none) == valuesOf(x));
  CHECK(valuesOf(run(Op::ReduceSum, {Tensor(DType::F32, {0, 2})}, Attrs{.axes = {0}})) == V{0, 0});
  CHECK(errorOf(Op::ReduceSum, {type(DType::F32, {3, 4})}, Attrs{.axes = {2}}) ==
        "reduce_sum over axis 2 of f32[3, 4], which has 2 axes");
  CHECK(errorOf(Op::ReduceSum, {type(DType::F32, {3})}, Attrs{.axes = {-2}}) ==
        "reduce_sum over axis -2 of f32[3], which has 1 axis");
  CHECK(errorOf(Op::ReduceSum, {type(DType::F32, {3, 4})}, Attrs{.axes = {1, -1}}) ==
        "reduce_sum of f32[3, 4]: axis 1 is repeated");
  CHECK(errorOf(Op::ReduceSum, {type(DType::Bool, {3})}, Attrs{.axes = {0}}) ==
        "reduce_sum needs a numeric tensor, got bool[3]");
}

TEST_CASE("reduce_max: NaN wins; no maximum of nothing") {
  Tensor x = i32({2, 3}, {1, 5, 3, 4, 2, 6});
  CHECK(valuesOf(run(Op::ReduceMax, {x}, Attrs{.axes = {1}})) == V{5, 6});
  CHECK(valuesOf(run(Op::ReduceMax, {x}, Attrs{.axes = {0}})) == V{4, 5, 6});
  checkClose(run(Op::ReduceMax, {f32({2, 2}, {1, NaN, -Inf, -Inf})}, Attrs{.axes = {1}}), {NaN, -Inf});
  CHECK(valuesOf(run(Op::ReduceMin, {x}, Attrs{.axes = {1}})) == V{1, 2});
  CHECK(valuesOf(run(Op::ReduceMin, {x}, Attrs{.axes = {0}})) == V{1, 2, 3});
  checkClose(run(Op::ReduceMin, {f32({2, 2}, {1, NaN, Inf, Inf})}, Attrs{.axes = {1}}), {NaN, Inf});
  CHECK(errorOf(Op::ReduceMax, {type(DType::F32, {0, 3})}, Attrs{.axes = {0}}) ==
        "reduce_max over axis 0 of f32[0, 3], which is empty");
  CHECK(typed(Op::ReduceMax, {type(DType::F32, {0, 3})}, Attrs{.axes = {1}}).shape == Shape{0});
}

TEST_CASE("argmax: one axis, i32 result, first maximum wins, NaN is the maximum") {
  Node node = typed(Op::ArgMax, {type(DType::F32, {2, 3})}, Attrs{.axes = {-1}, .keepdims = true});
  CHECK(node.dtype == DType::I32);
  CHECK(node.shape == Shape{2, 1});
  CHECK(errorOf(Op::ArgMax, {type(DType::F32, {2, 3})}, Attrs{.axes = {0, 1}}) ==
        "argmax needs exactly one axis, got 2");
  CHECK(errorOf(Op::ArgMax, {type(DType::F32, {2, 0})}, Attrs{.axes = {1}}) ==
        "argmax over axis 1 of f32[2, 0], which is empty");
  Tensor x = f32({2, 3}, {1, 3, 3, 2, 1, 2});
  CHECK(valuesOf(run(Op::ArgMax, {x}, Attrs{.axes = {1}})) == V{1, 0});
  CHECK(valuesOf(run(Op::ArgMax, {x}, Attrs{.axes = {0}})) == V{1, 0, 0});
  CHECK(valuesOf(run(Op::ArgMax, {f32({4}, {1, NaN, 5, NaN})}, Attrs{.axes = {0}})) == V{1});
}

// ================================================================ Movement

TEST_CASE("reshape keeps the element count and order") {
  CHECK(errorOf(Op::Reshape, {type(DType::F32, {2, 3})}, Attrs{.shape = {4, 2}}) ==
        "reshape of f32[2, 3] (6 elements) to [4, 2] (8 elements)");
  CHECK(errorOf(Op::Reshape, {type(DType::F32, {2, 3})}, Attrs{.shape = {-1, 6}}) ==
        "reshape of f32[2, 3] to [-1, 6]: dimension -1 is negative");
  Tensor out = run(Op::Reshape, {i32({2, 3}, {1, 2, 3, 4, 5, 6})}, Attrs{.shape = {3, 1, 2}});
  CHECK(out.shape() == Shape{3, 1, 2});
  CHECK(valuesOf(out) == V{1, 2, 3, 4, 5, 6});
  CHECK(run(Op::Reshape, {f32({1}, {7})}, Attrs{.shape = {}}).shape() == Shape{});
}

TEST_CASE("transpose by a permutation") {
  CHECK(typed(Op::Transpose, {type(DType::F32, {2, 3, 4})}, Attrs{.perm = {2, 0, 1}}).shape ==
        Shape{4, 2, 3});
  CHECK(errorOf(Op::Transpose, {type(DType::F32, {2, 3})}, Attrs{.perm = {0, 0}}) ==
        "transpose of f32[2, 3] by [0, 0]: not a permutation of its 2 axes");
  CHECK(errorOf(Op::Transpose, {type(DType::F32, {2, 3})}, Attrs{.perm = {1}}) ==
        "transpose of f32[2, 3] by [1]: not a permutation of its 2 axes");
  Tensor out = run(Op::Transpose, {i32({2, 3}, {1, 2, 3, 4, 5, 6})}, Attrs{.perm = {1, 0}});
  CHECK(out.shape() == Shape{3, 2});
  CHECK(valuesOf(out) == V{1, 4, 2, 5, 3, 6});
}

TEST_CASE("broadcast follows NumPy") {
  CHECK(errorOf(Op::Broadcast, {type(DType::F32, {2, 3})}, Attrs{.shape = {4, 3}}) ==
        "broadcast of f32[2, 3] to [4, 3]: dimension 2 is neither 1 nor 4");
  CHECK(errorOf(Op::Broadcast, {type(DType::F32, {2, 3})}, Attrs{.shape = {3}}) ==
        "broadcast of f32[2, 3] to [3]: the target has fewer axes");
  Tensor row = run(Op::Broadcast, {f32({3}, {1, 2, 3})}, Attrs{.shape = {2, 3}});
  CHECK(valuesOf(row) == V{1, 2, 3, 1, 2, 3});
  Tensor column = run(Op::Broadcast, {f32({2, 1}, {1, 2})}, Attrs{.shape = {2, 3}});
  CHECK(valuesOf(column) == V{1, 1, 1, 2, 2, 2});
  Tensor scalar = run(Op::Broadcast, {Tensor::scalar(DType::I32, 7)}, Attrs{.shape = {2}});
  CHECK(valuesOf(scalar) == V{7, 7});
}

TEST_CASE("slice with starts, stops and steps") {
  Tensor x = run(Op::Iota, {}, Attrs{.dtype = DType::F32, .shape = {10}});
  CHECK(valuesOf(run(Op::Slice, {x}, Attrs{.starts = {1}, .stops = {8}, .steps = {3}})) == V{1, 4, 7});
  CHECK(run(Op::Slice, {x}, Attrs{.starts = {5}, .stops = {2}, .steps = {1}}).shape() == Shape{0});
  Tensor m = run(Op::Reshape, {run(Op::Iota, {}, Attrs{.dtype = DType::I32, .shape = {12}})},
                 Attrs{.shape = {3, 4}});
  Tensor corners = run(Op::Slice, {m}, Attrs{.starts = {0, 1}, .stops = {3, 4}, .steps = {2, 2}});
  CHECK(corners.shape() == Shape{2, 2});
  CHECK(valuesOf(corners) == V{1, 3, 9, 11});
  OperandType t = type(DType::F32, {10});
  CHECK(errorOf(Op::Slice, {t}, Attrs{.starts = {0}, .stops = {5}, .steps = {0}}) ==
        "slice of f32[10]: step 0 on axis 0 is not positive");
  CHECK(errorOf(Op::Slice, {t}, Attrs{.starts = {11}, .stops = {5}, .steps = {1}}) ==
        "slice of f32[10]: start 11 on axis 0 is outside [0, 10]");
  CHECK(errorOf(Op::Slice, {t}, Attrs{.starts = {0}, .stops = {-1}, .steps = {1}}) ==
        "slice of f32[10]: stop -1 on axis 0 is outside [0, 10]");
  CHECK(errorOf(Op::Slice, {t}, Attrs{.starts = {0, 0}, .stops = {1}, .steps = {1}}) ==
        "slice of f32[10]: 2 starts, 1 stops and 1 steps for 1 axis");
}

TEST_CASE("pad with lo, hi and a value") {
  CHECK(valuesOf(run(Op::Pad, {f32({2}, {1, 2})}, Attrs{.lo = {1}, .hi = {2}, .value = 9})) ==
        V{9, 1, 2, 9, 9});
  Tensor out = run(Op::Pad, {i32({2, 2}, {1, 2, 3, 4})}, Attrs{.lo = {1, 0}, .hi = {0, 1}, .value = 0});
  CHECK(out.shape() == Shape{3, 3});
  CHECK(valuesOf(out) == V{0, 0, 0, 1, 2, 0, 3, 4, 0});
  CHECK(valuesOf(run(Op::Pad, {i32({1}, {5})}, Attrs{.lo = {1}, .hi = {0}, .value = -1.5})) == V{-1, 5});
  CHECK(errorOf(Op::Pad, {type(DType::F32, {2})}, Attrs{.lo = {-1}, .hi = {0}}) ==
        "pad of f32[2]: lo -1 on axis 0 is negative");
  CHECK(errorOf(Op::Pad, {type(DType::F32, {2})}, Attrs{.lo = {0}, .hi = {int64_t(1) << 40}}) ==
        "pad of f32[2]: hi 1099511627776 on axis 0 is too large");
  CHECK(errorOf(Op::Pad, {type(DType::F32, {2})}, Attrs{.lo = {0}, .hi = {}}) ==
        "pad of f32[2]: 1 lo and 0 hi widths for 1 axis");
}

TEST_CASE("concat along an axis") {
  Node node = typed(Op::Concat, {type(DType::F32, {2, 1}), type(DType::F32, {2, 2})}, Attrs{.axis = -1});
  CHECK(node.attrs.axis == 1);
  CHECK(node.shape == Shape{2, 3});
  CHECK(errorOf(Op::Concat, {type(DType::F32, {2, 3}), type(DType::F32, {3, 3})}, Attrs{.axis = 1}) ==
        "concat of f32[2, 3] and f32[3, 3]: dimension 0 differs and only axis 1 may");
  CHECK(errorOf(Op::Concat, {type(DType::F32, {2}), type(DType::I32, {2})}) ==
        "concat of f32[2] and i32[2]: dtypes differ");
  CHECK(errorOf(Op::Concat, {type(DType::F32, {2}), type(DType::F32, {2, 2})}) ==
        "concat of f32[2] and f32[2, 2]: ranks differ");
  CHECK(errorOf(Op::Concat, {type(DType::F32, {})}) == "concat over axis 0 of f32[], which has 0 axes");
  Tensor rows = run(Op::Concat, {f32({1, 2}, {1, 2}), f32({2, 2}, {3, 4, 5, 6})}, Attrs{.axis = 0});
  CHECK(valuesOf(rows) == V{1, 2, 3, 4, 5, 6});
  Tensor cols =
      run(Op::Concat, {f32({2, 1}, {1, 2}), f32({2, 2}, {3, 4, 5, 6}), f32({2, 0}, {})}, Attrs{.axis = 1});
  CHECK(cols.shape() == Shape{2, 3});
  CHECK(valuesOf(cols) == V{1, 3, 4, 2, 5, 6});
}

TEST_CASE("flip reverses axes") {
  Tensor x = i32({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(valuesOf(run(Op::Flip, {x}, Attrs{.axes = {1}})) == V{3, 2, 1, 6, 5, 4});
  CHECK(valuesOf(run(Op::Flip, {x}, Attrs{.axes = {0, -1}})) == V{6, 5, 4, 3, 2, 1});
  CHECK(valuesOf(run(Op::Flip, {x}, Attrs{.axes = {}})) == valuesOf(x));
  CHECK(errorOf(Op::Flip, {type(DType::I32, {2, 3})}, Attrs{.axes = {2}}) ==
        "flip over axis 2 of i32[2, 3], which has 2 axes");
}

// ================================================================ Contract

TEST_CASE("matmul: shape rule") {
  CHECK(typed(Op::MatMul, {type(DType::F32, {5, 2, 3}), type(DType::F32, {5, 3, 4})}).shape ==
        Shape{5, 2, 4});
  CHECK(errorOf(Op::MatMul, {type(DType::F32, {2, 3}), type(DType::F32, {4, 3})}) ==
        "matmul of f32[2, 3] and f32[4, 3]: inner dimensions 3 and 4 differ");
  CHECK(errorOf(Op::MatMul, {type(DType::F32, {3}), type(DType::F32, {3, 2})}) ==
        "matmul of f32[3] and f32[3, 2]: each needs at least 2 axes");
  CHECK(errorOf(Op::MatMul, {type(DType::F32, {2, 3}), type(DType::F64, {3, 2})}) ==
        "matmul of f32[2, 3] and f64[3, 2]: dtypes differ");
  CHECK(errorOf(Op::MatMul, {type(DType::Bool, {2, 2}), type(DType::Bool, {2, 2})}) ==
        "matmul of bool[2, 2] and bool[2, 2]: needs float or i32 tensors");
  CHECK(errorOf(Op::MatMul, {type(DType::F32, {2, 2, 2}), type(DType::F32, {2, 2})}) ==
        "matmul of f32[2, 2, 2] and f32[2, 2]: ranks differ");
  CHECK(errorOf(Op::MatMul, {type(DType::F32, {2, 2, 2}), type(DType::F32, {3, 2, 2})}) ==
        "matmul of f32[2, 2, 2] and f32[3, 2, 2]: batch dimensions differ");
}

TEST_CASE("matmul: kernel") {
  Tensor out = run(Op::MatMul, {f32({2, 2}, {1, 2, 3, 4}), f32({2, 2}, {5, 6, 7, 8})});
  CHECK(valuesOf(out) == V{19, 22, 43, 50});
  // [2, 3] @ [3, 1] in i32.
  CHECK(valuesOf(run(Op::MatMul, {i32({2, 3}, {1, 2, 3, 4, 5, 6}), i32({3, 1}, {1, 0, -1})})) == V{-2, -2});
  // Two batches: the identity, then twice the identity.
  Tensor batched =
      run(Op::MatMul, {f64({2, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2}), f64({2, 2, 2}, {1, 2, 3, 4, 1, 2, 3, 4})});
  CHECK(valuesOf(batched) == V{1, 2, 3, 4, 2, 4, 6, 8});
  CHECK(valuesOf(run(Op::MatMul, {f32({2, 0}, {}), f32({0, 2}, {})})) == V{0, 0, 0, 0});
}

// ================================================================ Index

TEST_CASE("gather: shape rule") {
  CHECK(typed(Op::Gather, {type(DType::F32, {3, 4, 5}), type(DType::I32, {2, 6})}, Attrs{.axis = 1}).shape ==
        Shape{3, 2, 6, 5});
  CHECK(typed(Op::Gather, {type(DType::F32, {3, 4}), type(DType::I32, {})}, Attrs{.axis = -1}).shape ==
        Shape{3});
  CHECK(errorOf(Op::Gather, {type(DType::F32, {3, 2}), type(DType::F32, {2})}) ==
        "gather needs i32 indices, got f32[2]");
  CHECK(errorOf(Op::Gather, {type(DType::F32, {3, 2}), type(DType::I32, {2})}, Attrs{.axis = 2}) ==
        "gather over axis 2 of f32[3, 2], which has 2 axes");
  CHECK(errorOf(Op::Gather, {type(DType::F32, {0, 2}), type(DType::I32, {1})}) ==
        "gather over axis 0 of f32[0, 2], which is empty");
}

TEST_CASE("gather: kernel, with out-of-range indices clamped") {
  Tensor x = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  CHECK(valuesOf(run(Op::Gather, {x, i32({2}, {2, 0})}, Attrs{.axis = 0})) == V{5, 6, 1, 2});
  Tensor columns = run(Op::Gather, {x, i32({2, 2}, {1, 0, 1, 1})}, Attrs{.axis = 1});
  CHECK(columns.shape() == Shape{3, 2, 2});
  CHECK(valuesOf(columns) == V{2, 1, 2, 2, 4, 3, 4, 4, 6, 5, 6, 6});
  CHECK(valuesOf(run(Op::Gather, {x, i32({2}, {-1, 5})}, Attrs{.axis = 0})) == V{1, 2, 5, 6});
}

TEST_CASE("argsort: shape rule and kernel (stable, NaN last, descending)") {
  CHECK(typed(Op::Argsort, {type(DType::F32, {3, 4})}).shape == Shape{3, 4});
  CHECK(typed(Op::Argsort, {type(DType::F64, {3, 4})}).dtype == DType::I32);
  CHECK(errorOf(Op::Argsort, {type(DType::F32, {})}) == "argsort needs a tensor with an axis to sort along, got f32[]");
  CHECK(errorOf(Op::Argsort, {type(DType::Bool, {3})}) == "argsort needs a numeric tensor, got bool[3]");
  Tensor x = f64({2, 4}, {2, NaN, 1, 2, 0, -1, 0, 5});
  CHECK(valuesOf(run(Op::Argsort, {x})) == V{2, 0, 3, 1, 1, 0, 2, 3});
  CHECK(valuesOf(run(Op::Argsort, {x}, Attrs{.value = 1})) == V{0, 3, 2, 1, 3, 0, 2, 1});
  CHECK(valuesOf(run(Op::Argsort, {i32({5}, {3, 3, -7, 3, 0})})) == V{2, 4, 0, 1, 3});
  CHECK(run(Op::Argsort, {f32({2, 0}, {})}).shape() == Shape{2, 0});
}

TEST_CASE("scatter_add: shape rule") {
  OperandType base = type(DType::F32, {3, 2});
  CHECK(typed(Op::ScatterAdd, {base, type(DType::I32, {4}), type(DType::F32, {4, 2})}).shape == Shape{3, 2});
  CHECK(errorOf(Op::ScatterAdd, {base, type(DType::I32, {4}), type(DType::F32, {3, 2})}) ==
        "scatter_add into f32[3, 2] at i32[4] over axis 0: the updates are f32[3, 2], not f32[4, 2]");
  CHECK(errorOf(Op::ScatterAdd, {base, type(DType::I32, {2}), type(DType::F64, {2, 2})}) ==
        "scatter_add into f32[3, 2] at i32[2] over axis 0: the updates are f64[2, 2], not f32[2, 2]");
  CHECK(errorOf(Op::ScatterAdd, {base, type(DType::F32, {2}), type(DType::F32, {2, 2})}) ==
        "scatter_add needs i32 indices, got f32[2]");
  CHECK(errorOf(Op::ScatterAdd, {type(DType::Bool, {2}), type(DType::I32, {2}), type(DType::Bool, {2})}) ==
        "scatter_add needs a numeric tensor, got bool[2]");
}

TEST_CASE("scatter_add: kernel sums repeated indices and drops out-of-range ones") {
  Tensor base = f32({3, 2}, {0, 0, 0, 0, 1, 1});
  Tensor updates = f32({4, 2}, {1, 1, 2, 2, 3, 3, 100, 100});
  Tensor out = run(Op::ScatterAdd, {base, i32({4}, {0, 2, 0, 3}), updates});
  CHECK(valuesOf(out) == V{4, 4, 0, 0, 3, 3});
  Tensor byColumn =
      run(Op::ScatterAdd, {i32({2, 2}, {0, 0, 0, 0}), i32({1}, {1}), i32({2, 1}, {5, 7})}, Attrs{.axis = 1});
  CHECK(valuesOf(byColumn) == V{0, 5, 0, 7});
}

// ================================================================ Check

TEST_CASE("check_labels: i32 labels in range pass unchanged, the first bad one is named with its index") {
  Attrs ten{.value = 10};
  ten.name = "cross_entropy";
  CHECK(typed(Op::CheckLabels, {type(DType::I32, {4})}, ten).shape == Shape{4});
  CHECK(errorOf(Op::CheckLabels, {type(DType::F32, {32})}, ten) ==
        "cross_entropy expects integer labels, found f32[32] (convert them with astype(labels, i32))");
  CHECK(errorOf(Op::CheckLabels, {type(DType::I32, {2})}, Attrs{.value = -1}) ==
        "check_labels needs a whole number of classes from 0 to 2^31");
  CHECK(valuesOf(run(Op::CheckLabels, {i32({3}, {0, 9, 4})}, ten)) == V{0, 9, 4});
  auto failure = [&](Tensor labels, Attrs attrs) -> std::string {
    try {
      run(Op::CheckLabels, {std::move(labels)}, attrs);
    } catch (const CheckFailed &e) {
      return e.what();
    }
    return "";
  };
  CHECK(failure(i32({4}, {0, 2, 1, 10}), ten) ==
        "cross_entropy: label 10 at index [3] is out of range for 10 classes (expected 0 <= label < 10)");
  CHECK(failure(i32({2, 2}, {0, 1, -1, 12}), ten) ==
        "cross_entropy: label -1 at index [1, 0] is out of range for 10 classes (expected 0 <= label < 10)");
  CHECK(failure(i32({}, {1}), Attrs{.value = 1}) ==
        "check_labels: label 1 is out of range for 1 class (expected 0 <= label < 1)");
  CHECK(failure(i32({0}, {}), Attrs{.value = 0}) == "");
}

// ================================================================ Effect

TEST_CASE("debug_print: one operand per `{}`, an empty bool[0] token, and the line printed as print shows tensors") {
  Attrs two;
  two.name = "loss {} at {} {{}}";
  CHECK(typed(Op::DebugPrint, {type(DType::F32, {}), type(DType::I32, {2})}, two).shape == Shape{0});
  CHECK(typed(Op::DebugPrint, {type(DType::F32, {}), type(DType::I32, {2})}, two).dtype == DType::Bool);
  CHECK(errorOf(Op::DebugPrint, {type(DType::F32, {})}, two) ==
        "debug.print: the format has 2 `{}` but 1 value follows it (expected 2, found 1)");
  Attrs lone;
  lone.name = "a } b";
  CHECK(errorOf(Op::DebugPrint, {}, lone) ==
        "debug.print: the format has a lone `}` at offset 2 (a value is `{}`; a brace is written twice: `{{` or `}}`)");
  std::string out;
  {
    PrintTo to([&](const std::string &line) { out += line; });
    Tensor loss = Tensor::scalar(DType::F32, 0.5);
    run(Op::DebugPrint, {loss, i32({2}, {3, 4})}, two);
  }
  CHECK(out == "loss tensor(0.5, f32[]) at tensor([3, 4], i32[2]) {}\n");
}

// ================================================================ Source

TEST_CASE("input and constant take their type from attrs") {
  Node input = typed(Op::Input, {}, Attrs{.dtype = DType::F64, .shape = {2}, .index = 1});
  CHECK(input.dtype == DType::F64);
  CHECK(input.shape == Shape{2});
  CHECK(errorOf(Op::Input, {}, Attrs{.index = -1}) == "input with the negative index -1");
  CHECK(valuesOf(run(Op::Constant, {}, Attrs{.dtype = DType::I32, .shape = {2, 2}, .value = 2.7})) ==
        V{2, 2, 2, 2});
  CHECK(errorOf(Op::Constant, {}, Attrs{.shape = {-1}}) ==
        "constant gives f32[-1]: dimension -1 is negative");
  CHECK(errorOf(Op::Constant, {}, Attrs{.shape = {1 << 20, 1 << 20}}) ==
        "constant gives f32[1048576, 1048576]: it would have more than 4294967296 elements");
}

TEST_CASE("literal and iota") {
  auto lit = std::make_shared<const Tensor>(i32({2}, {4, 5}));
  Tensor out = run(Op::Literal, {}, Attrs{.literal = lit});
  CHECK(out.dtype() == DType::I32);
  CHECK(valuesOf(out) == V{4, 5});
  CHECK(errorOf(Op::Literal, {}) == "literal without a tensor");
  CHECK(valuesOf(run(Op::Iota, {}, Attrs{.dtype = DType::I32, .shape = {2, 3}, .axis = 1})) ==
        V{0, 1, 2, 0, 1, 2});
  Tensor rows = run(Op::Iota, {}, Attrs{.dtype = DType::F32, .shape = {2, 3}, .axis = -2});
  CHECK(valuesOf(rows) == V{0, 0, 0, 1, 1, 1});
  CHECK(errorOf(Op::Iota, {}, Attrs{.dtype = DType::Bool, .shape = {2}}) ==
        "iota needs a numeric dtype, got bool");
  CHECK(errorOf(Op::Iota, {}, Attrs{.dtype = DType::I32, .shape = {2}, .axis = 1}) ==
        "iota over axis 1 of i32[2], which has 1 axis");
}

// ================================================================ Random

TEST_CASE("random_uniform: a key of i32[2] gives the runtime's numbers") {
  CHECK(errorOf(Op::RandomUniform, {type(DType::F32, {2})}, Attrs{.shape = {3}}) ==
        "random_uniform needs a key of type i32[2], got f32[2]");
  CHECK(errorOf(Op::RandomUniform, {type(DType::I32, {3})}, Attrs{.shape = {3}}) ==
        "random_uniform needs a key of type i32[2], got i32[3]");
  CHECK(errorOf(Op::RandomUniform, {type(DType::I32, {2})}, Attrs{.dtype = DType::I32, .shape = {3}}) ==
        "random_uniform makes f32 or f64 numbers, not i32");
  Tensor key = i32({2}, {-1, 42}); // -1 is the word 0xffffffff
  const uint32_t words[2] = {0xffffffffu, 42};
  Tensor a = run(Op::RandomUniform, {key}, Attrs{.dtype = DType::F32, .shape = {10, 100}});
  CHECK(a.shape() == Shape{10, 100});
  std::vector<float> expected(1000);
  zy_rt_random_uniform_f32(words, 1000, expected.data());
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    CHECK(a.get(i) == double(expected[i]));
    CHECK(a.get(i) >= 0);
    CHECK(a.get(i) < 1);
    sum += a.get(i);
  }
  CHECK(sum / 1000 == doctest::Approx(0.5).epsilon(0.1));
  Tensor b = run(Op::RandomUniform, {key}, Attrs{.dtype = DType::F64, .shape = {4}});
  std::vector<double> expected64(4);
  zy_rt_random_uniform_f64(words, 4, expected64.data());
  CHECK(valuesOf(b) == expected64);
}

TEST_CASE("random_normal: the runtime's normal streams, f32 and f64") {
  CHECK(errorOf(Op::RandomNormal, {type(DType::F32, {2})}, Attrs{.shape = {3}}) ==
        "random_normal needs a key of type i32[2], got f32[2]");
  CHECK(errorOf(Op::RandomNormal, {type(DType::I32, {2})}, Attrs{.dtype = DType::I32, .shape = {3}}) ==
        "random_normal makes f32 or f64 numbers, not i32");
  Tensor key = i32({2}, {-1, 42});
  const uint32_t words[2] = {0xffffffffu, 42};
  Tensor a = run(Op::RandomNormal, {key}, Attrs{.dtype = DType::F32, .shape = {3, 5}});
  CHECK(a.shape() == Shape{3, 5});
  std::vector<float> expected(15);
  zy_rt_random_normal_f32(words, 15, expected.data());
  for (int64_t i = 0; i < a.size(); ++i) CHECK(a.get(i) == double(expected[i]));
  Tensor b = run(Op::RandomNormal, {key}, Attrs{.dtype = DType::F64, .shape = {4}});
  std::vector<double> expected64(4);
  zy_rt_random_normal_f64(words, 4, expected64.data());
  CHECK(valuesOf(b) == expected64);
}

// ================================================================ Graph, printGraph, execute

namespace {

/// Appends a node, typed by inferType from its operands' types.
int addNode(Graph &graph, Op op, std::vector<int> operands, Attrs attrs = {}) {
  std::vector<OperandType> types;
  for (int id : operands)
    types.push_back({graph.nodes[id].dtype, graph.nodes[id].shape});
  Node node = typed(op, types, std::move(attrs));
  node.operands = std::move(operands);
  int id = graph.add(std::move(node));
  if (op == Op::Input) graph.inputs.push_back(id);
  return id;
}

/// sum(x @ w, axis 1) + 1, and x @ w.
Graph smallGraph() {
  Graph g;
  int x = addNode(g, Op::Input, {}, Attrs{.dtype = DType::F32, .shape = {2, 3}, .index = 0});
  int w = addNode(g, Op::Input, {}, Attrs{.dtype = DType::F32, .shape = {3, 2}, .index = 1});
  int y = addNode(g, Op::MatMul, {x, w});
  int s = addNode(g, Op::ReduceSum, {y}, Attrs{.axes = {-1}});
  int one = addNode(g, Op::Constant, {}, Attrs{.dtype = DType::F32, .shape = {2}, .value = 1});
  addNode(g, Op::Exp, {one}); // dead: nothing uses it
  int out = addNode(g, Op::Add, {s, one});
  g.outputs = {out, y};
  return g;
}

} // namespace

TEST_CASE("printGraph") {
  CHECK(printGraph(smallGraph()) == "%0 = input() {index=0} : f32[2, 3]\n"
                                    "%1 = input() {index=1} : f32[3, 2]\n"
                                    "%2 = matmul(%0, %1) : f32[2, 2]\n"
                                    "%3 = reduce_sum(%2) {axes=[1], keepdims=false} : f32[2]\n"
                                    "%4 = constant() {value=1} : f32[2]\n"
                                    "%5 = exp(%4) : f32[2]\n"
                                    "%6 = add(%3, %4) : f32[2]\n"
                                    "return %6, %2\n");
  Graph g;
  int x = addNode(g, Op::Literal, {}, Attrs{.literal = std::make_shared<const Tensor>(f32({2}, {0.5, 2}))});
  int p = addNode(g, Op::Pad, {x}, Attrs{.lo = {1}, .hi = {0}, .value = -0.25});
  int c = addNode(g, Op::Cast, {p}, Attrs{.dtype = DType::F64});
  g.outputs = {c};
  CHECK(printGraph(g) == "%0 = literal() {literal=tensor([0.5, 2], f32[2])} : f32[2]\n"
                         "%1 = pad(%0) {lo=[1], hi=[0], value=-0.25} : f32[3]\n"
                         "%2 = cast(%1) {dtype=f64} : f64[3]\n"
                         "return %2\n");
}

TEST_CASE("execute runs a graph") {
  Graph g = smallGraph();
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = f32({3, 2}, {1, 0, 0, 1, 1, 1});
  std::vector<Tensor> out = execute(g, {x, w});
  REQUIRE(out.size() == 2);
  // x @ w = [[4, 5], [10, 11]]; the row sums plus one are [10, 22].
  CHECK(valuesOf(out[1]) == V{4, 5, 10, 11});
  CHECK(out[0].shape() == Shape{2});
  CHECK(valuesOf(out[0]) == V{10, 22});
}

TEST_CASE("execute checks its inputs and the graph") {
  Graph g = smallGraph();
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = f32({3, 2}, {1, 0, 0, 1, 1, 1});
  CHECK_THROWS_WITH_AS(execute(g, {x}), "the graph takes 2 inputs, got 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(execute(g, {x, x}), "input 1 should be f32[3, 2], got f32[2, 3]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(execute(g, {x, Tensor(DType::F64, {3, 2})}),
                       "input 1 should be f32[3, 2], got f64[3, 2]", std::invalid_argument);
  Graph forward = g;
  forward.nodes[2].operands = {0, 3};
  CHECK_THROWS_WITH_AS(execute(forward, {x, w}), "node %2 (matmul) uses %3, which is not an earlier node",
                       std::invalid_argument);
  Graph mistyped = g;
  mistyped.nodes[2].shape = {2, 3};
  CHECK_THROWS_WITH_AS(execute(mistyped, {x, w}),
                       "node %2 (matmul) is typed f32[2, 3] but its operands make it f32[2, 2]",
                       std::invalid_argument);
  Graph illFormed = g;
  illFormed.nodes[2].operands = {0, 0};
  CHECK_THROWS_WITH_AS(execute(illFormed, {x, w}),
                       "node %2 (matmul): matmul of f32[2, 3] and f32[2, 3]: inner dimensions 3 and 2 differ",
                       std::invalid_argument);
  Graph badOutput = g;
  badOutput.outputs = {99};
  CHECK_THROWS_WITH_AS(execute(badOutput, {x, w}), "the graph returns %99, which does not exist",
                       std::invalid_argument);
}

// ================================================================ robustness

// Random nodes with random operand types and attributes: whatever inferType accepts, the
// kernel must run without crashing and give the inferred type (run under ASan to see).
TEST_CASE("fuzz: every well-typed node evaluates") {
  zy::test::RandomNodes random(1234);
  auto &rng = random.rng();
  auto pick = [&](auto const &options) { return random.pick(options); };
  const std::vector<Shape> shapes{{}, {0}, {1}, {3}, {2, 3}, {3, 2}, {1, 3}, {2, 0}, {2, 1, 3}, {2, 3, 2}};
  const std::vector<DType> dtypes{DType::Bool, DType::I32, DType::F32, DType::F64};
  const std::vector<double> values{0, 1, -1, 2.5, -7, 3, 1e10, NaN, Inf, -Inf};
  int accepted = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    Op op = static_cast<Op>(rng() % OpCount);
    int arity = opInfo(op).arity < 0 ? 1 + static_cast<int>(rng() % 3) : opInfo(op).arity;
    std::vector<Tensor> operands;
    // Operands often share one type, as elementwise ops need.
    Shape shape = pick(shapes);
    DType dtype = pick(dtypes);
    for (int i = 0; i < arity; ++i) {
      if (rng() % 3 == 0) shape = pick(shapes);
      if (rng() % 3 == 0) dtype = pick(dtypes);
      if ((op == Op::RandomUniform || op == Op::RandomNormal) && rng() % 2) shape = {2}, dtype = DType::I32;
      Tensor t(dtype, shape);
      for (int64_t j = 0; j < t.size(); ++j)
        t.set(j, dtype == DType::I32 ? static_cast<double>(static_cast<int>(rng() % 8) - 2) : pick(values));
      operands.push_back(t);
    }
    Attrs attrs = random.attrs(shape, dtypes, shapes, values, rng() % 2 && arity <= 1);
    if (rng() % 2) attrs.literal = std::make_shared<const Tensor>(operands.empty() ? Tensor() : operands[0]);
    std::vector<OperandType> types;
    std::vector<const Tensor *> args;
    for (const Tensor &t : operands) {
      types.push_back({t.dtype(), t.shape()});
      args.push_back(&t);
    }
    Node node{op, {}, DType::F32, {}, attrs, {}};
    // Loops run graphs, so the executor runs them (tested below), never evaluate().
    if (inferType(node, types) || op == Op::Input || opInfo(op).kind == OpKind::Control) continue;
    ++accepted;
    Tensor out;
    try {
      out = evaluate(node, args);
    } catch (const CheckFailed &) { // a check's one way to fail: the labels are out of range
      CHECK(opInfo(op).kind == OpKind::Check);
      continue;
    }
    INFO(printGraph(Graph{{node}, {}, {}}));
    CHECK(out.dtype() == node.dtype);
    CHECK(out.shape() == node.shape);
  }
  CHECK(accepted > 3000);
}

// scan: the executor runs the body once per step; values worked out by hand.
TEST_CASE("scan runs its body as a loop and project reads its results") {
  auto input = [](Graph &g, DType dtype, Shape shape) {
    Node n{Op::Input, {}, dtype, shape, {}, {}};
    n.attrs.dtype = dtype;
    n.attrs.shape = shape;
    n.attrs.index = static_cast<int64_t>(g.inputs.size());
    int id = g.add(n);
    g.inputs.push_back(id);
    return id;
  };
  // body(c, x, k) = (c + x * k, c)
  auto body = std::make_shared<Graph>();
  int c = input(*body, DType::F32, {2}), x = input(*body, DType::F32, {2}), k = input(*body, DType::F32, {2});
  int mul = body->add(Node{Op::Mul, {x, k}, DType::F32, {2}, {}, {}});
  int add = body->add(Node{Op::Add, {c, mul}, DType::F32, {2}, {}, {}});
  body->outputs = {add, c};

  Graph g;
  int c0 = input(g, DType::F32, {2}), xs = input(g, DType::F32, {3, 2}), scale = input(g, DType::F32, {2});
  Node scan{Op::Scan, {c0, xs, scale}, DType::F32, {}, {}, {}};
  scan.attrs.body = body;
  scan.attrs.carries = 1;
  scan.attrs.sequences = 1;
  REQUIRE(!inferType(scan, {{DType::F32, {2}}, {DType::F32, {3, 2}}, {DType::F32, {2}}}));
  CHECK(scan.shape == Shape{2});
  int s = g.add(scan);
  Node last{Op::Project, {s}, DType::F32, {2}, {}, {}};
  last.attrs.dtype = DType::F32;
  last.attrs.shape = {2};
  last.attrs.index = 0;
  Node history{Op::Project, {s}, DType::F32, {3, 2}, {}, {}};
  history.attrs.dtype = DType::F32;
  history.attrs.shape = {3, 2};
  history.attrs.index = 1;
  g.outputs = {g.add(last), g.add(history)};

  Tensor init(DType::F32, {2}), seq(DType::F32, {3, 2}), k2(DType::F32, {2});
  for (int i = 0; i < 6; ++i) seq.set(i, i + 1); // [[1, 2], [3, 4], [5, 6]]
  k2.set(0, 10);
  k2.set(1, 100);
  auto out = execute(g, {init, seq, k2});
  // c: [0, 0] -> [10, 200] -> [40, 600] -> [90, 1200]; ys are the carries before each step
  CHECK(out[0].get(0) == 90);
  CHECK(out[0].get(1) == 1200);
  std::vector<double> ys;
  for (int i = 0; i < 6; ++i) ys.push_back(out[1].get(i));
  CHECK(ys == std::vector<double>{0, 0, 10, 200, 40, 600});

  // A body whose carry changes type is rejected with a clear message.
  auto bad = std::make_shared<Graph>(*body);
  bad->outputs = {x, c};
  Node wrong = scan;
  wrong.attrs.body = bad;
  bad->nodes[x].shape = {2};
  auto error = inferType(wrong, {{DType::F32, {2}}, {DType::F32, {4, 3}}, {DType::F32, {2}}});
  REQUIRE(error);
  CHECK(*error == "scan's body input 1 is f32[2] but gets f32[3]");
}

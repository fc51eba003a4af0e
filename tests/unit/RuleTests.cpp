// RuleTests.cpp: every primitive against every transformation's rule.
//
// For each op of Ops.def, well-typed random instances (RandomNodes.h) in f64 are run
// through each transformation and compared with what the rule must mean:
//   - forward mode (jvpGraph): the tangent against central differences of the op;
//   - reverse mode (vjpGraph): <ct, J t> against <J^T ct, t>, the same derivative seen
//     from the other side (so with the check above, the VJP is checked against
//     differences too);
//   - batching (batchGraph): the batched op on three stacked examples, with a random
//     subset of its operands batched, against the op run on each example;
//   - the JIT: the op and its three transformed graphs compiled, against the reference
//     executor (for the first instances of each op: compiling costs milliseconds).
// The test fails for an op that no instance covered, unless the table below says why it
// has no rule of its own to test here: a new primitive needs a rule in every
// transformation (the build says where) and a test (this one says so).
#include "ir/Builder.h"
#include "ir/Executor.h"
#include "ir/OpTable.h"
#include "jit/Jit.h"
#include "transforms/Grad.h"

#include "RandomNodes.h"

#include <doctest/doctest.h>

#include <cmath>
#include <map>

using namespace zy;
using namespace zy::ir;

namespace {

/// Ops whose rules this test does not reach, and why.
const std::map<Op, const char *> &exemptions() {
  static const std::map<Op, const char *> table{
      {Op::Input, "a graph's argument: every driver makes its inputs itself"},
      {Op::Constant, "a source with no operands: nothing to differentiate or batch, copied by every driver"},
      {Op::Literal, "a source with no operands: nothing to differentiate or batch, copied by every driver"},
      {Op::Iota, "a source with no operands: nothing to differentiate or batch, copied by every driver"},
      {Op::Scan, "a loop over a body graph: its drivers are tested in tests/lang/transforms.zy and remat.zy"},
      {Op::While, "a loop over two graphs: vmap's driver is tested in tests/lang/while_loop.zy, grad's and jvp's "
                  "refusal in tests/errors/while_loop_not_differentiable.zy"},
      {Op::Project, "reads a result of a scan, a while or a custom call: tested with them"},
      {Op::CustomVjp, "carries the user's rule: tested in tests/lang/transforms.zy"},
      {Op::CustomJvp, "carries the user's rule: tested in tests/lang/transforms.zy"},
      {Op::DebugPrint, "an effect that prints: its rules (pass through, print once) are tested by tests/driver/test_debug_print.sh"},
  };
  return table;
}

struct Instance {
  Graph graph; // inputs, the op, its output
  std::vector<OperandType> operands;
};

/// Values for an operand: floats in (0.2, 0.9), inside every float op's domain (log,
/// sqrt, pow, erf_inv, a divisor) and away from kinks; ints in [-1, 4] (indices, some out
/// of range); random bools. Keys for random ops are any two words.
Tensor valuesFor(const OperandType &type, std::mt19937 &rng) {
  Tensor t(type.dtype, type.shape);
  std::uniform_real_distribution<double> unit(0.2, 0.9);
  for (int64_t i = 0; i < t.size(); ++i) {
    if (isFloat(type.dtype)) t.set(i, unit(rng));
    else if (type.dtype == DType::I32) t.set(i, static_cast<double>(static_cast<int>(rng() % 6) - 1));
    else t.set(i, rng() % 2);
  }
  return t;
}

Tensor directionFor(const Tensor &like, std::mt19937 &rng) {
  Tensor t(like.dtype(), like.shape());
  std::normal_distribution<double> normal;
  for (int64_t i = 0; i < t.size(); ++i) t.set(i, normal(rng));
  return t;
}

Tensor axpy(const Tensor &x, double a, const Tensor &t) { // x + a t
  Tensor out(x.dtype(), x.shape());
  for (int64_t i = 0; i < x.size(); ++i) out.set(i, x.get(i) + a * t.get(i));
  return out;
}

double dot(const Tensor &a, const Tensor &b) {
  double s = 0;
  for (int64_t i = 0; i < a.size(); ++i) s += a.get(i) * b.get(i);
  return s;
}

void checkClose(const Tensor &got, const Tensor &want, double rtol, double atol, const std::string &what) {
  REQUIRE(got.shape() == want.shape());
  for (int64_t i = 0; i < got.size(); ++i) {
    double g = got.get(i), w = want.get(i);
    bool same = (std::isnan(g) && std::isnan(w)) || g == w || std::fabs(g - w) <= atol + rtol * std::fabs(w);
    INFO(what << ": element " << i << " is " << g << ", expected " << w);
    CHECK(same);
    if (!same) return;
  }
}

/// A random well-typed instance of `op` with f64 floats, or nothing.
std::optional<Instance> randomInstance(Op op, zy::test::RandomNodes &random) {
  static const std::vector<Shape> shapes{{}, {1}, {3}, {2, 3}, {3, 2}, {1, 3}, {2, 1, 3}, {2, 3, 2}};
  static const std::vector<DType> dtypes{DType::F64, DType::F64, DType::F64, DType::I32, DType::Bool};
  static const std::vector<double> values{0, 1, 2, 0.5, 3};
  auto &rng = random.rng();
  int arity = opInfo(op).arity < 0 ? 1 + static_cast<int>(rng() % 3) : opInfo(op).arity;
  Shape shape = random.pick(shapes);
  DType dtype = random.pick(dtypes);
  std::vector<OperandType> operands;
  for (int i = 0; i < arity; ++i) {
    if (rng() % 3 == 0) shape = random.pick(shapes);
    if (rng() % 3 == 0) dtype = random.pick(dtypes);
    if (opInfo(op).kind == OpKind::Random) shape = {2}, dtype = DType::I32; // a key
    operands.push_back({dtype, shape});
  }
  Attrs attrs = random.attrs(shape, {DType::F64, DType::I32, DType::Bool}, shapes, values, rng() % 2 && arity <= 1);
  if (op == Op::CheckLabels) attrs.value = 5; // labels in [-1, 4]: some out of range, so some instances fail the check
  Instance in;
  Builder b(in.graph);
  std::vector<int> ids;
  for (const OperandType &t : operands) ids.push_back(b.input(t.dtype, t.shape));
  try {
    in.graph.outputs.push_back(b.add(op, ids, attrs));
  } catch (const std::logic_error &) {
    return std::nullopt; // ill-typed: the op table refused it
  }
  in.operands = operands;
  return in;
}

/// Runs `g`, or nothing when a run-time check refuses the values (labels out of range).
std::optional<std::vector<Tensor>> run(const Graph &g, const std::vector<Tensor> &inputs) {
  try {
    return execute(g, inputs);
  } catch (const CheckFailed &) {
    return std::nullopt;
  }
}

/// Compiles `g` and compares its outputs on `inputs` with the reference executor's (which
/// throws, naming the element, when they differ by more than rounding explains).
void checkCompiled(const Graph &g, const std::vector<Tensor> &inputs, const char *what) {
  std::vector<Tensor> got;
  try {
    got = jit::compile(g)->run(g, inputs);
  } catch (const CheckFailed &) {
    return; // a check refused these values, as the reference does
  }
  INFO(what);
  CHECK_NOTHROW(jit::compareWithReference(g, inputs, got));
}

/// Forward and reverse mode of one instance at one point; false if the point was refused.
/// With `compiled`, the op and its JVP and VJP graphs also run through the JIT.
bool checkDerivatives(const Instance &in, std::mt19937 &rng, bool compiled) {
  const Graph &f = in.graph;
  std::vector<Tensor> x, t;
  for (const OperandType &type : in.operands) x.push_back(valuesFor(type, rng));
  auto y = run(f, x);
  if (!y) return false;
  const Node &out = f.nodes[f.outputs[0]];
  std::vector<Tensor> jvpInputs = x;
  for (size_t i = 0; i < x.size(); ++i)
    if (isFloat(x[i].dtype())) t.push_back(directionFor(x[i], rng)), jvpInputs.push_back(t.back());
    else t.emplace_back();

  // Forward mode: the primal is the op's value, the tangent the central difference.
  Graph forward = transforms::jvpGraph(f);
  std::vector<Tensor> jvp = execute(forward, jvpInputs);
  if (compiled) {
    checkCompiled(f, x, "the op, compiled");
    checkCompiled(forward, jvpInputs, "its JVP, compiled");
  }
  checkClose(jvp[0], (*y)[0], 0, 0, "jvp's primal");
  if (!isFloat(out.dtype)) {
    CHECK(jvp.size() == 1); // no tangent for an integer or boolean result
  } else {
    const double eps = 1e-6;
    std::vector<Tensor> plus = x, minus = x;
    for (size_t i = 0; i < x.size(); ++i)
      if (isFloat(x[i].dtype())) plus[i] = axpy(x[i], eps, t[i]), minus[i] = axpy(x[i], -eps, t[i]);
    Tensor numeric = axpy(execute(f, plus)[0], -1, execute(f, minus)[0]);
    for (int64_t i = 0; i < numeric.size(); ++i) numeric.set(i, numeric.get(i) / (2 * eps));
    if (out.op == Op::StopGradient) numeric = Tensor(out.dtype, out.shape); // zero by definition, as in JAX
    checkClose(jvp[1], numeric, 1e-5, 1e-6, "jvp's tangent against central differences");

    // Reverse mode: <ct, J t> == <J^T ct, t>.
    Tensor ct = directionFor((*y)[0], rng);
    std::vector<Tensor> vjpInputs = x;
    vjpInputs.push_back(ct);
    Graph reverse = transforms::vjpGraph(f);
    std::vector<Tensor> grads = execute(reverse, vjpInputs);
    if (compiled) checkCompiled(reverse, vjpInputs, "its VJP, compiled");
    REQUIRE(grads.size() == x.size());
    double fromVjp = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      CHECK(grads[i].shape() == x[i].shape());
      if (isFloat(x[i].dtype())) fromVjp += dot(grads[i], t[i]);
    }
    double fromJvp = dot(ct, jvp[1]); // for stop_gradient both are 0
    INFO("<ct, J t> = " << fromJvp << ", <J^T ct, t> = " << fromVjp);
    CHECK(std::fabs(fromVjp - fromJvp) <= 1e-9 * (1 + std::fabs(fromJvp)));
  }
  return true;
}

/// Batching of one instance: a random non-empty subset of the operands batched over three
/// examples, against the op on each example.
bool checkBatching(const Instance &in, std::mt19937 &rng, bool compiled) {
  const Graph &f = in.graph;
  const int64_t size = 3;
  const size_t n = in.operands.size();
  std::vector<bool> batched(n);
  bool any = false;
  for (size_t i = 0; i < n; ++i) any = any || (batched[i] = rng() % 2);
  if (!any) batched[rng() % n] = true;
  std::vector<std::vector<Tensor>> examples(size);
  std::vector<Tensor> stackedInputs;
  for (size_t i = 0; i < n; ++i) {
    Tensor shared = valuesFor(in.operands[i], rng);
    for (int64_t e = 0; e < size; ++e) examples[e].push_back(batched[i] ? valuesFor(in.operands[i], rng) : shared);
    if (!batched[i]) {
      stackedInputs.push_back(shared);
      continue;
    }
    Shape s = in.operands[i].shape;
    s.insert(s.begin(), size);
    Tensor stacked(in.operands[i].dtype, s);
    int64_t block = examples[0][i].size();
    for (int64_t e = 0; e < size; ++e)
      for (int64_t k = 0; k < block; ++k) stacked.set(e * block + k, examples[e][i].get(k));
    stackedInputs.push_back(stacked);
  }
  std::vector<Tensor> each;
  for (int64_t e = 0; e < size; ++e) {
    auto y = run(f, examples[e]);
    if (!y) return false;
    each.push_back((*y)[0]);
  }
  Graph batchedGraph = transforms::batchGraph(f, batched, size);
  auto batchedOut = run(batchedGraph, stackedInputs);
  REQUIRE(batchedOut);
  if (compiled) checkCompiled(batchedGraph, stackedInputs, "its batched form, compiled");
  const Tensor &all = (*batchedOut)[0];
  int64_t block = each[0].size();
  REQUIRE(all.size() == size * block);
  for (int64_t e = 0; e < size; ++e) {
    Tensor slice(all.dtype(), each[e].shape());
    for (int64_t k = 0; k < block; ++k) slice.set(k, all.get(e * block + k));
    checkClose(slice, each[e], 1e-12, 1e-12, "vmap example " + std::to_string(e));
  }
  return true;
}

} // namespace

TEST_CASE("every primitive's JVP, VJP and batching rules agree with differences and loops, and compile") {
  zy::test::RandomNodes random(2024);
  std::mt19937 values(7);
  std::map<Op, int> derivatives, batching; // instances checked per op
  for (int trial = 0; trial < 40000; ++trial) {
    Op op = static_cast<Op>(trial % OpCount);
    if (exemptions().count(op) || (derivatives[op] >= 12 && batching[op] >= 12)) continue;
    std::optional<Instance> in = randomInstance(op, random);
    if (!in) continue;
    INFO(opInfo(op).name << ": " << printGraph(in->graph));
    bool compiled = derivatives[op] < 2; // the first instances of each op also through the JIT
    if (checkDerivatives(*in, values, compiled)) ++derivatives[op];
    if (checkBatching(*in, values, compiled)) ++batching[op];
  }
  for (int k = 0; k < OpCount; ++k) {
    Op op = static_cast<Op>(k);
    if (exemptions().count(op)) continue;
    INFO(opInfo(op).name << " had no well-typed instance for a transformation: make the generator reach it, or say "
                            "in exemptions() why it needs none");
    CHECK(derivatives[op] > 0);
    CHECK(batching[op] > 0);
  }
}

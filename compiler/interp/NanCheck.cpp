// NanCheck.cpp: `--check-nans` (see NanCheck.h): finding the first op that makes a NaN or
// an infinity, and reporting it as a located runtime error.
#include "interp/NanCheck.h"

#include "ir/Executor.h"
#include "ir/OpTable.h"

#include <cmath>

namespace zy::interp {

bool &checkNans() {
  static bool on = false;
  return on;
}

namespace {

/// The index of the first NaN or infinity in a float tensor, or -1.
int64_t firstNonFinite(const Tensor &t) {
  if (!isFloat(t.dtype()) || t.isTraced()) return -1;
  if (t.dtype() == DType::F32) {
    const float *p = t.data<float>();
    for (int64_t i = 0; i < t.size(); ++i)
      if (!std::isfinite(p[i])) return i;
  } else {
    const double *p = t.data<double>();
    for (int64_t i = 0; i < t.size(); ++i)
      if (!std::isfinite(p[i])) return i;
  }
  return -1;
}

/// Whether a node making a non-finite value from these operands is to blame: ops without
/// operands (a constant -inf for a mask) are what the user wrote.
bool allFinite(const std::vector<const Tensor *> &operands) {
  if (operands.empty()) return false;
  for (const Tensor *t : operands)
    if (firstNonFinite(*t) >= 0) return false;
  return true;
}

std::string valueName(double v) { return std::isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf"; }

/// "`log` made -inf (element 3 of f32[4]) from finite operands".
std::string describe(const ir::Node &node, const Tensor &value, int64_t at) {
  return std::string("--check-nans: `") + ir::opInfo(node.op).name + "` made " + valueName(value.get(at)) +
         " (element " + std::to_string(at) + " of " + typeString(value.dtype(), value.shape()) +
         ") from finite operands";
}

/// Thrown out of the executor's observer with the node to blame.
struct Culprit {
  ir::Node node;
  std::string message;
};

} // namespace

void checkEagerResult(Interpreter &in, const ir::Node &node, const std::vector<const Tensor *> &operands,
                      const Tensor &result, Span span) {
  int64_t at = firstNonFinite(result);
  if (at < 0 || !allFinite(operands)) return;
  in.fail(span, describe(node, result, at), true);
}

void checkHostResult(Interpreter &in, const std::string &op, double a, double b, double result, Span span) {
  if (std::isfinite(result) || !std::isfinite(a) || !std::isfinite(b)) return;
  in.fail(span, "--check-nans: `" + op + "` made " + valueName(result) + " from finite operands", true);
}

void checkGraphOutputs(Interpreter &in, const ir::Graph &graph, const std::vector<Tensor> &inputs,
                       const std::vector<Tensor> &outputs, Span callSpan, const std::string &what) {
  bool clean = true;
  for (const Tensor &t : outputs) clean = clean && firstNonFinite(t) < 0;
  if (clean) return;
  // The compiled code gives no per-node values: run the graph again, node by node.
  std::vector<Tensor> reference;
  ir::MutePrints mute; // the graph's debug.prints ran already
  try {
    reference = ir::execute(graph, inputs, [](int, const ir::Node &node, const Tensor &value,
                                              const std::vector<const Tensor *> &operands) {
      int64_t at = firstNonFinite(value);
      if (at >= 0 && allFinite(operands)) throw Culprit{node, describe(node, value, at)};
    });
  } catch (const Culprit &c) {
    Span at = c.node.span.valid() ? c.node.span : callSpan;
    if (c.node.chain) in.failWithChain(at, *c.node.chain, c.message, true);
    in.fail(at, c.message, true);
  }
  // No node to blame: the non-finite values came in as arguments or constants.
  for (const Tensor &t : reference)
    if (firstNonFinite(t) >= 0) return;
  in.fail(callSpan, "--check-nans: the compiled " + what +
                        " returned a value that is not finite, but the reference executor's values are finite",
          true);
}

} // namespace zy::interp

// OpTable.h: each primitive's shape rule and reference kernel.
//
// inferType checks a node's operands and attributes (normalising them, e.g. negative
// axes) and computes its result dtype and shape, or says what is wrong in words a user
// understands: "matmul of f32[2, 3] and f32[4, 3]: inner dimensions 3 and 4 differ".
// evaluate runs the reference kernel: plain loops in double precision, rounded to the
// result dtype on store. It is the oracle the JIT is checked against.
#pragma once

#include "ir/Ir.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace zy::ir {

struct OperandType {
  DType dtype;
  Shape shape;
};

/// Fills node.dtype and node.shape from its op, attrs and operand types; may normalise
/// node.attrs. Returns an error message, or nothing when the node is well-formed.
std::optional<std::string> inferType(Node &node, const std::vector<OperandType> &operands);

/// Runs the reference kernel of a well-formed node on concrete operands.
Tensor evaluate(const Node &node, const std::vector<const Tensor *> &operands);

/// Thrown by a check's kernel (check_labels) when the values fail it, by the reference
/// executor and the JIT alike: the message, and the span and call chain of the node, for
/// the interpreter to report as a located runtime error at the user's call.
struct CheckFailed : std::runtime_error {
  Span span;
  std::shared_ptr<const CallChain> chain;
  CheckFailed(const std::string &message, const Node &node)
      : std::runtime_error(message), span(node.span), chain(node.chain) {}
};

/// check_labels' scan, shared by the reference kernel and the JIT: what is wrong with the
/// first label of `labels` (row-major, of `shape`) outside [0, classes), as
/// "cross_entropy: label 10 at index [3] is out of range for 10 classes (expected 0 <=
/// label < 10)" with `name` first, or nothing when every label is in range.
std::optional<std::string> badLabel(const int32_t *labels, const Shape &shape, int64_t classes, const std::string &name);

/// The inverse of erf: the ErfInv kernel, also used to draw normal numbers on the host.
double erfInv(double y);

/// NumPy broadcasting of two shapes, or an error naming both types.
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b, std::string &error);

} // namespace zy::ir

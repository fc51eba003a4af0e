// OpTable.h: each primitive's shape rule and reference kernel.
//
// inferType checks a node's operands and attributes (normalising them, e.g. negative
// axes) and computes its result dtype and shape, or says what is wrong in words a user
// understands: "matmul of f32[2, 3] and f32[4, 3]: inner dimensions 3 and 4 differ".
// evaluate runs the reference kernel: plain loops in double precision, rounded to the
// result dtype on store. It is the oracle the JIT is checked against.
#pragma once

#include "ir/Ir.h"

#include <optional>
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

/// The inverse of erf: the ErfInv kernel, also used to draw normal numbers on the host.
double erfInv(double y);

/// NumPy broadcasting of two shapes, or an error naming both types.
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b, std::string &error);

} // namespace zy::ir

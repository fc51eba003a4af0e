// Ast.cpp: operator tables and the out-of-line destructors of the AST.
#include "syntax/Ast.h"

namespace zy::ast {

BlockExpr::~BlockExpr() = default;
LambdaExpr::LambdaExpr(Span s) : Expr(ExprKind::Lambda, s) {}
LambdaExpr::~LambdaExpr() = default;

const char *spelling(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg: return "-";
  case UnaryOp::Plus: return "+";
  case UnaryOp::Not: return "not";
  }
  return "?";
}

const char *spelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Or: return "or";
  case BinaryOp::And: return "and";
  case BinaryOp::Eq: return "==";
  case BinaryOp::Ne: return "!=";
  case BinaryOp::Lt: return "<";
  case BinaryOp::Le: return "<=";
  case BinaryOp::Gt: return ">";
  case BinaryOp::Ge: return ">=";
  case BinaryOp::In: return "in";
  case BinaryOp::Add: return "+";
  case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*";
  case BinaryOp::Div: return "/";
  case BinaryOp::Mod: return "%";
  case BinaryOp::MatMul: return "@";
  case BinaryOp::Pow: return "**";
  }
  return "?";
}

int precedence(BinaryOp op) {
  switch (op) {
  case BinaryOp::Or: return 1;
  case BinaryOp::And: return 2;
  case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt:
  case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge: case BinaryOp::In: return 4;
  case BinaryOp::Add: case BinaryOp::Sub: return 5;
  case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod: case BinaryOp::MatMul: return 6;
  case BinaryOp::Pow: return 8;
  }
  return 0;
}

int precedence(UnaryOp op) { return op == UnaryOp::Not ? 3 : 7; }

bool isRightAssociative(BinaryOp op) { return op == BinaryOp::Pow; }

bool isComparison(BinaryOp op) { return precedence(op) == 4; }

} // namespace zy::ast

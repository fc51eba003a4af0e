// Ast.h: the abstract syntax tree of Zy.
//
// The parser (Parser.cpp, AstBuilder.cpp) builds it; the printer (AstPrinter.cpp) turns it
// back into source; the interpreter and tracer walk it. Every node has a Span. Nodes are
// plain structs owned through unique_ptr; `kind` tells which struct a node is, and
// `as<T>()` casts after checking it.
//
// The parser bounds how deeply the tree can nest (see the limits in Parser.h), so
// recursive walks over it, run on the driver's large stack, cannot overflow it.
#pragma once

#include "support/Source.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zy::ast {

// ---------------------------------------------------------------- type annotations

struct Dim {
  enum Kind { Fixed, Variable, Ellipsis } kind = Fixed;
  int64_t size = 0; // Fixed
  std::string name; // Variable: a shape variable (capitalised) or `_`
  Span span;
};

struct Type {
  enum Kind { Named, List, Tuple } kind = Named;
  std::string name;                         // Named: `int`, `f32`, ...
  std::optional<std::vector<Dim>> dims;     // Named: `f32[B, 784]` has dims, `f32` none
  std::vector<std::unique_ptr<Type>> elems; // List: one element type; Tuple: each
  Span span;
};

// ---------------------------------------------------------------- patterns

/// The left side of `let` and `for`, and of a rebinding: a name or a tuple of patterns.
struct Pattern {
  enum Kind { Name, Tuple } kind = Name;
  std::string name; // Name (`_` ignores the value)
  std::vector<std::unique_ptr<Pattern>> elems;
  Span span;
};

// ---------------------------------------------------------------- expressions

enum class ExprKind {
  Int, Float, String, FString, Bool, None, Name,
  Unary, Binary, Range,
  Call, Index, Field,
  Tuple, List, ListComp, Record, Block, If, Lambda,
};

enum class UnaryOp { Neg, Plus, Not };
enum class BinaryOp {
  Or, And,
  Eq, Ne, Lt, Le, Gt, Ge, In,
  Add, Sub,
  Mul, Div, Mod, MatMul,
  Pow,
};

const char *spelling(UnaryOp op);
const char *spelling(BinaryOp op);
/// Binding strength: higher binds tighter. Prefix `-`/`+` sit between `*` and `**`,
/// `not` between `and` and the comparisons, as in Python.
int precedence(BinaryOp op);
int precedence(UnaryOp op);
bool isRightAssociative(BinaryOp op);
bool isComparison(BinaryOp op);

struct Expr {
  ExprKind kind;
  Span span;
  explicit Expr(ExprKind k, Span s = {}) : kind(k), span(s) {}
  virtual ~Expr() = default;

  template <typename T> T &as() { return static_cast<T &>(*this); }
  template <typename T> const T &as() const { return static_cast<const T &>(*this); }
};
using ExprPtr = std::unique_ptr<Expr>;

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
struct Param;

struct IntExpr : Expr {
  int64_t value;
  IntExpr(int64_t v, Span s) : Expr(ExprKind::Int, s), value(v) {}
};

struct FloatExpr : Expr {
  double value;
  std::string text; // as written, so printing round-trips exactly
  FloatExpr(double v, std::string t, Span s) : Expr(ExprKind::Float, s), value(v), text(std::move(t)) {}
};

struct StringExpr : Expr {
  std::string value; // escapes decoded
  StringExpr(std::string v, Span s) : Expr(ExprKind::String, s), value(std::move(v)) {}
};

/// f"loss {l:.4f}": literal text and `{expr:spec}` holes, in order.
struct FStringExpr : Expr {
  struct Part {
    std::string text; // literal text (when expr is null)
    ExprPtr expr;     // a hole
    std::string spec; // the hole's format spec, e.g. ".4f" (may be empty)
  };
  std::vector<Part> parts;
  explicit FStringExpr(Span s) : Expr(ExprKind::FString, s) {}
};

struct BoolExpr : Expr {
  bool value;
  BoolExpr(bool v, Span s) : Expr(ExprKind::Bool, s), value(v) {}
};

struct NoneExpr : Expr {
  explicit NoneExpr(Span s) : Expr(ExprKind::None, s) {}
};

struct NameExpr : Expr {
  std::string name;
  NameExpr(std::string n, Span s) : Expr(ExprKind::Name, s), name(std::move(n)) {}
};

struct UnaryExpr : Expr {
  UnaryOp op;
  ExprPtr operand;
  UnaryExpr(UnaryOp o, ExprPtr e, Span s) : Expr(ExprKind::Unary, s), op(o), operand(std::move(e)) {}
};

struct BinaryExpr : Expr {
  BinaryOp op;
  ExprPtr lhs, rhs;
  Span opSpan; // the operator itself, where errors about it point
  BinaryExpr(BinaryOp o, ExprPtr l, ExprPtr r, Span opS, Span s)
      : Expr(ExprKind::Binary, s), op(o), lhs(std::move(l)), rhs(std::move(r)), opSpan(opS) {}
};

/// `lo..hi`: the integers lo, lo+1, ..., hi-1.
struct RangeExpr : Expr {
  ExprPtr lo, hi;
  RangeExpr(ExprPtr l, ExprPtr h, Span s) : Expr(ExprKind::Range, s), lo(std::move(l)), hi(std::move(h)) {}
};

struct Arg {
  std::string name; // empty for a positional argument
  ExprPtr value;
  Span span;
};

struct CallExpr : Expr {
  ExprPtr callee;
  std::vector<Arg> args;
  CallExpr(ExprPtr c, Span s) : Expr(ExprKind::Call, s), callee(std::move(c)) {}
};

/// One item between the brackets of `x[...]`.
struct IndexItem {
  enum Kind { Single, Slice, Ellipsis } kind = Single;
  ExprPtr value;          // Single
  ExprPtr lo, hi, step;   // Slice: each may be null
  bool hasStepColon = false; // `a:b:` keeps its second colon when printed
  Span span;
};

struct IndexExpr : Expr {
  ExprPtr base;
  std::vector<IndexItem> items;
  IndexExpr(ExprPtr b, Span s) : Expr(ExprKind::Index, s), base(std::move(b)) {}
};

struct FieldExpr : Expr {
  ExprPtr base;
  std::string name;
  Span nameSpan;
  FieldExpr(ExprPtr b, std::string n, Span ns, Span s)
      : Expr(ExprKind::Field, s), base(std::move(b)), name(std::move(n)), nameSpan(ns) {}
};

struct TupleExpr : Expr {
  std::vector<ExprPtr> elems;
  explicit TupleExpr(Span s) : Expr(ExprKind::Tuple, s) {}
};

struct ListExpr : Expr {
  std::vector<ExprPtr> elems;
  explicit ListExpr(Span s) : Expr(ExprKind::List, s) {}
};

/// `[elem for p in xs if c for q in ys]`: the clauses nest left to right, as in Python;
/// each `for` may have one `if` filter. Host code: it evaluates to a list.
struct ListCompExpr : Expr {
  struct Clause {
    std::unique_ptr<Pattern> pattern;
    ExprPtr iterable;
    ExprPtr cond; // may be null
    Span span;
  };
  ExprPtr elem;
  std::vector<Clause> clauses; // at least one
  explicit ListCompExpr(Span s) : Expr(ExprKind::ListComp, s) {}
};

struct RecordExpr : Expr {
  struct Field {
    std::string name;
    ExprPtr value;
    Span span;
  };
  std::vector<Field> fields;
  explicit RecordExpr(Span s) : Expr(ExprKind::Record, s) {}
};

/// `{ stmts }`: its value is that of the last statement when that is an expression
/// statement, else `none`.
struct BlockExpr : Expr {
  std::vector<StmtPtr> stmts;
  explicit BlockExpr(Span s) : Expr(ExprKind::Block, s) {}
  ~BlockExpr() override;
};
using BlockPtr = std::unique_ptr<BlockExpr>;

struct IfExpr : Expr {
  struct Branch {
    ExprPtr cond;
    BlockPtr body;
  };
  std::vector<Branch> branches; // `if` and each `else if`
  BlockPtr elseBody;            // may be null
  explicit IfExpr(Span s) : Expr(ExprKind::If, s) {}
};

struct LambdaExpr : Expr {
  std::vector<Param> params;
  ExprPtr body;
  explicit LambdaExpr(Span s);
  ~LambdaExpr() override;
};

// ---------------------------------------------------------------- statements and items

struct Param {
  std::string name;
  std::unique_ptr<Type> type; // may be null
  ExprPtr defaultValue;       // may be null
  Span span;
};

enum class StmtKind { Let, Assign, Declare, For, While, Break, Continue, Assert, Expr, Fn };

struct Stmt {
  StmtKind kind;
  Span span;
  explicit Stmt(StmtKind k, Span s = {}) : kind(k), span(s) {}
  virtual ~Stmt() = default;

  template <typename T> T &as() { return static_cast<T &>(*this); }
  template <typename T> const T &as() const { return static_cast<const T &>(*this); }
};

struct LetStmt : Stmt {
  std::unique_ptr<Pattern> pattern;
  std::unique_ptr<Type> type; // may be null
  ExprPtr value;
  explicit LetStmt(Span s) : Stmt(StmtKind::Let, s) {}
};

/// `x = e` or `(a, b) = e`: rebinds names declared earlier.
struct AssignStmt : Stmt {
  std::unique_ptr<Pattern> target;
  ExprPtr value;
  explicit AssignStmt(Span s) : Stmt(StmtKind::Assign, s) {}
};

/// `p.w ~ glorot([n, m])`: declares the parameter at a path.
struct DeclareStmt : Stmt {
  ExprPtr path; // a name followed by fields and indices
  ExprPtr init;
  explicit DeclareStmt(Span s) : Stmt(StmtKind::Declare, s) {}
};

struct ForStmt : Stmt {
  std::unique_ptr<Pattern> pattern;
  ExprPtr iterable;
  BlockPtr body;
  explicit ForStmt(Span s) : Stmt(StmtKind::For, s) {}
};

struct WhileStmt : Stmt {
  ExprPtr cond;
  BlockPtr body;
  explicit WhileStmt(Span s) : Stmt(StmtKind::While, s) {}
};

/// `break` and `continue`: the AST builder accepts them only inside a loop of the same
/// function (not inside a nested `fn` or lambda).
struct BreakStmt : Stmt {
  explicit BreakStmt(Span s) : Stmt(StmtKind::Break, s) {}
};

struct ContinueStmt : Stmt {
  explicit ContinueStmt(Span s) : Stmt(StmtKind::Continue, s) {}
};

struct AssertStmt : Stmt {
  ExprPtr cond;
  ExprPtr message; // may be null
  explicit AssertStmt(Span s) : Stmt(StmtKind::Assert, s) {}
};

struct ExprStmt : Stmt {
  ExprPtr expr;
  ExprStmt(ExprPtr e, Span s) : Stmt(StmtKind::Expr, s), expr(std::move(e)) {}
};

struct FnDecl {
  std::string name;
  Span nameSpan;
  std::vector<Param> params;
  std::unique_ptr<Type> returnType; // may be null
  ExprPtr body;                     // a BlockExpr, or any expression for `fn f(x) = e`
  bool exprBody = false;            // written with `=`
  Span span;
};

struct FnStmt : Stmt {
  FnDecl fn;
  explicit FnStmt(Span s) : Stmt(StmtKind::Fn, s) {}
};

struct ImportDecl {
  std::string path; // as written, relative to the importing file
  std::string alias;
  Span span;
};

struct TestDecl {
  std::string name;
  BlockPtr body;
  Span span;
};

/// A top-level item of a file.
struct Item {
  enum Kind { Fn, Import, Test, Let } kind;
  std::unique_ptr<FnDecl> fn;
  std::unique_ptr<ImportDecl> import;
  std::unique_ptr<TestDecl> test;
  std::unique_ptr<LetStmt> let;
};

struct Module {
  const SourceFile *source = nullptr;
  std::vector<Item> items;
};

/// One input of `zy repl`: statements (a `let`, a `fn`, an expression, ...) and imports,
/// run in order in the session's scope.
struct ReplInput {
  struct Entry {
    std::unique_ptr<ImportDecl> import; // or
    StmtPtr stmt;
  };
  const SourceFile *source = nullptr;
  std::vector<Entry> entries;
};

} // namespace zy::ast

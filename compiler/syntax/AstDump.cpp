// AstDump.cpp: the AST as an S-expression, one node per line (`--emit=ast-tree`).
//
// Every field of every node appears, so two dumps are equal exactly when the trees are;
// spans are included on request (`@line:col`).
#include "syntax/AstPrinter.h"

#include <cstdio>

namespace zy::ast {

namespace {

class Dumper {
public:
  explicit Dumper(bool withSpans) : WithSpans(withSpans) {}
  std::string Out;

  void module(const Module &m) {
    open("module", {});
    for (const Item &item : m.items) {
      switch (item.kind) {
      case Item::Fn: fn(*item.fn); break;
      case Item::Import: leaf("import " + str(item.import->path) + " as " + item.import->alias, item.import->span); break;
      case Item::Test:
        open("test " + str(item.test->name), item.test->span);
        expr(*item.test->body);
        close();
        break;
      case Item::Let: stmt(*item.let); break;
      }
    }
    close();
  }

private:
  bool WithSpans;
  int Depth = 0;

  static std::string str(const std::string &s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

  std::string at(Span s) const {
    if (!WithSpans || !s.valid()) return "";
    LineCol lc = s.file->lineCol(s.begin);
    return " @" + std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }

  void line(const std::string &text) { Out += std::string(Depth * 2, ' ') + text + "\n"; }
  void open(const std::string &head, Span s) {
    line("(" + head + at(s));
    ++Depth;
  }
  void close() {
    --Depth;
    Out.insert(Out.size() - 1, ")");
  }
  void leaf(const std::string &text, Span s) { line("(" + text + at(s) + ")"); }

  void type(const Type &t) {
    switch (t.kind) {
    case Type::Named: {
      std::string head = "type " + t.name;
      if (t.dims) {
        head += " [";
        for (size_t i = 0; i < t.dims->size(); ++i) {
          const Dim &d = (*t.dims)[i];
          head += (i ? " " : "") +
                  (d.kind == Dim::Fixed ? std::to_string(d.size) : d.kind == Dim::Variable ? d.name : "...");
        }
        head += "]";
      }
      leaf(head, t.span);
      break;
    }
    case Type::List:
      open("list-type", t.span);
      type(*t.elems[0]);
      close();
      break;
    case Type::Tuple:
      open("tuple-type", t.span);
      for (const auto &e : t.elems) type(*e);
      close();
      break;
    }
  }

  void pattern(const Pattern &p) {
    if (p.kind == Pattern::Name) {
      leaf("bind " + p.name, p.span);
      return;
    }
    open("tuple-pattern", p.span);
    for (const auto &e : p.elems) pattern(*e);
    close();
  }

  void params(const std::vector<Param> &ps) {
    for (const Param &p : ps) {
      open("param " + p.name, p.span);
      if (p.type) type(*p.type);
      if (p.defaultValue) {
        open("default", {});
        expr(*p.defaultValue);
        close();
      }
      close();
    }
  }

  void fn(const FnDecl &f) {
    open("fn " + f.name + (f.exprBody ? " =" : ""), f.span);
    params(f.params);
    if (f.returnType) {
      open("returns", {});
      type(*f.returnType);
      close();
    }
    expr(*f.body);
    close();
  }

  void optional(const char *name, const ExprPtr &e) {
    if (!e) {
      line(std::string("(") + name + " none)");
      return;
    }
    open(name, {});
    expr(*e);
    close();
  }

  void stmt(const Stmt &s) {
    switch (s.kind) {
    case StmtKind::Let: {
      const auto &let = s.as<LetStmt>();
      open("let", s.span);
      pattern(*let.pattern);
      if (let.type) type(*let.type);
      expr(*let.value);
      close();
      break;
    }
    case StmtKind::Assign: {
      const auto &a = s.as<AssignStmt>();
      open("assign", s.span);
      pattern(*a.target);
      expr(*a.value);
      close();
      break;
    }
    case StmtKind::Declare: {
      const auto &d = s.as<DeclareStmt>();
      open("declare", s.span);
      expr(*d.path);
      expr(*d.init);
      close();
      break;
    }
    case StmtKind::For: {
      const auto &f = s.as<ForStmt>();
      open("for", s.span);
      pattern(*f.pattern);
      expr(*f.iterable);
      expr(*f.body);
      close();
      break;
    }
    case StmtKind::While: {
      const auto &w = s.as<WhileStmt>();
      open("while", s.span);
      expr(*w.cond);
      expr(*w.body);
      close();
      break;
    }
    case StmtKind::Break: leaf("break", s.span); break;
    case StmtKind::Continue: leaf("continue", s.span); break;
    case StmtKind::Assert: {
      const auto &a = s.as<AssertStmt>();
      open("assert", s.span);
      expr(*a.cond);
      if (a.message) expr(*a.message);
      close();
      break;
    }
    case StmtKind::Expr: expr(*s.as<ExprStmt>().expr); break;
    case StmtKind::Fn: fn(s.as<FnStmt>().fn); break;
    }
  }

  void expr(const Expr &e) {
    switch (e.kind) {
    case ExprKind::Int: leaf("int " + std::to_string(e.as<IntExpr>().value), e.span); break;
    case ExprKind::Float: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", e.as<FloatExpr>().value);
      leaf(std::string("float ") + buf, e.span);
      break;
    }
    case ExprKind::String: leaf("string " + str(e.as<StringExpr>().value), e.span); break;
    case ExprKind::FString:
      open("fstring", e.span);
      for (const auto &part : e.as<FStringExpr>().parts) {
        if (!part.expr) {
          leaf("text " + str(part.text), {});
          continue;
        }
        open("hole" + (part.spec.empty() ? "" : " spec " + str(part.spec)), {});
        expr(*part.expr);
        close();
      }
      close();
      break;
    case ExprKind::Bool: leaf(e.as<BoolExpr>().value ? "true" : "false", e.span); break;
    case ExprKind::None: leaf("none", e.span); break;
    case ExprKind::Name: leaf("name " + e.as<NameExpr>().name, e.span); break;
    case ExprKind::Unary:
      open(std::string("unary ") + spelling(e.as<UnaryExpr>().op), e.span);
      expr(*e.as<UnaryExpr>().operand);
      close();
      break;
    case ExprKind::Binary:
      open(std::string("binary ") + spelling(e.as<BinaryExpr>().op), e.span);
      expr(*e.as<BinaryExpr>().lhs);
      expr(*e.as<BinaryExpr>().rhs);
      close();
      break;
    case ExprKind::Range:
      open("range", e.span);
      expr(*e.as<RangeExpr>().lo);
      expr(*e.as<RangeExpr>().hi);
      close();
      break;
    case ExprKind::Call: {
      const auto &c = e.as<CallExpr>();
      open("call", e.span);
      expr(*c.callee);
      for (const Arg &a : c.args) {
        open(a.name.empty() ? "arg" : "arg " + a.name, a.span);
        expr(*a.value);
        close();
      }
      close();
      break;
    }
    case ExprKind::Index: {
      const auto &ix = e.as<IndexExpr>();
      open("index", e.span);
      expr(*ix.base);
      for (const IndexItem &item : ix.items) {
        if (item.kind == IndexItem::Ellipsis) leaf("ellipsis", item.span);
        else if (item.kind == IndexItem::Single) expr(*item.value);
        else {
          open(item.hasStepColon ? "slice ::" : "slice", item.span);
          optional("lo", item.lo);
          optional("hi", item.hi);
          optional("step", item.step);
          close();
        }
      }
      close();
      break;
    }
    case ExprKind::Field:
      open("field " + e.as<FieldExpr>().name, e.span);
      expr(*e.as<FieldExpr>().base);
      close();
      break;
    case ExprKind::Tuple:
      open("tuple", e.span);
      for (const auto &x : e.as<TupleExpr>().elems) expr(*x);
      close();
      break;
    case ExprKind::List:
      open("list", e.span);
      for (const auto &x : e.as<ListExpr>().elems) expr(*x);
      close();
      break;
    case ExprKind::ListComp: {
      const auto &c = e.as<ListCompExpr>();
      open("list-comp", e.span);
      expr(*c.elem);
      for (const auto &clause : c.clauses) {
        open("for", clause.span);
        pattern(*clause.pattern);
        expr(*clause.iterable);
        if (clause.cond) optional("if", clause.cond);
        close();
      }
      close();
      break;
    }
    case ExprKind::Record:
      open("record", e.span);
      for (const auto &f : e.as<RecordExpr>().fields) {
        open("field " + str(f.name), f.span);
        expr(*f.value);
        close();
      }
      close();
      break;
    case ExprKind::Block:
      open("block", e.span);
      for (const auto &s : e.as<BlockExpr>().stmts) stmt(*s);
      close();
      break;
    case ExprKind::If: {
      const auto &i = e.as<IfExpr>();
      open("if", e.span);
      for (const auto &b : i.branches) {
        open("branch", {});
        expr(*b.cond);
        expr(*b.body);
        close();
      }
      if (i.elseBody) {
        open("else", {});
        expr(*i.elseBody);
        close();
      }
      close();
      break;
    }
    case ExprKind::Lambda:
      open("lambda", e.span);
      params(e.as<LambdaExpr>().params);
      expr(*e.as<LambdaExpr>().body);
      close();
      break;
    }
  }
};

} // namespace

std::string dumpModule(const Module &module, bool withSpans) {
  Dumper d(withSpans);
  d.module(module);
  return d.Out;
}

} // namespace zy::ast

// AstPrinter.cpp: the AST back to canonical Zy source (`zy run --emit=ast`).
//
// Parentheses are added exactly where precedence needs them, so the output parses back
// to the same tree (tests/unit/ParserTests.cpp checks this on every .zy file).
#include "syntax/AstPrinter.h"

#include <cstdio>

namespace zy::ast {

namespace {

constexpr int PostfixPrec = 10; // calls, indexing, fields and atoms
constexpr int LowestPrec = 0;   // ranges and lambdas

int precedenceOf(const Expr &e) {
  switch (e.kind) {
  case ExprKind::Binary: return precedence(e.as<BinaryExpr>().op);
  case ExprKind::Unary: return precedence(e.as<UnaryExpr>().op);
  case ExprKind::Range:
  case ExprKind::Lambda: return LowestPrec;
  default: return PostfixPrec;
  }
}

std::string escapeString(const std::string &s, bool fstring) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    case '\0': out += "\\0"; break;
    case '{': out += fstring ? "{{" : "{"; break;
    case '}': out += fstring ? "}}" : "}"; break;
    default:
      if (c < 0x20 || c == 0x7F) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u{%X}", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out;
}

class Printer {
public:
  std::string Out;

  void module(const Module &m) {
    Item::Kind previous = Item::Import;
    bool first = true;
    for (const Item &item : m.items) {
      // Blank lines between functions and tests, none inside a run of imports or lets.
      if (!first && (item.kind != previous || item.kind == Item::Fn || item.kind == Item::Test)) Out += "\n";
      first = false;
      previous = item.kind;
      switch (item.kind) {
      case Item::Fn: fn(*item.fn, 0); break;
      case Item::Import: Out += "import \"" + escapeString(item.import->path, false) + "\" as " + item.import->alias; break;
      case Item::Test:
        Out += "test \"" + escapeString(item.test->name, false) + "\" ";
        block(*item.test->body, 0);
        break;
      case Item::Let: stmt(*item.let, 0); break;
      }
      Out += "\n";
    }
  }

  void fn(const FnDecl &f, int indent) {
    Out += "fn " + f.name + "(";
    params(f.params);
    Out += ")";
    if (f.returnType) {
      Out += " -> ";
      type(*f.returnType);
    }
    if (f.exprBody) {
      Out += " = ";
      expr(*f.body, LowestPrec, indent);
    } else {
      Out += " ";
      block(f.body->as<BlockExpr>(), indent);
    }
  }

  void params(const std::vector<Param> &ps) {
    for (size_t i = 0; i < ps.size(); ++i) {
      if (i) Out += ", ";
      Out += ps[i].name;
      if (ps[i].type) {
        Out += ": ";
        type(*ps[i].type);
      }
      if (ps[i].defaultValue) {
        Out += " = ";
        expr(*ps[i].defaultValue, LowestPrec, 0);
      }
    }
  }

  void type(const Type &t) {
    switch (t.kind) {
    case Type::Named:
      Out += t.name;
      if (t.dims) {
        Out += "[";
        for (size_t i = 0; i < t.dims->size(); ++i) {
          if (i) Out += ", ";
          const Dim &d = (*t.dims)[i];
          Out += d.kind == Dim::Fixed ? std::to_string(d.size) : d.kind == Dim::Variable ? d.name : "...";
        }
        Out += "]";
      }
      break;
    case Type::List:
      Out += "[";
      type(*t.elems[0]);
      Out += "]";
      break;
    case Type::Tuple:
      Out += "(";
      for (size_t i = 0; i < t.elems.size(); ++i) {
        if (i) Out += ", ";
        type(*t.elems[i]);
      }
      Out += ")";
      break;
    }
  }

  void pattern(const Pattern &p) {
    if (p.kind == Pattern::Name) {
      Out += p.name;
      return;
    }
    Out += "(";
    for (size_t i = 0; i < p.elems.size(); ++i) {
      if (i) Out += ", ";
      pattern(*p.elems[i]);
    }
    Out += p.elems.size() == 1 ? ",)" : ")";
  }

  void newline(int indent) { Out += "\n" + std::string(indent * 4, ' '); }

  void block(const BlockExpr &b, int indent) {
    if (b.stmts.empty()) {
      Out += "{}";
      return;
    }
    Out += "{";
    for (const StmtPtr &s : b.stmts) {
      newline(indent + 1);
      stmt(*s, indent + 1);
    }
    newline(indent);
    Out += "}";
  }

  void stmt(const Stmt &s, int indent) {
    switch (s.kind) {
    case StmtKind::Let: {
      const auto &let = s.as<LetStmt>();
      Out += "let ";
      pattern(*let.pattern);
      if (let.type) {
        Out += ": ";
        type(*let.type);
      }
      Out += " = ";
      expr(*let.value, LowestPrec, indent);
      break;
    }
    case StmtKind::Assign: {
      const auto &assign = s.as<AssignStmt>();
      pattern(*assign.target);
      Out += " = ";
      expr(*assign.value, LowestPrec, indent);
      break;
    }
    case StmtKind::Declare: {
      const auto &decl = s.as<DeclareStmt>();
      expr(*decl.path, PostfixPrec, indent);
      Out += " ~ ";
      expr(*decl.init, LowestPrec, indent);
      break;
    }
    case StmtKind::For: {
      const auto &f = s.as<ForStmt>();
      Out += "for ";
      pattern(*f.pattern);
      Out += " in ";
      expr(*f.iterable, LowestPrec, indent);
      Out += " ";
      block(*f.body, indent);
      break;
    }
    case StmtKind::While: {
      const auto &w = s.as<WhileStmt>();
      Out += "while ";
      expr(*w.cond, LowestPrec, indent);
      Out += " ";
      block(*w.body, indent);
      break;
    }
    case StmtKind::Break: Out += "break"; break;
    case StmtKind::Continue: Out += "continue"; break;
    case StmtKind::Assert: {
      const auto &a = s.as<AssertStmt>();
      Out += "assert ";
      expr(*a.cond, LowestPrec, indent);
      if (a.message) {
        Out += ", ";
        expr(*a.message, LowestPrec, indent);
      }
      break;
    }
    case StmtKind::Expr: {
      const Expr &e = *s.as<ExprStmt>().expr;
      // A statement that starts with `{` is read as a block, so a record needs parens.
      bool record = e.kind == ExprKind::Record;
      if (record) Out += "(";
      expr(e, LowestPrec, indent);
      if (record) Out += ")";
      break;
    }
    case StmtKind::Fn: fn(s.as<FnStmt>().fn, indent); break;
    }
  }

  void list(const std::vector<ExprPtr> &elems, int indent) {
    for (size_t i = 0; i < elems.size(); ++i) {
      if (i) Out += ", ";
      expr(*elems[i], LowestPrec, indent);
    }
  }

  void expr(const Expr &e, int minPrec, int indent) {
    bool parens = precedenceOf(e) < minPrec;
    if (parens) Out += "(";
    exprBody(e, indent);
    if (parens) Out += ")";
  }

  void exprBody(const Expr &e, int indent) {
    switch (e.kind) {
    case ExprKind::Int: Out += std::to_string(e.as<IntExpr>().value); break;
    case ExprKind::Float: Out += e.as<FloatExpr>().text; break;
    case ExprKind::String: Out += "\"" + escapeString(e.as<StringExpr>().value, false) + "\""; break;
    case ExprKind::FString: {
      Out += "f\"";
      for (const auto &part : e.as<FStringExpr>().parts) {
        if (!part.expr) {
          Out += escapeString(part.text, true);
          continue;
        }
        Printer hole;
        hole.expr(*part.expr, LowestPrec, indent);
        // `{{` would read as an escaped brace, so a hole holding a record or block gets a space.
        Out += hole.Out.front() == '{' ? "{ " + hole.Out : "{" + hole.Out;
        if (!part.spec.empty()) Out += ":" + part.spec;
        Out += "}";
      }
      Out += "\"";
      break;
    }
    case ExprKind::Bool: Out += e.as<BoolExpr>().value ? "true" : "false"; break;
    case ExprKind::None: Out += "none"; break;
    case ExprKind::Name: Out += e.as<NameExpr>().name; break;
    case ExprKind::Unary: {
      const auto &u = e.as<UnaryExpr>();
      Out += u.op == UnaryOp::Not ? "not " : spelling(u.op);
      expr(*u.operand, precedence(u.op), indent);
      break;
    }
    case ExprKind::Binary: {
      const auto &b = e.as<BinaryExpr>();
      int p = precedence(b.op);
      bool right = isRightAssociative(b.op), comparison = isComparison(b.op);
      expr(*b.lhs, right || comparison ? p + 1 : p, indent);
      Out += std::string(" ") + spelling(b.op) + " ";
      expr(*b.rhs, right ? p : p + 1, indent);
      break;
    }
    case ExprKind::Range: {
      const auto &r = e.as<RangeExpr>();
      expr(*r.lo, 1, indent);
      Out += "..";
      expr(*r.hi, 1, indent);
      break;
    }
    case ExprKind::Call: {
      const auto &c = e.as<CallExpr>();
      expr(*c.callee, PostfixPrec, indent);
      Out += "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i) Out += ", ";
        if (!c.args[i].name.empty()) Out += c.args[i].name + " = ";
        expr(*c.args[i].value, LowestPrec, indent);
      }
      Out += ")";
      break;
    }
    case ExprKind::Index: {
      const auto &ix = e.as<IndexExpr>();
      expr(*ix.base, PostfixPrec, indent);
      Out += "[";
      for (size_t i = 0; i < ix.items.size(); ++i) {
        if (i) Out += ", ";
        const IndexItem &item = ix.items[i];
        if (item.kind == IndexItem::Ellipsis) Out += "...";
        else if (item.kind == IndexItem::Single) expr(*item.value, LowestPrec, indent);
        else {
          if (item.lo) expr(*item.lo, LowestPrec, indent);
          Out += ":";
          if (item.hi) expr(*item.hi, LowestPrec, indent);
          if (item.hasStepColon || item.step) Out += ":";
          if (item.step) expr(*item.step, LowestPrec, indent);
        }
      }
      Out += "]";
      break;
    }
    case ExprKind::Field: {
      const auto &f = e.as<FieldExpr>();
      expr(*f.base, PostfixPrec, indent);
      Out += "." + f.name;
      break;
    }
    case ExprKind::Tuple: {
      const auto &t = e.as<TupleExpr>();
      Out += "(";
      list(t.elems, indent);
      if (t.elems.size() == 1) Out += ",";
      Out += ")";
      break;
    }
    case ExprKind::List:
      Out += "[";
      list(e.as<ListExpr>().elems, indent);
      Out += "]";
      break;
    case ExprKind::ListComp: {
      const auto &c = e.as<ListCompExpr>();
      Out += "[";
      expr(*c.elem, LowestPrec, indent);
      for (const auto &clause : c.clauses) {
        Out += " for ";
        pattern(*clause.pattern);
        Out += " in ";
        expr(*clause.iterable, LowestPrec, indent);
        if (clause.cond) {
          Out += " if ";
          expr(*clause.cond, LowestPrec, indent);
        }
      }
      Out += "]";
      break;
    }
    case ExprKind::Record: {
      const auto &r = e.as<RecordExpr>();
      Out += "{";
      for (size_t i = 0; i < r.fields.size(); ++i) {
        if (i) Out += ", ";
        bool plainName = !r.fields[i].name.empty() && !std::isdigit(static_cast<unsigned char>(r.fields[i].name[0]));
        for (char c : r.fields[i].name) plainName = plainName && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
        Out += plainName ? r.fields[i].name : "\"" + escapeString(r.fields[i].name, false) + "\"";
        Out += ": ";
        expr(*r.fields[i].value, LowestPrec, indent);
      }
      Out += "}";
      break;
    }
    case ExprKind::Block: block(e.as<BlockExpr>(), indent); break;
    case ExprKind::If: {
      const auto &i = e.as<IfExpr>();
      for (size_t k = 0; k < i.branches.size(); ++k) {
        Out += k ? " else if " : "if ";
        expr(*i.branches[k].cond, LowestPrec + 1, indent);
        Out += " ";
        block(*i.branches[k].body, indent);
      }
      if (i.elseBody) {
        Out += " else ";
        block(*i.elseBody, indent);
      }
      break;
    }
    case ExprKind::Lambda: {
      const auto &l = e.as<LambdaExpr>();
      Out += "|";
      params(l.params);
      Out += "| ";
      expr(*l.body, LowestPrec, indent);
      break;
    }
    }
  }
};

} // namespace

std::string printModule(const Module &module) {
  Printer p;
  p.module(module);
  return p.Out;
}

std::string printExpr(const Expr &expr) {
  Printer p;
  p.expr(expr, LowestPrec, 0);
  return p.Out;
}

std::string printParams(const std::vector<Param> &params) {
  Printer p;
  p.params(params);
  return p.Out;
}

std::string printType(const Type &type) {
  Printer p;
  p.type(type);
  return p.Out;
}

} // namespace zy::ast

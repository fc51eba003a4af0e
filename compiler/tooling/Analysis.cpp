// Analysis.cpp: names, scopes and arity of a Zy file, for the language server (Analysis.h).
//
// One walk over the AST with a stack of scopes. Entering a block first defines every name
// the block binds (its `let`s and `fn`s), so the order of statements never makes a name
// unknown here that the interpreter would find; a name found in no scope, in the file's
// top level or in the library is reported. Field accesses on a module are checked against
// its names, and calls to Zy functions against their parameters.
#include "tooling/Analysis.h"

#include "interp/Interpreter.h"
#include "syntax/AstPrinter.h"

#include <algorithm>
#include <unordered_map>

namespace zy::tooling {

using namespace ast;

std::string docCommentAbove(const SourceFile &file, uint32_t line) {
  std::vector<std::string> lines;
  for (uint32_t n = line; n > 1; --n) {
    std::string_view text = file.lineText(n - 1);
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos || text[start] != '#') break;
    std::string_view body = text.substr(start + 1);
    if (!body.empty() && body[0] == ' ') body.remove_prefix(1);
    lines.emplace_back(body);
  }
  std::string doc;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) doc += (doc.empty() ? "" : "\n") + *it;
  return doc;
}

std::string signatureOf(const std::string &name, const std::vector<Param> &params, const Type *returnType) {
  return "fn " + name + "(" + printParams(params) + ")" + (returnType ? " -> " + printType(*returnType) : "");
}

// ---------------------------------------------------------------- the library

namespace {

Symbol symbolOfValue(const std::string &name, const interp::Value &v) {
  Symbol s;
  s.name = name;
  if (v.kind == interp::ValueKind::Function && v.closure) {
    const interp::Closure &c = *v.closure;
    s.kind = Symbol::Function;
    s.span = c.span;
    s.params = c.params;
    s.signature = signatureOf(name, *c.params, c.returnType);
    if (c.span.valid()) s.doc = docCommentAbove(*c.span.file, c.span.file->lineCol(c.span.begin).line);
  } else if (v.kind == interp::ValueKind::Builtin) {
    s.kind = Symbol::Builtin;
    s.signature = name + "(...)  (built in)";
  } else {
    s.kind = Symbol::Variable;
    s.signature = name + ": " + interp::typeName(v);
  }
  return s;
}

} // namespace

Library::Library(interp::Interpreter &interpreter) {
  std::shared_ptr<interp::Env> prelude = interpreter.newSessionScope()->parent;
  for (const auto &[name, value] : prelude->vars) {
    if (value.kind == interp::ValueKind::Module) {
      Symbol &m = Symbols.emplace_back();
      m.kind = Symbol::Module;
      m.name = name;
      m.signature = "module " + name + " (standard library)";
      for (const auto &[member, v] : value.module->globals->vars) {
        Symbols.push_back(symbolOfValue(member, v));
        Symbols.back().signature = name + "." + (Symbols.back().signature.rfind("fn ", 0) == 0
                                                     ? Symbols.back().signature.substr(3)
                                                     : Symbols.back().signature);
        m.members[member] = &Symbols.back();
      }
      Globals[name] = &m;
    } else {
      Symbols.push_back(symbolOfValue(name, value));
      Globals[name] = &Symbols.back();
    }
  }
}

const Symbol *Library::lookup(const std::string &name) const {
  auto it = Globals.find(name);
  return it == Globals.end() ? nullptr : it->second;
}

// ---------------------------------------------------------------- the walk

namespace {

class Walker {
public:
  Walker(Analysis &out, const Library &library, const ImportLoader &imports)
      : Out(out), Lib(library), Imports(imports) {}

  void module(const Module &m) {
    push(0, UINT32_MAX);
    for (const Item &item : m.items) {
      switch (item.kind) {
      case Item::Fn: define(Symbol::Function, item.fn->name, item.fn->nameSpan, item.fn.get()); break;
      case Item::Let: pattern(*item.let->pattern, Symbol::Variable); break;
      case Item::Import: importModule(*item.import); break;
      case Item::Test: break;
      }
    }
    for (const Item &item : m.items) {
      switch (item.kind) {
      case Item::Fn: fn(*item.fn); break;
      case Item::Let: expr(*item.let->value); break;
      case Item::Test: block(*item.test->body); break;
      case Item::Import: break;
      }
    }
    pop();
  }

private:
  Analysis &Out;
  const Library &Lib;
  const ImportLoader &Imports;
  std::vector<std::pair<size_t, std::unordered_map<std::string, const Symbol *>>> Stack; // (index in Out.scopes, names)

  void push(uint32_t begin, uint32_t end) {
    Out.scopes.push_back({begin, end, {}});
    Stack.push_back({Out.scopes.size() - 1, {}});
  }
  void pop() { Stack.pop_back(); }

  const Symbol *define(Symbol::Kind kind, const std::string &name, Span span, const FnDecl *fn = nullptr,
                       const Param *param = nullptr) {
    if (name == "_") return nullptr;
    Symbol &s = Out.symbols.emplace_back();
    s.kind = kind;
    s.name = name;
    s.span = span;
    if (fn) {
      s.params = &fn->params;
      s.signature = signatureOf(name, fn->params, fn->returnType.get());
      s.doc = docCommentAbove(*span.file, span.file->lineCol(fn->span.begin).line);
    } else if (param) {
      s.signature = name + (param->type ? ": " + printType(*param->type) : "") + "  (parameter)";
    } else {
      s.signature = name + "  (" + (kind == Symbol::Variable ? "variable" : "name") + ")";
    }
    Stack.back().second[name] = &s;
    Out.scopes[Stack.back().first].names.push_back(&s);
    Out.references.push_back({span, &s});
    return &s;
  }

  const Symbol *resolve(const std::string &name) const {
    for (auto it = Stack.rbegin(); it != Stack.rend(); ++it)
      if (auto found = it->second.find(name); found != it->second.end()) return found->second;
    return Lib.lookup(name);
  }

  void importModule(const ImportDecl &import) {
    Symbol &m = Out.symbols.emplace_back();
    m.kind = Symbol::Module;
    m.name = import.alias;
    m.span = import.span;
    m.signature = "module " + import.alias + " (import \"" + import.path + "\")";
    if (const Module *imported = Imports ? Imports(import.path) : nullptr) {
      for (const Item &item : imported->items) {
        if (item.kind == Item::Fn) {
          Symbol &f = Out.symbols.emplace_back();
          f.kind = Symbol::Function;
          f.name = item.fn->name;
          f.span = item.fn->nameSpan;
          f.params = &item.fn->params;
          f.signature = import.alias + "." + signatureOf(item.fn->name, item.fn->params, item.fn->returnType.get()).substr(3);
          f.doc = docCommentAbove(*f.span.file, f.span.file->lineCol(item.fn->span.begin).line);
          m.members[f.name] = &f;
        } else if (item.kind == Item::Let && item.let->pattern->kind == Pattern::Name) {
          Symbol &v = Out.symbols.emplace_back();
          v.kind = Symbol::Variable;
          v.name = item.let->pattern->name;
          v.span = item.let->pattern->span;
          v.signature = import.alias + "." + v.name + "  (variable)";
          m.members[v.name] = &v;
        }
      }
    } else {
      Out.problems.push_back({Severity::Error, import.span, "cannot read the module `" + import.path + "`", {}});
    }
    Stack.back().second[import.alias] = &m;
    Out.scopes[Stack.back().first].names.push_back(&m);
  }

  void pattern(const Pattern &p, Symbol::Kind kind) {
    if (p.kind == Pattern::Name) define(kind, p.name, p.span);
    else
      for (const auto &e : p.elems) pattern(*e, kind);
  }

  /// A rebinding target: names that must exist.
  void target(const Pattern &p) {
    if (p.kind == Pattern::Name) name(p.name, p.span);
    else
      for (const auto &e : p.elems) target(*e);
  }

  void fn(const FnDecl &f) {
    push(f.span.begin, f.span.end);
    // A default may use the parameters before it (`fn f(n, m = n)`).
    for (const Param &p : f.params) define(Symbol::Parameter, p.name, p.span, nullptr, &p);
    for (const Param &p : f.params)
      if (p.defaultValue) expr(*p.defaultValue);
    if (f.body->kind == ExprKind::Block) block(f.body->as<BlockExpr>());
    else expr(*f.body);
    pop();
  }

  void block(const BlockExpr &b) {
    push(b.span.begin, b.span.end);
    // Every name the block binds, first: order never makes one unknown.
    for (const StmtPtr &s : b.stmts) {
      if (s->kind == StmtKind::Let) pattern(*s->as<LetStmt>().pattern, Symbol::Variable);
      if (s->kind == StmtKind::Fn) {
        const FnDecl &f = s->as<FnStmt>().fn;
        define(Symbol::Function, f.name, f.nameSpan, &f);
      }
    }
    for (const StmtPtr &s : b.stmts) stmt(*s);
    pop();
  }

  void stmt(const Stmt &s) {
    switch (s.kind) {
    case StmtKind::Let: expr(*s.as<LetStmt>().value); break;
    case StmtKind::Assign:
      target(*s.as<AssignStmt>().target);
      expr(*s.as<AssignStmt>().value);
      break;
    case StmtKind::Declare:
      expr(*s.as<DeclareStmt>().path);
      expr(*s.as<DeclareStmt>().init);
      break;
    case StmtKind::For: {
      const auto &f = s.as<ForStmt>();
      expr(*f.iterable);
      push(f.span.begin, f.span.end);
      pattern(*f.pattern, Symbol::Variable);
      block(*f.body);
      pop();
      break;
    }
    case StmtKind::While:
      expr(*s.as<WhileStmt>().cond);
      block(*s.as<WhileStmt>().body);
      break;
    case StmtKind::Assert:
      expr(*s.as<AssertStmt>().cond);
      if (s.as<AssertStmt>().message) expr(*s.as<AssertStmt>().message);
      break;
    case StmtKind::Expr: expr(*s.as<ExprStmt>().expr); break;
    case StmtKind::Fn: fn(s.as<FnStmt>().fn); break;
    case StmtKind::Break:
    case StmtKind::Continue: break;
    }
  }

  const Symbol *name(const std::string &n, Span span) {
    const Symbol *s = resolve(n);
    if (s) Out.references.push_back({span, s});
    else Out.problems.push_back({Severity::Error, span, "unknown name `" + n + "`", {}});
    return s;
  }

  /// The symbol an expression names, when it is a name or a module's member.
  const Symbol *named(const Expr &e) {
    if (e.kind == ExprKind::Name) return name(e.as<NameExpr>().name, e.span);
    if (e.kind == ExprKind::Field) {
      const auto &f = e.as<FieldExpr>();
      const Symbol *base = named(*f.base);
      if (base && base->kind == Symbol::Module && (!base->members.empty() || !base->span.valid())) {
        auto it = base->members.find(f.name);
        if (it != base->members.end()) {
          Out.references.push_back({f.nameSpan, it->second});
          return it->second;
        }
        Out.problems.push_back({Severity::Error, f.nameSpan, "module `" + base->name + "` has no `" + f.name + "`", {}});
      }
      return nullptr;
    }
    expr(e);
    return nullptr;
  }

  void call(const CallExpr &c) {
    const Symbol *callee = named(*c.callee);
    for (const Arg &a : c.args) expr(*a.value);
    if (!callee || !callee->params) return;
    const std::vector<Param> &params = *callee->params;
    size_t positional = 0;
    std::vector<bool> bound(params.size(), false);
    for (const Arg &a : c.args) {
      if (!a.name.empty()) continue;
      if (positional < params.size()) bound[positional] = true;
      ++positional;
    }
    if (positional > params.size()) {
      Out.problems.push_back({Severity::Error, c.span,
                              "`" + callee->name + "` takes " + std::to_string(params.size()) + " argument" +
                                  (params.size() == 1 ? "" : "s") + " but was given " + std::to_string(positional),
                              {}});
      return;
    }
    for (const Arg &a : c.args) {
      if (a.name.empty()) continue;
      auto it = std::find_if(params.begin(), params.end(), [&](const Param &p) { return p.name == a.name; });
      if (it == params.end()) {
        Out.problems.push_back({Severity::Error, a.span, "`" + callee->name + "` has no parameter named `" + a.name + "`", {}});
        return;
      }
      bound[it - params.begin()] = true;
    }
    for (size_t i = 0; i < params.size(); ++i)
      if (!bound[i] && !params[i].defaultValue) {
        Out.problems.push_back(
            {Severity::Error, c.span, "missing argument `" + params[i].name + "` in this call to `" + callee->name + "`", {}});
        return;
      }
  }

  void expr(const Expr &e) {
    switch (e.kind) {
    case ExprKind::Int: case ExprKind::Float: case ExprKind::String: case ExprKind::Bool: case ExprKind::None: break;
    case ExprKind::FString:
      for (const auto &part : e.as<FStringExpr>().parts)
        if (part.expr) expr(*part.expr);
      break;
    case ExprKind::Name:
    case ExprKind::Field: named(e); break;
    case ExprKind::Unary: expr(*e.as<UnaryExpr>().operand); break;
    case ExprKind::Binary:
      expr(*e.as<BinaryExpr>().lhs);
      expr(*e.as<BinaryExpr>().rhs);
      break;
    case ExprKind::Range:
      expr(*e.as<RangeExpr>().lo);
      expr(*e.as<RangeExpr>().hi);
      break;
    case ExprKind::Call: call(e.as<CallExpr>()); break;
    case ExprKind::Index: {
      const auto &x = e.as<IndexExpr>();
      expr(*x.base);
      for (const IndexItem &item : x.items)
        for (const ExprPtr *p : {&item.value, &item.lo, &item.hi, &item.step})
          if (*p) expr(**p);
      break;
    }
    case ExprKind::Tuple:
      for (const auto &x : e.as<TupleExpr>().elems) expr(*x);
      break;
    case ExprKind::List:
      for (const auto &x : e.as<ListExpr>().elems) expr(*x);
      break;
    case ExprKind::ListComp: {
      const auto &l = e.as<ListCompExpr>();
      push(e.span.begin, e.span.end);
      for (const auto &clause : l.clauses) {
        expr(*clause.iterable);
        pattern(*clause.pattern, Symbol::Variable);
        if (clause.cond) expr(*clause.cond);
      }
      expr(*l.elem);
      pop();
      break;
    }
    case ExprKind::Record:
      for (const auto &f : e.as<RecordExpr>().fields) expr(*f.value);
      break;
    case ExprKind::Block: block(e.as<BlockExpr>()); break;
    case ExprKind::If: {
      const auto &i = e.as<IfExpr>();
      for (const auto &b : i.branches) {
        expr(*b.cond);
        block(*b.body);
      }
      if (i.elseBody) block(*i.elseBody);
      break;
    }
    case ExprKind::Lambda: {
      const auto &l = e.as<LambdaExpr>();
      push(e.span.begin, e.span.end);
      for (const Param &p : l.params) define(Symbol::Parameter, p.name, p.span, nullptr, &p);
      for (const Param &p : l.params)
        if (p.defaultValue) expr(*p.defaultValue);
      expr(*l.body);
      pop();
      break;
    }
    }
  }
};

} // namespace

Analysis analyze(const Module &module, const Library &library, const ImportLoader &imports) {
  Analysis out;
  Walker(out, library, imports).module(module);
  return out;
}

const Symbol *Analysis::symbolAt(uint32_t offset, Span *where) const {
  for (const Reference &r : references)
    if (r.span.begin <= offset && offset <= r.span.end) {
      if (where) *where = r.span;
      return r.symbol;
    }
  return nullptr;
}

std::vector<const Symbol *> Analysis::visibleAt(uint32_t offset, const Library &library) const {
  std::vector<const Symbol *> out;
  std::vector<const Scope *> around;
  for (const Scope &s : scopes)
    if (s.begin <= offset && offset <= s.end) around.push_back(&s);
  // Scopes are recorded outermost first along any path: innermost first is the reverse.
  for (auto it = around.rbegin(); it != around.rend(); ++it)
    for (const Symbol *s : (*it)->names) out.push_back(s);
  for (const auto &[name, s] : library.globals()) out.push_back(s);
  return out;
}

} // namespace zy::tooling

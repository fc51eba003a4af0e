// Check.cpp: the whole-program check (Check.h): running host code on abstract tensors,
// skipping what needs values, and a few passes of each loop.
#include "interp/Check.h"

#include "ir/Builder.h"
#include "support/Scoped.h"
#include "support/Timing.h"

#include <algorithm>

namespace zy::interp {

using namespace ast;

namespace {

Value unknown() {
  Value v;
  v.kind = ValueKind::Unknown;
  return v;
}

void patternNames(const Pattern &p, std::vector<std::string> &out) {
  if (p.kind == Pattern::Name) {
    if (p.name != "_") out.push_back(p.name);
    return;
  }
  for (const auto &e : p.elems) patternNames(*e, out);
}

/// Calls `visit` on each expression directly inside `e`, and `visitStmt` on each
/// statement of a block; not inside a lambda (its body is another function's).
template <typename E, typename S> void forEachChild(const Expr &e, E &&visit, S &&visitStmt) {
  auto sub = [&](const ExprPtr &x) {
    if (x) visit(*x);
  };
  switch (e.kind) {
  case ExprKind::Block:
    for (const StmtPtr &s : e.as<BlockExpr>().stmts) visitStmt(*s);
    break;
  case ExprKind::If:
    for (const auto &b : e.as<IfExpr>().branches) {
      sub(b.cond);
      visit(*b.body);
    }
    if (e.as<IfExpr>().elseBody) visit(*e.as<IfExpr>().elseBody);
    break;
  case ExprKind::Call:
    sub(e.as<CallExpr>().callee);
    for (const Arg &a : e.as<CallExpr>().args) sub(a.value);
    break;
  case ExprKind::Unary: sub(e.as<UnaryExpr>().operand); break;
  case ExprKind::Binary: sub(e.as<BinaryExpr>().lhs); sub(e.as<BinaryExpr>().rhs); break;
  case ExprKind::Range: sub(e.as<RangeExpr>().lo); sub(e.as<RangeExpr>().hi); break;
  case ExprKind::Index:
    sub(e.as<IndexExpr>().base);
    for (const IndexItem &i : e.as<IndexExpr>().items) {
      sub(i.value);
      sub(i.lo);
      sub(i.hi);
      sub(i.step);
    }
    break;
  case ExprKind::Field: sub(e.as<FieldExpr>().base); break;
  case ExprKind::Tuple: for (const ExprPtr &x : e.as<TupleExpr>().elems) sub(x); break;
  case ExprKind::List: for (const ExprPtr &x : e.as<ListExpr>().elems) sub(x); break;
  case ExprKind::Record: for (const auto &f : e.as<RecordExpr>().fields) sub(f.value); break;
  case ExprKind::FString: for (const auto &p : e.as<FStringExpr>().parts) sub(p.expr); break;
  case ExprKind::ListComp:
    sub(e.as<ListCompExpr>().elem);
    for (const auto &c : e.as<ListCompExpr>().clauses) {
      sub(c.iterable);
      sub(c.cond);
    }
    break;
  default: break; // literals, names, lambdas
  }
}

/// Each expression a statement holds directly (its blocks' statements through them).
template <typename E> void forEachExpr(const Stmt &s, E &&visit) {
  switch (s.kind) {
  case StmtKind::Let: visit(*s.as<LetStmt>().value); break;
  case StmtKind::Assign: visit(*s.as<AssignStmt>().value); break;
  case StmtKind::Declare: visit(*s.as<DeclareStmt>().init); break;
  case StmtKind::For: visit(*s.as<ForStmt>().iterable); visit(*s.as<ForStmt>().body); break;
  case StmtKind::While: visit(*s.as<WhileStmt>().cond); visit(*s.as<WhileStmt>().body); break;
  case StmtKind::Assert: visit(*s.as<AssertStmt>().cond); break;
  case StmtKind::Expr: visit(*s.as<ExprStmt>().expr); break;
  default: break; // break, continue, fn
  }
}

/// Every name `e` reads (in the lambdas it makes too).
void readsOf(const Expr &e, std::set<std::string> &out) {
  if (e.kind == ExprKind::Name) out.insert(e.as<NameExpr>().name);
  if (e.kind == ExprKind::Lambda) readsOf(*e.as<LambdaExpr>().body, out);
  forEachChild(
      e, [&](const Expr &x) { readsOf(x, out); },
      [&](const Stmt &s) { forEachExpr(s, [&](const Expr &x) { readsOf(x, out); }); });
}

/// What a statement (or a loop's body) does to the variables around it, found in its
/// text: each binding at any depth (not in the functions it defines), with the names
/// that its value and the conditions around it read; and whether a `break` or
/// `continue` of the loop it is in (not of a loop inside it) is among its statements.
struct Effects {
  struct Binding {
    std::vector<std::string> targets;
    std::set<std::string> reads;
    bool local = false; // a `let` inside: it defines a name of its own block, rebinds none
  };
  std::vector<Binding> bindings;
  bool breaks = false, continues = false;

  /// The names rebound around the statement (`x = e`).
  std::set<std::string> targets() const {
    std::set<std::string> out;
    for (const Binding &b : bindings)
      if (!b.local) out.insert(b.targets.begin(), b.targets.end());
    return out;
  }

  void bind(const Pattern &p, const Expr &value, const std::set<std::string> &around, bool local) {
    Binding b;
    patternNames(p, b.targets);
    b.reads = around;
    readsOf(value, b.reads);
    b.local = local;
    bindings.push_back(std::move(b));
  }

  void stmt(const Stmt &s, const std::set<std::string> &around, int loops) {
    // A loop's body depends on what decides its passes.
    auto loop = [&](const Expr &decides, const Expr &body) {
      expr(decides, around, loops);
      std::set<std::string> inner = around;
      readsOf(decides, inner);
      expr(body, inner, loops + 1);
    };
    switch (s.kind) {
    case StmtKind::For: return loop(*s.as<ForStmt>().iterable, *s.as<ForStmt>().body);
    case StmtKind::While: return loop(*s.as<WhileStmt>().cond, *s.as<WhileStmt>().body);
    case StmtKind::Let: bind(*s.as<LetStmt>().pattern, *s.as<LetStmt>().value, around, true); break;
    case StmtKind::Assign: bind(*s.as<AssignStmt>().target, *s.as<AssignStmt>().value, around, false); break;
    case StmtKind::Break: breaks |= loops == 0; break;
    case StmtKind::Continue: continues |= loops == 0; break;
    default: break;
    }
    forEachExpr(s, [&](const Expr &x) { expr(x, around, loops); });
  }

  void expr(const Expr &e, const std::set<std::string> &around, int loops) {
    if (e.kind == ExprKind::If) {
      // What a branch does depends on the conditions before it.
      std::set<std::string> inner = around;
      for (const auto &b : e.as<IfExpr>().branches) {
        expr(*b.cond, around, loops);
        readsOf(*b.cond, inner);
        expr(*b.body, inner, loops);
      }
      if (e.as<IfExpr>().elseBody) expr(*e.as<IfExpr>().elseBody, inner, loops);
      return;
    }
    forEachChild(
        e, [&](const Expr &x) { expr(x, around, loops); }, [&](const Stmt &s) { stmt(s, around, loops); });
  }
};

Effects effectsOf(const Stmt &s) {
  Effects e;
  e.stmt(s, {}, 0);
  return e;
}

/// What a loop's pass may change about a value, as text: tensors by dtype and shape,
/// host scalars and strings by value, functions by identity. Random keys count as
/// alike (a key split anew each pass changes no shape).
void abstractKey(const Value &v, std::string &out) {
  switch (v.kind) {
  case ValueKind::Tensor: out += typeName(v); break;
  case ValueKind::Int: out += "i" + std::to_string(v.i); break;
  case ValueKind::Float: {
    char text[32];
    std::snprintf(text, sizeof text, "f%a", v.f);
    out += text;
    break;
  }
  case ValueKind::Bool: out += v.b ? "true" : "false"; break;
  case ValueKind::Str: out += "s" + std::to_string(v.str->size()) + ":" + *v.str; break;
  case ValueKind::List:
  case ValueKind::Tuple:
    out += v.kind == ValueKind::List ? "[" : "(";
    for (const Value &x : *v.items) {
      abstractKey(x, out);
      out += ",";
    }
    out += v.kind == ValueKind::List ? "]" : ")";
    break;
  case ValueKind::Record:
    out += "{";
    for (const auto &[name, x] : v.record->fields) {
      out += name + ":";
      abstractKey(x, out);
      out += ",";
    }
    out += "}";
    break;
  case ValueKind::Function: out += "fn" + std::to_string(reinterpret_cast<uintptr_t>(v.closure.get())); break;
  case ValueKind::Builtin: out += "fn" + std::to_string(reinterpret_cast<uintptr_t>(v.builtin.get())); break;
  case ValueKind::Module: out += "module" + std::to_string(reinterpret_cast<uintptr_t>(v.module.get())); break;
  case ValueKind::Key: out += "key"; break;
  case ValueKind::Unknown: out += "?"; break;
  default: { // a value a pass makes anew (a method, an init spec): never alike
    thread_local uint64_t made = 0;
    out += typeName(v) + "#" + std::to_string(++made);
    break;
  }
  }
}

} // namespace

bool skippedByCheck(const ZyError &e) { return e.needsValue || e.runtime; }

void forgetAssigned(const Stmt &s, const std::shared_ptr<Env> &env) {
  for (const std::string &name : effectsOf(s).targets()) {
    bool outside = false;
    if (Value *v = env->lookupForRebinding(name, outside)) *v = unknown();
  }
  if (s.kind == StmtKind::Let) {
    std::vector<std::string> defined;
    patternNames(*s.as<LetStmt>().pattern, defined);
    for (const std::string &name : defined) env->define(name, unknown());
  }
}

LoopExits loopExitsOf(const Stmt &s) {
  Effects e = effectsOf(s);
  return {e.breaks, e.continues};
}

Tensor abstractTensor(Interpreter &in, DType dtype, const Shape &shape) {
  int id = ir::Builder(in.trace->graph).input(dtype, shape);
  return Tensor::traced(dtype, shape, id, in.trace->id);
}

namespace {
thread_local std::vector<CheckedLoop *> openLoops; // innermost last
}

CheckedLoop::CheckedLoop(const BlockExpr &body, const std::shared_ptr<Env> &env) : Scope(env) {
  Effects e;
  e.expr(body, {}, 0);
  std::set<std::string> names = e.targets();
  Assigned.assign(names.begin(), names.end());
  // The taint of finish() runs through every binding, the body's own `let`s included.
  for (Effects::Binding &b : e.bindings) Body.push_back({std::move(b.targets), std::move(b.reads)});
  Initial = snapshot();
  Varied.assign(Assigned.size(), false);
  openLoops.push_back(this);
}

CheckedLoop::~CheckedLoop() { openLoops.pop_back(); }

CheckedLoop *CheckedLoop::innermost() { return openLoops.empty() ? nullptr : openLoops.back(); }

namespace {
/// True if `v` holds a value the body could branch on: a host number or string, or a
/// tensor with values. Abstract tensors, keys and none it cannot.
bool holdsHostValues(const Value &v) {
  switch (v.kind) {
  case ValueKind::Tensor: return !v.tensor->isTraced();
  case ValueKind::Key: case ValueKind::None: return false;
  case ValueKind::List: case ValueKind::Tuple:
    return std::any_of(v.items->begin(), v.items->end(), holdsHostValues);
  case ValueKind::Record:
    return std::any_of(v.record->fields.begin(), v.record->fields.end(), [](const auto &f) { return holdsHostValues(f.second); });
  default: return true;
  }
}
} // namespace

bool CheckedLoop::runs(const Value &item) {
  // Items the body could branch on (an index, a file name) are all taken, up to a budget.
  if (holdsHostValues(item)) {
    if (Passes < MaxHostPasses) return true;
    LeftOut = true;
    return false;
  }
  bool fresh = ItemTypes.insert(describeType(item)).second;
  if (Passes < 2 || fresh) return true;
  LeftOut = true;
  return false;
}

std::vector<std::string> CheckedLoop::snapshot() const {
  std::vector<std::string> keys;
  for (const std::string &name : Assigned) {
    std::string key;
    if (const Value *v = Scope->lookup(name)) abstractKey(*v, key);
    keys.push_back(std::move(key));
  }
  return keys;
}

void CheckedLoop::ran() {
  Previous = std::move(Last);
  Last = snapshot();
  for (size_t i = 0; i < Assigned.size(); ++i) Varied[i] = Varied[i] || Last[i] != Initial[i];
  ++Passes;
}

void CheckedLoop::finish() {
  if (!LeftOut && !Uncertain) return; // every pass ran: what it left is what a run leaves
  // The names whose value after the loop is not known: those the passes did not leave
  // alike (any pass, if the loop may have stopped after any), then, to a fixed point,
  // those rebound from one of them or under a condition reading one.
  std::set<std::string> unknownNames;
  for (size_t i = 0; i < Assigned.size(); ++i) {
    bool changed = Uncertain ? Varied[i] : Passes >= 2 ? Previous[i] != Last[i] : Last.empty() || Last[i] != Initial[i];
    if (changed) unknownNames.insert(Assigned[i]);
  }
  for (bool grew = !unknownNames.empty(); grew;) {
    grew = false;
    for (const Rebinding &r : Body) {
      bool tainted = std::any_of(r.reads.begin(), r.reads.end(), [&](const std::string &n) { return unknownNames.count(n); });
      if (tainted)
        for (const std::string &t : r.targets) grew |= unknownNames.insert(t).second;
    }
  }
  for (const std::string &name : unknownNames) {
    bool outside = false;
    if (Value *v = Scope->lookupForRebinding(name, outside)) *v = unknown();
  }
}

std::optional<Diagnostic> checkProgram(Interpreter &in, const std::string &path, bool tests, double seconds,
                                       std::string *stopped) {
  in.checking = true;
  if (seconds > 0) in.checkDeadline = timing::nowMillis() + 1000 * seconds;
  try {
    std::shared_ptr<const ModuleData> module;
    // The module's top level runs as in a run (it defines the functions; a `let` there
    // is rare and cheap); from `main` on, host code runs on the check's graph.
    try {
      module = in.loadModule(path);
    } catch (const ZyError &e) {
      if (!skippedByCheck(e)) return e.diagnostic;
      if (stopped) *stopped = "its top level needs a value only known when it runs (" + e.diagnostic.message + ")";
      return std::nullopt;
    }
    trace::TraceContext host;
    host.checkHost = true;
    Scoped<trace::TraceContext *> checking(in.trace, &host);
    if (Value *main = module->globals->lookup("main"); main && main->kind == ValueKind::Function) {
      try {
        in.runMain(*module);
      } catch (const ZyError &e) {
        if (!skippedByCheck(e)) return e.diagnostic;
      }
    }
    if (tests)
      for (const TestResult &r : in.runTests(path))
        if (!r.passed && !r.skipped) return r.diagnostic;
  } catch (const CheckOutOfTime &) {
    // What was checked had no error; the rest is the run's.
    if (stopped) *stopped = "out of time after " + std::to_string(static_cast<int>(seconds)) + " s";
  }
  return std::nullopt;
}

} // namespace zy::interp

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

void assignedIn(const Stmt &s, std::vector<std::string> &out);

/// The names rebound (`x = e`) anywhere inside `e`, except in the functions it defines:
/// they rebind their own variables only.
void assignedIn(const Expr &e, std::vector<std::string> &out) {
  auto sub = [&](const ExprPtr &x) {
    if (x) assignedIn(*x, out);
  };
  switch (e.kind) {
  case ExprKind::Block:
    for (const StmtPtr &s : e.as<BlockExpr>().stmts) assignedIn(*s, out);
    break;
  case ExprKind::If:
    for (const auto &b : e.as<IfExpr>().branches) {
      sub(b.cond);
      assignedIn(*b.body, out);
    }
    if (e.as<IfExpr>().elseBody) assignedIn(*e.as<IfExpr>().elseBody, out);
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

void assignedIn(const Stmt &s, std::vector<std::string> &out) {
  switch (s.kind) {
  case StmtKind::Let: assignedIn(*s.as<LetStmt>().value, out); break;
  case StmtKind::Assign:
    patternNames(*s.as<AssignStmt>().target, out);
    assignedIn(*s.as<AssignStmt>().value, out);
    break;
  case StmtKind::Declare: assignedIn(*s.as<DeclareStmt>().init, out); break;
  case StmtKind::For:
    assignedIn(*s.as<ForStmt>().iterable, out);
    assignedIn(*s.as<ForStmt>().body, out);
    break;
  case StmtKind::While:
    assignedIn(*s.as<WhileStmt>().cond, out);
    assignedIn(*s.as<WhileStmt>().body, out);
    break;
  case StmtKind::Assert: assignedIn(*s.as<AssertStmt>().cond, out); break;
  case StmtKind::Expr: assignedIn(*s.as<ExprStmt>().expr, out); break;
  default: break; // break, continue, fn
  }
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
  default: out += typeName(v) + "#" + std::to_string(reinterpret_cast<uintptr_t>(v.items.get())); break;
  }
}

} // namespace

bool skippedByCheck(const ZyError &e) { return e.needsValue || e.runtime; }

void forgetAssigned(const Stmt &s, const std::shared_ptr<Env> &env) {
  std::vector<std::string> rebound;
  assignedIn(s, rebound);
  for (const std::string &name : rebound) {
    bool outside = false;
    if (Value *v = env->lookupForRebinding(name, outside)) *v = unknown();
  }
  if (s.kind == StmtKind::Let) {
    std::vector<std::string> defined;
    patternNames(*s.as<LetStmt>().pattern, defined);
    for (const std::string &name : defined) env->define(name, unknown());
  }
}

Tensor abstractTensor(Interpreter &in, DType dtype, const Shape &shape) {
  int id = ir::Builder(in.trace->graph).input(dtype, shape);
  return Tensor::traced(dtype, shape, id, in.trace->id);
}

CheckedLoop::CheckedLoop(const BlockExpr &body, const std::shared_ptr<Env> &env) : Scope(env) {
  assignedIn(body, Assigned);
  std::sort(Assigned.begin(), Assigned.end());
  Assigned.erase(std::unique(Assigned.begin(), Assigned.end()), Assigned.end());
  Initial = snapshot();
}

bool CheckedLoop::runs(const Value &item) {
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
  ++Passes;
}

void CheckedLoop::finish() {
  if (!LeftOut && !ConditionUnknown) return;
  for (size_t i = 0; i < Assigned.size(); ++i) {
    bool stable = Passes == 0 || (Passes == 1 ? !LeftOut : Previous[i] == Last[i]);
    if (ConditionUnknown && Passes > 0) stable = stable && Initial[i] == Last[i];
    if (stable) continue;
    bool outside = false;
    if (Value *v = Scope->lookupForRebinding(Assigned[i], outside)) *v = unknown();
  }
}

std::optional<Diagnostic> checkProgram(Interpreter &in, const std::string &path, bool tests, double seconds,
                                       bool *complete) {
  in.checking = true;
  if (complete) *complete = false;
  if (seconds > 0) in.checkDeadline = timing::nowMillis() + 1000 * seconds;
  try {
    std::shared_ptr<const ModuleData> module;
    // The module's top level runs as in a run (it defines the functions; a `let` there
    // is rare and cheap); from `main` on, host code runs on the check's graph.
    try {
      module = in.loadModule(path);
    } catch (const ZyError &e) {
      if (skippedByCheck(e)) return std::nullopt;
      return e.diagnostic;
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
    return std::nullopt; // what was checked had no error; the rest is the run's
  }
  if (complete) *complete = true;
  return std::nullopt;
}

} // namespace zy::interp

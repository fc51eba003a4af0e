// Interpreter.cpp: evaluating the AST: names and scopes, calls, control flow, modules.
#include "interp/Interpreter.h"

#include "dist/Communicator.h"
#include "interp/Check.h"

#include "interp/IndexedUpdate.h"

#include "interp/Operators.h"
#include "interp/Params.h"
#include "interp/Progress.h"
#include "interp/Stdlib.h"
#include "interp/TensorOps.h"
#include "support/Format.h"
#include "support/Timing.h"
#include "syntax/AstPrinter.h"
#include "syntax/Parser.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

namespace zy::interp {

using namespace ast;
namespace fs = std::filesystem;

namespace {

/// The standard library, parsed once per process: an AST is never changed once built, so
/// every interpreter (a run's and its check's, an editor's) shares these.
struct ParsedStdlib {
  const StdlibFile *file;
  std::unique_ptr<SourceFile> source;
  std::unique_ptr<Module> module;
};

const std::vector<ParsedStdlib> &parsedStdlib() {
  static const std::vector<ParsedStdlib> parsed = [] {
    std::vector<ParsedStdlib> out;
    for (const StdlibFile &file : stdlibFiles()) {
      auto source = std::make_unique<SourceFile>(std::string("<stdlib>/") + file.name, file.text);
      Diagnostics diags;
      std::unique_ptr<Module> module;
      {
        timing::Scope timed(timing::Phase::Parse);
        module = parseModule(*source, diags);
      }
      if (!module) throw ZyError(diags.all().front(), false);
      out.push_back({&file, std::move(source), std::move(module)});
    }
    return out;
  }();
  return parsed;
}

} // namespace

Interpreter::Interpreter() {
  Prelude = std::make_shared<Env>(std::make_shared<EnvRegistry>());
  Prelude->moduleScope = true;
  installBuiltins(*Prelude);
  // The parts of the standard library written in Zy, loaded into the same scope.
  for (const ParsedStdlib &parsed : parsedStdlib()) {
    const StdlibFile &file = *parsed.file;
    const Module *module = parsed.module.get();
    std::shared_ptr<Env> env = file.isPrelude ? Prelude : std::make_shared<Env>(Prelude);
    env->moduleScope = true;
    for (const Item &item : module->items) {
      if (item.kind == Item::Fn) {
        auto c = std::make_shared<Closure>(Closure{item.fn->name, &item.fn->params, item.fn->body.get(), env, item.fn->span, item.fn->returnType.get()});
        Value v;
        v.kind = ValueKind::Function;
        v.closure = c;
        env->define(item.fn->name, v);
      }
    }
    if (!file.isPrelude) {
      auto data = std::make_shared<ModuleData>(ModuleData{file.moduleName, env});
      Value m;
      m.kind = ValueKind::Module;
      m.module = data;
      // A stdlib module may extend a builtin namespace of the same name (random, tree).
      if (Value *existing = Prelude->lookup(file.moduleName); existing && existing->kind == ValueKind::Module)
        for (auto &[name, value] : existing->module->globals->vars) env->vars.emplace(name, value);
      Prelude->define(file.moduleName, m);
    }
  }
}

Interpreter::~Interpreter() {
  // Functions and the scopes they close over refer to each other (module scopes hold
  // their functions): emptying every scope breaks the cycles, so all of it is freed.
  std::shared_ptr<EnvRegistry> registry = Prelude->registry;
  for (auto &[name, value] : Prelude->vars)
    if (value.kind == ValueKind::Module && value.module->globals) value.module->globals->vars.clear();
  releaseAll(*registry);
}

void Interpreter::write(const std::string &text, bool everyRank) {
  if (checking) return; // a check prints nothing (Check.h)
  if (traceOutput) *traceOutput += text;
  else if (capture) *capture += text;
  else if (everyRank || dist::world().rank() == 0) std::cout << text << std::flush;
}

bool inStdlib(Span span) { return span.valid() && span.file->name().rfind("<stdlib>", 0) == 0; }

std::atomic<bool> interruptRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "interruptRequested is set from a signal handler");

void Interpreter::pollCheckDeadline() {
  if (timing::nowMillis() > checkDeadline) throw CheckOutOfTime{};
}

void Interpreter::interrupted(Span span) {
  interruptRequested.store(false);
  fail(span, "interrupted", /*runtime=*/true);
}

void Interpreter::fail(Span span, const std::string &message, bool runtime) {
  failWithChain(span, Stack, message, runtime);
}

void Interpreter::failWithChain(Span span, const ir::CallChain &chain, const std::string &message, bool runtime) {
  // An error inside the standard library is reported where the user called into it.
  if (inStdlib(span)) {
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (!it->callSite.valid() || inStdlib(it->callSite)) continue;
      Diagnostic d{Severity::Error, it->callSite, message, {}};
      d.notes.push_back({Span{}, "raised inside `" + chain.back().function + "` of the standard library"});
      for (auto outer = it + 1; outer != chain.rend(); ++outer)
        if (outer->callSite.valid()) d.notes.push_back({outer->callSite, "in this call to `" + outer->function + "`"});
      throw ZyError(std::move(d), runtime);
    }
  }
  Diagnostic d{Severity::Error, span, message, {}};
  // The user call chain, innermost first, like a traceback read upwards.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (it->callSite.valid()) d.notes.push_back({it->callSite, "in this call to `" + it->function + "`"});
  if (d.notes.size() > 12) {
    size_t hidden = d.notes.size() - 12;
    d.notes.resize(12);
    d.notes.push_back({Span{}, std::to_string(hidden) + " more calls not shown"});
  }
  throw ZyError(std::move(d), runtime);
}

void Interpreter::failUnknownKeyword(Span span, const std::string &function, const std::string &name,
                                     const std::vector<std::string> &parameters) {
  std::string message = "`" + function + "` has no parameter named `" + name + "`";
  if (parameters.empty()) fail(span, message + " (it takes no keyword arguments)");
  std::string nearest, list;
  for (const std::string &p : parameters) {
    list += (list.empty() ? "" : ", ") + p;
    if (editDistance(name, p) <= (name.size() <= 3 ? 1 : 2) && (nearest.empty() || editDistance(name, p) < editDistance(name, nearest)))
      nearest = p;
  }
  fail(span, message + (nearest.empty() ? "" : "; did you mean `" + nearest + "`?") + " (its parameters: " + list + ")");
}

void Interpreter::failNeedsValue(Span span, const std::string &message) {
  try {
    fail(span, message);
  } catch (ZyError &e) {
    e.needsValue = true;
    throw;
  }
}

// ---------------------------------------------------------------- modules

std::shared_ptr<Env> Interpreter::moduleEnv(const Module &m, const std::string &path) {
  auto env = std::make_shared<Env>(Prelude);
  env->moduleScope = true;
  // Functions first, so they can call each other in any order; then imports and lets in order.
  for (const Item &item : m.items) {
    if (item.kind != Item::Fn) continue;
    Value v;
    v.kind = ValueKind::Function;
    v.closure = std::make_shared<Closure>(Closure{item.fn->name, &item.fn->params, item.fn->body.get(), env, item.fn->span, item.fn->returnType.get()});
    env->define(item.fn->name, v);
  }
  for (const Item &item : m.items) {
    if (item.kind == Item::Import) {
      importInto(*item.import, path, *env);
    } else if (item.kind == Item::Let) {
      bool isValue = false;
      exec(*item.let, env, isValue);
    }
  }
  return env;
}

/// The name a module is cached and cycle-checked under: its canonical path, or its
/// absolute path where there is none (weakly_canonical throws for `/dev/fd/N`, a pipe's
/// link into /proc), so a strange path is reported by the loader rather than as an
/// internal error.
static std::string moduleKey(const fs::path &path) {
  std::error_code ec;
  fs::path key = fs::weakly_canonical(path, ec);
  if (ec) key = fs::absolute(path, ec);
  return key.string();
}

void Interpreter::importInto(const ImportDecl &import, const std::string &from, Env &env) {
  fs::path target = fs::path(from).parent_path() / import.path;
  std::string canonical = moduleKey(target);
  if (std::find(Loading.begin(), Loading.end(), canonical) != Loading.end())
    fail(import.span, "import cycle: `" + import.path + "` is already being imported");
  std::error_code ec;
  if (!fs::exists(target, ec)) fail(import.span, "cannot import `" + import.path + "`: no such file (looked for " + target.string() + ")");
  std::shared_ptr<const ModuleData> data;
  try {
    data = loadModule(target.string());
  } catch (ZyError &e) {
    e.diagnostic.notes.push_back({import.span, "in the module imported here"});
    throw;
  }
  Value v;
  v.kind = ValueKind::Module;
  v.module = data;
  env.define(import.alias, v);
}

std::shared_ptr<Env> Interpreter::newSessionScope() {
  auto scope = std::make_shared<Env>(Prelude);
  scope->moduleScope = true;
  return scope;
}

void Interpreter::runReplInput(const ReplInput &input, const std::shared_ptr<Env> &scope,
                               const std::function<void(const Value &)> &onValue) {
  Stack.clear();
  // Functions of one input may call each other in any order, as in a file.
  for (const auto &entry : input.entries) {
    if (!entry.stmt || entry.stmt->kind != StmtKind::Fn) continue;
    bool isValue = false;
    exec(*entry.stmt, scope, isValue);
  }
  for (const auto &entry : input.entries) {
    if (entry.import) {
      importInto(*entry.import, "./<repl>", *scope);
      continue;
    }
    if (entry.stmt->kind == StmtKind::Fn) continue;
    bool isValue = false;
    Value v = exec(*entry.stmt, scope, isValue);
    if (isValue) onValue(v);
  }
}

void Interpreter::forgetModule(const std::string &path) {
  Modules.erase(moduleKey(fs::path(path)));
}

/// Syntax errors of a whole file: all of them, rendered once by the driver.
struct SyntaxErrors : ZyError {
  Diagnostics all;
  explicit SyntaxErrors(Diagnostics d) : ZyError(d.all().front(), false), all(std::move(d)) {}
};

std::shared_ptr<const ModuleData> Interpreter::loadModule(const std::string &path) {
  std::string canonical = moduleKey(fs::path(path));
  if (auto it = Modules.find(canonical); it != Modules.end()) return it->second;
  std::string error;
  auto unsaved = unsavedFiles.find(path);
  auto source = unsaved != unsavedFiles.end() ? std::make_unique<SourceFile>(path, unsaved->second)
                                              : SourceFile::load(path, error);
  if (!source) throw ZyError(Diagnostic{Severity::Error, {}, error, {}}, false);
  Diagnostics diags;
  std::unique_ptr<Module> module;
  {
    timing::Scope timed(timing::Phase::Parse);
    module = parseModule(*source, diags);
  }
  if (!module) {
    Sources.push_back(std::move(source)); // the diagnostic points into it
    throw ZyError(diags.all().front(), false);
  }
  Loading.push_back(canonical);
  const Module &ast = *module;
  Sources.push_back(std::move(source));
  Asts.push_back(std::move(module));
  auto data = std::make_shared<ModuleData>(ModuleData{fs::path(path).stem().string(), nullptr});
  data->globals = moduleEnv(ast, path);
  Loading.pop_back();
  Modules[canonical] = data;
  return data;
}

Value Interpreter::runMain(const ModuleData &module) {
  Value *main = module.globals->lookup("main");
  if (!main || main->kind != ValueKind::Function || main->closure->env != module.globals)
    throw ZyError(Diagnostic{Severity::Error, {}, "this program has no `fn main()` to run", {}}, false);
  for (const Param &p : *main->closure->params)
    if (!p.defaultValue)
      fail(p.span, "`fn main()` takes no arguments; read the command line with `args()`");
  CallArgs args; // no call site: the driver calls main
  return call(*main, args);
}

std::vector<TestResult> Interpreter::runTests(const std::string &path) {
  auto data = loadModule(path);
  const Module *ast = nullptr;
  for (auto &a : Asts)
    if (a->source && moduleKey(a->source->name()) == moduleKey(path)) ast = a.get();
  std::vector<TestResult> results;
  if (!ast) return results;
  for (const Item &item : ast->items) {
    if (item.kind != Item::Test) continue;
    TestResult r{item.test->name, item.test->span, false, "", {}};
    Stack.clear();
    try {
      auto env = std::make_shared<Env>(data->globals);
      evalBlock(*item.test->body, env);
      r.passed = true;
    } catch (const ZyError &e) {
      r.failure = render(e.diagnostic);
      r.diagnostic = e.diagnostic;
      r.skipped = checking && skippedByCheck(e);
    }
    results.push_back(std::move(r));
  }
  return results;
}

// ---------------------------------------------------------------- calls

Value Interpreter::call(const Value &callee, CallArgs &args) {
  switch (callee.kind) {
  case ValueKind::Function:
    // Host code calling a function with tensors: trace it once per signature, then run
    // the graph. Inside a trace or init(), calls are simply interpreted.
    if (atHost() && !params && tracer.options.enabled && trace::Tracer::wantsTrace(args))
      return tracer.call(*this, callee, args);
    return callClosure(*callee.closure, args);
  case ValueKind::Builtin: {
    if (!callee.builtin->cacheKey.empty() && atHost() && !params && tracer.options.enabled &&
        trace::Tracer::wantsTrace(args) && !(callee.builtin->runsOnHost && callee.builtin->runsOnHost(args)))
      return tracer.call(*this, callee, args);
    args.name = &callee.builtin->name;
    if (!checking) return callee.builtin->fn(*this, args);
    try {
      return callee.builtin->fn(*this, args);
    } catch (const TracedValueRead &) {
      // Under a check, a library function that reads its tensors' values (host code in a
      // run) met abstract ones: what it computes is only known when the program runs.
      failNeedsValue(args.span, "`" + callee.builtin->name + "` needs the values of its tensors");
    }
  }
  case ValueKind::BoundMethod: {
    CallArgs bound = args;
    bound.positional.insert(bound.positional.begin(), (*callee.items)[0]);
    bound.positionalSpans.insert(bound.positionalSpans.begin(), args.span);
    return call((*callee.items)[1], bound);
  }
  case ValueKind::Str:
    if (auto dtype = dtypeFromName(*callee.str)) return callDType(*this, *dtype, args);
    [[fallthrough]];
  default: fail(args.span, "a value of type " + typeName(callee) + " cannot be called");
  }
}

Value Interpreter::callClosure(const Closure &c, CallArgs &args) {
  pollInterrupt(args.span);
  if (Stack.size() >= MaxCallDepth)
    fail(args.span, "recursion deeper than " + std::to_string(MaxCallDepth) + " calls (in `" + c.name + "`)");
  const auto &params = *c.params;
  if (c.env && c.env->registry) maybeCollect(*c.env->registry);
  auto env = std::make_shared<Env>(c.env);
  env->functionScope = true;
  if (args.positional.size() > params.size())
    fail(args.span, "`" + c.name + "` takes " + std::to_string(params.size()) + " argument" +
                        (params.size() == 1 ? "" : "s") + " but was given " + std::to_string(args.positional.size()));
  // The frame is pushed before defaults are evaluated, so recursion through a default
  // argument meets the depth limit too; it is popped however the call ends.
  Stack.push_back({c.name, args.span});
  struct PopFrame {
    std::vector<Frame> &stack;
    size_t depth;
    ~PopFrame() { stack.resize(depth); }
  } pop{Stack, Stack.size() - 1};

  std::vector<bool> bound(params.size(), false);
  for (size_t i = 0; i < args.positional.size(); ++i) {
    env->define(params[i].name, args.positional[i]);
    bound[i] = true;
  }
  for (auto &[name, value] : args.keywords) {
    const std::string &key = name; // clang 14 cannot capture a structured binding
    auto it = std::find_if(params.begin(), params.end(), [&](const Param &p) { return p.name == key; });
    if (it == params.end()) {
      std::vector<std::string> names;
      for (const Param &p : params) names.push_back(p.name);
      failUnknownKeyword(args.span, c.name, name, names);
    }
    size_t index = it - params.begin();
    if (bound[index]) fail(args.span, "argument `" + name + "` of `" + c.name + "` is given twice");
    env->define(name, value);
    bound[index] = true;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (bound[i]) continue;
    if (!params[i].defaultValue)
      fail(args.span, "missing argument `" + params[i].name + "` in this call to `" + c.name + "`");
    env->define(params[i].name, eval(*params[i].defaultValue, env));
  }
  if (onBind)
    for (const Param &p : params) onBind(p.span, env->vars.at(p.name));
  // Annotations: shape variables (capitalised names) bind at first use in this call.
  ShapeVariables shapeVars;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].type) continue;
    // Point at the argument that does not fit, when it was passed by position.
    Span at = i < args.positionalSpans.size() && args.positionalSpans[i].valid() ? args.positionalSpans[i] : params[i].span;
    checkAnnotation(*this, *env->lookup(params[i].name), *params[i].type, at, &shapeVars);
  }
  Value result = c.body->kind == ExprKind::Block ? evalBlock(c.body->as<BlockExpr>(), env) : eval(*c.body, env);
  if (c.returnType) checkAnnotation(*this, result, *c.returnType, c.body->span, &shapeVars);
  env->finished = true;
  releaseIfOnlyCycles(env);
  return result;
}

Value Interpreter::evalCall(const CallExpr &c, const std::shared_ptr<Env> &env) {
  Value callee = eval(*c.callee, env);
  CallArgs args;
  args.span = c.span;
  for (const Arg &a : c.args) {
    Value v = eval(*a.value, env);
    if (a.name.empty()) {
      args.positional.push_back(std::move(v));
      args.positionalSpans.push_back(a.span);
    } else {
      args.keywords.emplace_back(a.name, std::move(v));
    }
  }
  return call(callee, args);
}

// ---------------------------------------------------------------- statements

void Interpreter::bindPattern(const Pattern &p, const Value &v, const std::shared_ptr<Env> &env, bool define) {
  if (p.kind == Pattern::Name) {
    if (p.name == "_") return;
    if (define) {
      if (onBind) onBind(p.span, v);
      env->define(p.name, v);
      return;
    }
    bool outside = false;
    Value *slot = env->lookupForRebinding(p.name, outside);
    if (!slot && outside)
      fail(p.span, "cannot rebind `" + p.name + "` here: it belongs to an enclosing function, and functions do not "
                   "change their callers' variables; return the new value instead");
    if (!slot) fail(p.span, "`" + p.name + "` is not declared; declare it first with `let " + p.name + " = ...`");
    *slot = v;
    return;
  }
  if (!v.isSequence())
    fail(p.span, "cannot destructure a value of type " + typeName(v) + " into " + std::to_string(p.elems.size()) + " names");
  if (v.items->size() != p.elems.size())
    fail(p.span, "cannot destructure " + std::to_string(v.items->size()) + " values into " +
                     std::to_string(p.elems.size()) + " names");
  for (size_t i = 0; i < p.elems.size(); ++i) bindPattern(*p.elems[i], (*v.items)[i], env, define);
}

static bool truthy(Interpreter &in, const Value &v, Span span, const char *what) {
  if (v.kind == ValueKind::Bool) return v.b;
  // Not a fallback to eager evaluation: the function would silently run on the host at
  // every call (and could not be compiled), so a data-dependent branch is an error here.
  // Under a check, host code (init's included) branches on an abstract tensor.
  if (v.kind == ValueKind::Tensor && v.tensor->isTraced() && in.trace && in.trace->checkHost)
    in.failNeedsValue(span, std::string(what) + " on a tensor: its value is only known when the program runs");
  if (v.kind == ValueKind::Tensor && v.tensor->isTraced() && v.fromHostFloats) {
    try {
      in.failNeedsValue(span, std::string(what) + " on a float argument inside a differentiated function: its value "
                                                  "is only known when the function runs; make it static by passing "
                                                  "it inside a record or a list (floats nested there are static)");
    } catch (ZyError &e) {
      e.needsFloatValues = true;
      throw;
    }
  }
  // An assert is a check on the host by nature: asserting on a tensor makes the function
  // host code (and is an error inside grad, which cannot run on the host).
  if (v.kind == ValueKind::Tensor && v.tensor->isTraced() && std::string(what) == "`assert`")
    in.failNeedsValue(span, "`assert` on a tensor inside a differentiated function: its value is only known when "
                            "the function runs; check it on the function's result instead");
  if (v.kind == ValueKind::Tensor && v.tensor->isTraced())
    in.fail(span, std::string(what) + " on a tensor inside a traced function: its value is only known when the "
                                      "compiled function runs; " +
                      "select elementwise with `where(c, a, b)`, or branch with `cond(pred, then_fn, else_fn, args...)`" +
                      (std::string(what) == "`while`" ? ", or loop with `scan`; to run the function as host code instead, "
                                                        "take the value: `while bool(c)`"
                                                      : "; to run the function as host code instead, take the value: "
                                                        "`if bool(c)`"));
  if (v.kind == ValueKind::Tensor && v.tensor->dtype() == DType::Bool && v.tensor->size() == 1) return v.tensor->get(0) != 0;
  in.fail(span, std::string(what) + " needs a bool, got " + typeName(v) +
                    (v.kind == ValueKind::Tensor ? "; use `where(c, a, b)` to select between tensors" : ""));
}

namespace {
/// Thrown by `break` (isBreak) and `continue`, caught by the innermost loop. The AST
/// builder accepts them only inside a loop of the same function, so one never crosses a
/// call; an exception unwinds the blocks and expressions between the statement and its
/// loop without every evaluation step testing a flag.
struct LoopExit {
  bool isBreak;
};
} // namespace

bool Interpreter::runLoopBody(const BlockExpr &body, const std::shared_ptr<Env> &env) {
  try {
    evalBlock(body, env, /*valueUnused=*/true);
  } catch (const LoopExit &exit) {
    if (exit.isBreak) return false;
  }
  return true;
}

std::vector<Value> Interpreter::iterationItems(const Value &iterable, Span span) {
  std::vector<Value> items;
  if (iterable.isSequence()) {
    items = *iterable.items;
  } else if (iterable.kind == ValueKind::Tensor) {
    if (iterable.tensor->rank() == 0) fail(span, "cannot iterate over a scalar tensor");
    for (int64_t i = 0; i < iterable.tensor->shape()[0]; ++i) {
      IndexSpec spec;
      spec.index = i;
      items.push_back(Value::fromTensor(index(*this, *iterable.tensor, {spec}, span)));
    }
  } else if (iterable.kind == ValueKind::Str) {
    for (char ch : *iterable.str) items.push_back(Value::string(std::string(1, ch)));
  } else {
    fail(span, "cannot iterate over a value of type " + typeName(iterable) +
                   "; expected a list, a tuple, a tensor or a string");
  }
  return items;
}

void Interpreter::execFor(const ForStmt &f, const std::shared_ptr<Env> &env) {
  if (f.iterable->kind == ExprKind::Range) {
    // `for i in lo..hi` counts without building the list of the range.
    const auto &r = f.iterable->as<RangeExpr>();
    Value lo = eval(*r.lo, env), hi = eval(*r.hi, env);
    if (lo.kind != ValueKind::Int || hi.kind != ValueKind::Int)
      fail(f.iterable->span, "a range needs ints, got " + typeName(lo) + ".." + typeName(hi));
    // A loop meant to run until something happens is a `while`: this long a count is a mistake.
    if (static_cast<__int128>(hi.i) - lo.i > 1'000'000'000)
      fail(f.iterable->span, "this loop would run more than 1,000,000,000 times");
    std::optional<CheckedLoop> checked;
    if (checkingHost()) checked.emplace(*f.body, env);
    for (int64_t i = lo.i; i < hi.i; ++i) {
      pollInterrupt(f.span);
      if (checked && !checked->runs(Value::integer(i))) break; // past the check's budget (Check.h)
      auto inner = std::make_shared<Env>(env);
      bindPattern(*f.pattern, Value::integer(i), inner, true);
      bool goOn = runLoopBody(*f.body, inner);
      inner->finished = true;
      if (checked) checked->ran();
      if (!goOn) break;
    }
    if (checked) checked->finish();
    return;
  }
  Value iterable = eval(*f.iterable, env);
  std::vector<Value> items = iterationItems(iterable, f.iterable->span);
  std::optional<ProgressBar> bar;
  std::optional<CheckedLoop> checked;
  if (checkingHost()) checked.emplace(*f.body, env);
  else if (iterable.progress) bar.emplace(static_cast<int64_t>(items.size()), iterable.progress);
  for (size_t i = 0; i < items.size(); ++i) {
    pollInterrupt(f.span);
    if (checked && !checked->runs(items[i])) continue;
    auto inner = std::make_shared<Env>(env);
    bindPattern(*f.pattern, items[i], inner, true);
    bool goOn = runLoopBody(*f.body, inner);
    inner->finished = true;
    if (checked) checked->ran();
    if (bar) bar->update(static_cast<int64_t>(i + 1));
    if (!goOn) break;
  }
  if (checked) checked->finish();
  if (bar) bar->finish();
}

void Interpreter::execWhile(const WhileStmt &w, const std::shared_ptr<Env> &env) {
  // The condition is a host bool: on a traced tensor truthy() fails (a data-dependent
  // loop cannot be unrolled into the compiled function), pointing at `scan` or `bool(c)`.
  std::optional<CheckedLoop> checked;
  if (checkingHost()) checked.emplace(*w.body, env);
  bool probing = false; // under a check: the condition was not known, so the body may never run
  while (true) {
    pollInterrupt(w.span);
    if (!checked) {
      if (!truthy(*this, eval(*w.cond, env), w.cond->span, "`while`")) break;
      if (!runLoopBody(*w.body, env)) break;
      continue;
    }
    bool known = true, holds = true;
    try {
      holds = truthy(*this, eval(*w.cond, env), w.cond->span, "`while`");
    } catch (const ZyError &e) {
      if (!skippedByCheck(e)) throw;
      known = false;
    }
    if (!known) {
      probing = true;
      checked->uncertain();
    }
    // A known condition is a host value: every pass runs (up to the budget).
    if ((known && !holds) || !checked->runs(known ? Value::boolean(true) : Value::none())) break;
    bool goOn = true;
    try {
      goOn = runLoopBody(*w.body, env);
    } catch (const ZyError &) {
      if (!probing) throw;
      goOn = false; // an error in a body that may never run is not the program's (Check.h)
    }
    checked->ran();
    if (!goOn) break;
  }
  if (checked) checked->finish();
}

void Interpreter::comprehend(const ListCompExpr &c, size_t clause, const std::shared_ptr<Env> &env,
                             std::vector<Value> &out) {
  if (clause == c.clauses.size()) {
    out.push_back(eval(*c.elem, env));
    return;
  }
  const ListCompExpr::Clause &k = c.clauses[clause];
  for (const Value &item : iterationItems(eval(*k.iterable, env), k.iterable->span)) {
    pollInterrupt(k.span);
    auto inner = std::make_shared<Env>(env);
    bindPattern(*k.pattern, item, inner, true);
    if (!k.cond || truthy(*this, eval(*k.cond, inner), k.cond->span, "a comprehension's `if`"))
      comprehend(c, clause + 1, inner, out);
    inner->finished = true;
  }
}

Value Interpreter::exec(const Stmt &s, const std::shared_ptr<Env> &env, bool &isValue) {
  isValue = false;
  try {
  switch (s.kind) {
  case StmtKind::Let: {
    const auto &let = s.as<LetStmt>();
    Value v = eval(*let.value, env);
    if (let.type) checkAnnotation(*this, v, *let.type, let.value->span, nullptr);
    bindPattern(*let.pattern, v, env, true);
    return {};
  }
  case StmtKind::Assign: {
    const auto &a = s.as<AssignStmt>();
    bindPattern(*a.target, eval(*a.value, env), env, false);
    return {};
  }
  case StmtKind::Declare: declare(s.as<DeclareStmt>(), env); return {};
  case StmtKind::For: execFor(s.as<ForStmt>(), env); return {};
  case StmtKind::While: execWhile(s.as<WhileStmt>(), env); return {};
  case StmtKind::Break: throw LoopExit{true};
  case StmtKind::Continue: throw LoopExit{false};
  case StmtKind::Assert: {
    const auto &a = s.as<AssertStmt>();
    Value c = eval(*a.cond, env);
    if (!truthy(*this, c, a.cond->span, "`assert`")) {
      // The standard library's asserts are reported at the user's call, where their
      // condition (stdlib internals) means nothing: their message says it all.
      std::string message = "assertion failed: " + printExpr(*a.cond);
      if (a.message && inStdlib(a.cond->span)) message = toDisplayString(eval(*a.message, env));
      else if (a.message) message += ": " + toDisplayString(eval(*a.message, env));
      fail(a.cond->span, message, true);
    }
    return {};
  }
  case StmtKind::Expr: isValue = true; return eval(*s.as<ExprStmt>().expr, env);
  case StmtKind::Fn: {
    const FnDecl &fn = s.as<FnStmt>().fn;
    Value v;
    v.kind = ValueKind::Function;
    v.closure = std::make_shared<Closure>(Closure{fn.name, &fn.params, fn.body.get(), env, fn.span, fn.returnType.get()});
    env->define(fn.name, v);
    return {};
  }
  }
  return {};
  } catch (const ValueTooDeep &e) {
    fail(s.span, e.what(), true);
  }
}

/// `xs.append(v)` as a statement of its own: Python's append changes `xs`, Zy's returns a
/// new list, so the statement would do nothing at all.
void Interpreter::checkDiscardedAppend(const Stmt &s) {
  const Expr &e = *s.as<ExprStmt>().expr;
  if (e.kind != ExprKind::Call) return;
  const Expr &callee = *e.as<CallExpr>().callee;
  if (callee.kind != ExprKind::Field || callee.as<FieldExpr>().name != "append") return;
  std::string base = callee.as<FieldExpr>().base->kind == ExprKind::Name ? callee.as<FieldExpr>().base->as<NameExpr>().name : "xs";
  fail(e.span, "`" + base + ".append(v)` returns a new list and leaves `" + base + "` as it was (values are immutable); "
               "write `" + base + " = " + base + ".append(v)`");
}

Value Interpreter::evalBlock(const BlockExpr &b, const std::shared_ptr<Env> &outer, bool valueUnused) {
  if (outer->registry) maybeCollect(*outer->registry);
  auto env = std::make_shared<Env>(outer);
  Value last;
  bool lastIsValue = false;
  try {
    for (const StmtPtr &s : b.stmts) {
      if (checkingHost()) {
        // A check skips a statement it cannot know the effect of (Check.h); the block's
        // value, when it is used, cannot be skipped: the statement around it is.
        try {
          last = exec(*s, env, lastIsValue);
        } catch (const ZyError &e) {
          bool isValue = s.get() == b.stmts.back().get() && s->kind == StmtKind::Expr && !valueUnused;
          if (isValue || !skippedByCheck(e)) throw;
          if (checkSkipped)
            checkSkipped->push_back(Diagnostic{Severity::Note, s->span, "skipped: " + e.diagnostic.message, {}});
          forgetAssigned(*s, env);
          // It may have left the loop: the rest of this pass and the later ones may not run.
          if (LoopExits exits = loopExitsOf(*s); exits.breaks || exits.continues) {
            if (CheckedLoop *loop = CheckedLoop::innermost()) loop->uncertain();
            throw LoopExit{true};
          }
          last = Value::none();
          lastIsValue = false;
          continue;
        }
      } else {
        last = exec(*s, env, lastIsValue);
      }
      if (lastIsValue && last.kind == ValueKind::List && s.get() != b.stmts.back().get()) checkDiscardedAppend(*s);
    }
  } catch (const LoopExit &) {
    // The loop goes on (or ends) after this block: its scope is done with, as at its end.
    env->finished = true;
    releaseIfOnlyCycles(env);
    throw;
  }
  env->finished = true;
  releaseIfOnlyCycles(env);
  return lastIsValue ? last : Value::none();
}

// ---------------------------------------------------------------- expressions

Value Interpreter::evalFString(const FStringExpr &e, const std::shared_ptr<Env> &env) {
  // A check evaluates every hole before formatting any (a loss it cannot format must not
  // hide the call in the next hole); a run formats each hole as it goes.
  std::vector<Value> holes;
  if (checkingHost())
    for (const auto &part : e.parts)
      if (part.expr) holes.push_back(eval(*part.expr, env));
  std::string out;
  size_t hole = 0;
  for (const auto &part : e.parts) {
    if (!part.expr) {
      out += part.text;
      continue;
    }
    Value v = hole < holes.size() ? holes[hole++] : eval(*part.expr, env);
    if (part.spec.empty()) {
      out += toDisplayString(v);
      continue;
    }
    std::string problem;
    auto spec = parseFormatSpec(part.spec, problem);
    if (!spec) fail(part.expr->span, "bad format spec: " + problem);
    out += formatValue(*this, v, *spec, part.expr->span);
  }
  return Value::string(out);
}

Value Interpreter::eval(const Expr &e, const std::shared_ptr<Env> &env) {
  switch (e.kind) {
  case ExprKind::Int: return Value::integer(e.as<IntExpr>().value);
  case ExprKind::Float: return Value::real(e.as<FloatExpr>().value);
  case ExprKind::String: return Value::string(e.as<StringExpr>().value);
  case ExprKind::FString: return evalFString(e.as<FStringExpr>(), env);
  case ExprKind::Bool: return Value::boolean(e.as<BoolExpr>().value);
  case ExprKind::None: return Value::none();
  case ExprKind::Name: {
    const std::string &name = e.as<NameExpr>().name;
    if (Value *v = env->lookup(name)) {
      if (v->kind == ValueKind::Unknown) // a check cannot know it (Check.h): what reads it is skipped
        failNeedsValue(e.span, "`" + name + "` is only known when the program runs");
      return *v;
    }
    fail(e.span, "undefined name `" + name + "`" + suggestName(*env, name));
  }
  case ExprKind::Unary: {
    const auto &u = e.as<UnaryExpr>();
    return unaryValue(*this, u.op, eval(*u.operand, env), e.span);
  }
  case ExprKind::Binary: {
    const auto &b = e.as<BinaryExpr>();
    if (b.op == BinaryOp::And || b.op == BinaryOp::Or) {
      Value l = eval(*b.lhs, env);
      // A host bool short-circuits; so does a one-element bool tensor standing for one
      // (its value is needed, so a traced function falls back to eager here).
      auto scalarBool = [&](const Value &v) {
        return v.kind == ValueKind::Bool ||
               (v.kind == ValueKind::Tensor && v.tensor->dtype() == DType::Bool && v.tensor->size() == 1);
      };
      if (scalarBool(l)) {
        std::string what = std::string("`") + spelling(b.op) + "`";
        bool lv = truthy(*this, l, b.lhs->span, what.c_str());
        if (b.op == BinaryOp::And && !lv) return Value::boolean(false);
        if (b.op == BinaryOp::Or && lv) return Value::boolean(true);
        Value r = eval(*b.rhs, env);
        if (!scalarBool(r))
          fail(b.rhs->span, std::string("`") + spelling(b.op) + "` needs bools, got " + typeName(r));
        return Value::boolean(truthy(*this, r, b.rhs->span, what.c_str()));
      }
      return binaryValue(*this, b.op, l, eval(*b.rhs, env), b.opSpan);
    }
    Value lhs = eval(*b.lhs, env); // left to right: C++ leaves argument order open
    Value rhs = eval(*b.rhs, env);
    return binaryValue(*this, b.op, lhs, rhs, b.opSpan);
  }
  case ExprKind::Range: {
    const auto &r = e.as<RangeExpr>();
    Value lo = eval(*r.lo, env), hi = eval(*r.hi, env);
    if (lo.kind != ValueKind::Int || hi.kind != ValueKind::Int)
      fail(e.span, "a range needs ints, got " + typeName(lo) + ".." + typeName(hi));
    if (static_cast<__int128>(hi.i) - lo.i > 10'000'000)
      fail(e.span, "this range has more than 10,000,000 elements to make into a list (a `for` over a range needs no list)");
    std::vector<Value> items;
    for (int64_t i = lo.i; i < hi.i; ++i) items.push_back(Value::integer(i));
    return Value::list(std::move(items));
  }
  case ExprKind::Call: return evalCall(e.as<CallExpr>(), env);
  case ExprKind::Index: return evalIndex(e.as<IndexExpr>(), env);
  case ExprKind::Field: {
    const auto &f = e.as<FieldExpr>();
    return fieldOf(*this, eval(*f.base, env), f.name, f.nameSpan);
  }
  case ExprKind::Tuple:
  case ExprKind::List: {
    const auto &elems = e.kind == ExprKind::Tuple ? e.as<TupleExpr>().elems : e.as<ListExpr>().elems;
    std::vector<Value> items;
    for (const auto &x : elems) items.push_back(eval(*x, env));
    return e.kind == ExprKind::Tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
  }
  case ExprKind::ListComp: {
    std::vector<Value> items;
    comprehend(e.as<ListCompExpr>(), 0, env, items);
    return Value::list(std::move(items));
  }
  case ExprKind::Record: {
    std::vector<std::pair<std::string, Value>> fields;
    for (const auto &f : e.as<RecordExpr>().fields) fields.emplace_back(f.name, eval(*f.value, env));
    return Value::makeRecord(std::move(fields));
  }
  case ExprKind::Block: return evalBlock(e.as<BlockExpr>(), env);
  case ExprKind::If: {
    const auto &i = e.as<IfExpr>();
    for (const auto &branch : i.branches)
      if (truthy(*this, eval(*branch.cond, env), branch.cond->span, "`if`")) return evalBlock(*branch.body, env);
    return i.elseBody ? evalBlock(*i.elseBody, env) : Value::none();
  }
  case ExprKind::Lambda: {
    const auto &l = e.as<LambdaExpr>();
    Value v;
    v.kind = ValueKind::Function;
    v.closure = std::make_shared<Closure>(Closure{"<lambda>", &l.params, l.body.get(), env, e.span});
    return v;
  }
  }
  return {};
}

Value Interpreter::evalIndex(const IndexExpr &e, const std::shared_ptr<Env> &env) {
  Value base = eval(*e.base, env);
  if (base.kind == ValueKind::Tensor || base.kind == ValueKind::At) {
    std::vector<IndexSpec> items;
    for (const IndexItem &item : e.items) {
      IndexSpec spec;
      spec.span = item.span;
      auto intOf = [&](const ExprPtr &x) -> std::optional<int64_t> {
        if (!x) return std::nullopt;
        Value v = eval(*x, env);
        if (v.kind != ValueKind::Int) fail(x->span, "a slice bound must be an int, got " + typeName(v));
        return v.i;
      };
      if (item.kind == IndexItem::Ellipsis) spec.kind = IndexSpec::Ellipsis;
      else if (item.kind == IndexItem::Slice) {
        spec.kind = IndexSpec::Slice;
        spec.lo = intOf(item.lo);
        spec.hi = intOf(item.hi);
        if (auto step = intOf(item.step)) spec.step = *step;
      } else {
        Value v = eval(*item.value, env);
        if (v.kind == ValueKind::Int) spec.index = v.i;
        else if (v.kind == ValueKind::None) spec.kind = IndexSpec::NewAxis;
        else if (v.kind == ValueKind::Tensor && (v.tensor->dtype() == DType::I32 || v.tensor->dtype() == DType::Bool)) {
          spec.kind = v.tensor->dtype() == DType::I32 ? IndexSpec::Gather : IndexSpec::Mask;
          spec.indices = *v.tensor;
        } else
          fail(item.span, "a tensor index must be an int, a slice, `...`, `none`, an i32 tensor or a bool mask, got " +
                              typeName(v));
      }
      items.push_back(std::move(spec));
    }
    if (base.kind == ValueKind::At) return atIndexed(*this, base, items, e.span);
    return Value::fromTensor(index(*this, *base.tensor, items, e.span));
  }
  if (e.items.size() != 1) fail(e.span, "a value of type " + typeName(base) + " takes one index");
  const IndexItem &item = e.items[0];
  if (item.kind == IndexItem::Slice && (base.isSequence() || base.kind == ValueKind::Str)) {
    auto bound = [&](const ExprPtr &x, int64_t fallback) {
      if (!x) return fallback;
      Value v = eval(*x, env);
      if (v.kind != ValueKind::Int) fail(x->span, "a slice bound must be an int, got " + typeName(v));
      return v.i;
    };
    auto optional = [&](const ExprPtr &x) -> std::optional<int64_t> {
      if (!x) return std::nullopt;
      return bound(x, 0);
    };
    int64_t n = static_cast<int64_t>(base.kind == ValueKind::Str ? base.str->size() : base.items->size());
    int64_t step = bound(item.step, 1);
    if (step == 0) fail(item.span, "a slice step cannot be 0");
    // Python's rules, negative steps included (the same as tensors': sliceRange).
    SliceRange r = sliceRange(n, optional(item.lo), optional(item.hi), step);
    if (base.kind == ValueKind::Str) { // by bytes, as the string's indexing is
      std::string out;
      for (int64_t k = 0; k < r.count; ++k) out += (*base.str)[r.first + k * r.step];
      return Value::string(std::move(out));
    }
    std::vector<Value> out;
    for (int64_t k = 0; k < r.count; ++k) out.push_back((*base.items)[r.first + k * r.step]); // |k step| < n
    return base.kind == ValueKind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
  }
  if (item.kind != IndexItem::Single) fail(item.span, "a value of type " + typeName(base) + " cannot be sliced");
  return indexValue(*this, base, eval(*item.value, env), item.span);
}

void Interpreter::declare(const DeclareStmt &d, const std::shared_ptr<Env> &env) {
  const Expr &path = *d.path;
  Value parent, key;
  if (path.kind == ExprKind::Field) {
    parent = eval(*path.as<FieldExpr>().base, env);
    key = Value::string(path.as<FieldExpr>().name);
  } else if (path.kind == ExprKind::Index) {
    parent = eval(*path.as<IndexExpr>().base, env);
    key = eval(*path.as<IndexExpr>().items[0].value, env);
  } else {
    fail(path.span, "declare a parameter below a params argument, such as `p.w`, not the whole of `" +
                        printExpr(path) + "`");
  }
  declareParam(*this, parent, key, eval(*d.init, env), d);
}

} // namespace zy::interp

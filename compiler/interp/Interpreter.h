// Interpreter.h: runs Zy host code: modules, functions, loops, printing, tests.
//
// A tree-walking interpreter over the AST. Tensor operations go through TensorOps.h,
// which checks shapes (with the user's call chain in the error) and runs the reference
// kernels. Errors are thrown as ZyError, carrying a finished Diagnostic, and caught once
// by the driver: status 1 for errors found while checking (names, types, shapes), 2 for
// errors while running (a failed assert, a missing file).
#pragma once

#include "interp/Value.h"
#include "support/Diagnostics.h"
#include "trace/Tracer.h"

#include <atomic>
#include <exception>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

namespace zy::interp {

/// Thrown when a check runs out of the time it was given (Interpreter::checkDeadline);
/// not an error of the program, so nothing catches it but the check itself.
struct CheckOutOfTime {};

struct ZyError : std::exception {
  Diagnostic diagnostic;
  bool runtime = false;
  /// Raised because a traced function needed a tensor's value (an `if` on it, int(x),
  /// formatting): the tracer then runs the function eagerly instead (Tracer.cpp).
  bool needsValue = false;
  /// The value needed was computed from float arguments only (`if rate == 0.0`): the
  /// tracer then traces the function once per value of its floats instead.
  bool needsFloatValues = false;
  ZyError(Diagnostic d, bool rt) : diagnostic(std::move(d)), runtime(rt) {}
  const char *what() const noexcept override { return diagnostic.message.c_str(); }
};

/// Set by a SIGINT handler (zy repl's Ctrl-C) to stop the code that is running: the
/// interpreter polls it at each loop iteration and function call, and fails there with
/// the runtime error "interrupted". Setting a lock-free atomic is async-signal-safe. A
/// graph running in the JIT or a kernel is not interrupted; the next poll after it is.
extern std::atomic<bool> interruptRequested;

/// Deeper user recursion than this is an error, not a stack overflow.
constexpr size_t MaxCallDepth = 1000;

struct TestResult {
  std::string name;
  Span span;
  bool passed = false;
  std::string failure; // rendered diagnostic
  Diagnostic diagnostic; // the failure itself
  bool skipped = false;  // under a check: it failed on what the check cannot know (Check.h)
};

class Interpreter {
public:
  Interpreter();
  ~Interpreter();

  /// Loads a file and everything it imports; throws ZyError on syntax errors too.
  std::shared_ptr<const ModuleData> loadModule(const std::string &path);
  /// Runs `fn main()` of a loaded module.
  Value runMain(const ModuleData &module);
  /// Runs each `test` block of a module, catching failures.
  std::vector<TestResult> runTests(const std::string &path);

  /// An interactive session (tools/zy/Repl.cpp): a top-level scope under the prelude,
  /// whose functions are traced like a module's; each input runs in it, and `onValue`
  /// receives the value of each expression statement. Imports resolve from the current
  /// directory.
  std::shared_ptr<Env> newSessionScope();
  void runReplInput(const ast::ReplInput &input, const std::shared_ptr<Env> &scope,
                    const std::function<void(const Value &)> &onValue);
  /// Forgets a loaded module, so the next loadModule reads the file again (`:load`).
  void forgetModule(const std::string &path);

  void setArgs(std::vector<std::string> args) { ProgramArgs = std::move(args); }
  /// A check of a program whose arguments are not given (`zy lsp`, `zy check` without
  /// `--`): `args()` is only known when it runs.
  bool argsUnknown = false;
  const std::vector<std::string> &programArgs() const { return ProgramArgs; }

  /// Calls any callable value (closure, builtin) with arguments. A call from host code
  /// into a function with tensor arguments is traced (trace/Tracer.h).
  Value call(const Value &callee, CallArgs &args);
  /// Interprets a closure's body directly (the tracer's way in).
  Value callUntraced(const Closure &c, CallArgs &args) { return callClosure(c, args); }

  /// Tracing: the options, and the graph being built while a function is traced.
  trace::Tracer tracer;
  trace::TraceContext *trace = nullptr;
  /// Host code: no function is being traced (the host level of a check counts as host).
  bool atHost() const { return !trace || trace->checkHost; }

  /// This interpreter checks a program instead of running it (interp/Check.h): host code
  /// runs on abstract tensors, prints nothing and writes no file.
  bool checking = false;
  /// When set, a check records here each statement it skipped, with the reason
  /// (`zy check --verbose`).
  std::vector<Diagnostic> *checkSkipped = nullptr;
  /// The files (absolute paths) the program under a check would have written by now.
  std::set<std::string> checkWrote;
  /// When not 0, the time (timing::nowMillis) at which a check gives up: the loops and
  /// calls that poll for interrupts throw CheckOutOfTime after it (interp/Check.h).
  double checkDeadline = 0;
  void pollCheckDeadline();

  /// When set (zy lsp's check), called with each name a function parameter, `let`, `for`
  /// or comprehension binds, at the name's place, and its value: hover shows the types a
  /// variable took.
  std::function<void(Span, const Value &)> onBind;

  /// The text of files open in an editor, by path: loadModule reads it instead of the
  /// file (`zy lsp` checks what is being typed).
  std::map<std::string, std::string> unsavedFiles;
  /// At the host level of a check: a statement that needs a value the check cannot know
  /// is skipped, and loops run a few passes (interp/Check.h). Not inside init(): what
  /// its function declares is an effect of every statement and every pass.
  bool checkingHost() const { return trace && trace->checkHost && !params; }

  /// Throws a located error with the current call chain attached as notes.
  [[noreturn]] void fail(Span span, const std::string &message, bool runtime = false);
  /// The same, with a call chain recorded earlier (a traced node's, for --check-nans).
  [[noreturn]] void failWithChain(Span span, const ir::CallChain &chain, const std::string &message, bool runtime);
  /// The current call chain, outermost first (recorded on traced nodes under --check-nans).
  std::shared_ptr<const ir::CallChain> callChain() const { return std::make_shared<const ir::CallChain>(Stack); }
  /// The error for a keyword argument `name` that `function` does not have: it names the
  /// parameters it does have (and the nearest one, for a typo).
  [[noreturn]] void failUnknownKeyword(Span span, const std::string &function, const std::string &name,
                                       const std::vector<std::string> &parameters);
  /// Fails with "interrupted" at `span` if interruptRequested is set (and clears it).
  void pollInterrupt(Span span) {
    if (interruptRequested.load(std::memory_order_relaxed)) [[unlikely]]
      interrupted(span);
    if (checkDeadline != 0) [[unlikely]]
      pollCheckDeadline();
  }
  [[noreturn]] void interrupted(Span span);
  /// The error for needing the value of a traced tensor (see ZyError::needsValue).
  [[noreturn]] void failNeedsValue(Span span, const std::string &message);

  /// When set (to the REPL command, ":type"), writing a file is a located error naming it
  /// instead (io.h's writeAtomically, which every save and io.write_* goes through).
  const char *refuseWritesFor = nullptr;

  /// Where output of print goes (tests capture it).
  std::string *capture = nullptr;
  /// While a function is traced, its output is held here, shown once the trace succeeds.
  std::string *traceOutput = nullptr;
  /// Output of print. In a job of several processes only rank 0's reaches standard
  /// output, unless `everyRank` (dist.print) asks for every process's.
  void write(const std::string &text, bool everyRank = false);

  // The parameter context of init(): see Params.cpp.
  struct ParamContext;
  ParamContext *params = nullptr;

  Value eval(const ast::Expr &e, const std::shared_ptr<Env> &env);
  /// A name of the prelude (builtins and prelude.zy), for tensor methods like `x.sum()`.
  Value *preludeLookup(const std::string &name) { return Prelude->lookup(name); }

private:
  friend struct Evaluator;
  using Frame = ir::CallSite;

  /// `valueUnused`: the block's value is thrown away (a loop's body), so under a check
  /// even its last statement may be skipped.
  Value evalBlock(const ast::BlockExpr &b, const std::shared_ptr<Env> &env, bool valueUnused = false);
  void checkDiscardedAppend(const ast::Stmt &s);
  Value exec(const ast::Stmt &s, const std::shared_ptr<Env> &env, bool &isValue);
  void execFor(const ast::ForStmt &f, const std::shared_ptr<Env> &env);
  void execWhile(const ast::WhileStmt &w, const std::shared_ptr<Env> &env);
  /// One pass of a loop's body in `env`: false when the body ran `break`.
  bool runLoopBody(const ast::BlockExpr &body, const std::shared_ptr<Env> &env);
  /// The values a `for` (or a comprehension's clause) binds in turn: a list's or tuple's
  /// items, a tensor's rows, a string's characters.
  std::vector<Value> iterationItems(const Value &iterable, Span span);
  /// Appends to `out` the elements of `c` from clause `clause` on, in `env`.
  void comprehend(const ast::ListCompExpr &c, size_t clause, const std::shared_ptr<Env> &env,
                  std::vector<Value> &out);
  Value callClosure(const Closure &c, CallArgs &args);
  void bindPattern(const ast::Pattern &p, const Value &v, const std::shared_ptr<Env> &env, bool define);
  Value evalCall(const ast::CallExpr &c, const std::shared_ptr<Env> &env);
  Value evalIndex(const ast::IndexExpr &e, const std::shared_ptr<Env> &env);
  Value evalFString(const ast::FStringExpr &e, const std::shared_ptr<Env> &env);
  void declare(const ast::DeclareStmt &d, const std::shared_ptr<Env> &env);
  std::shared_ptr<Env> moduleEnv(const ast::Module &m, const std::string &path);
  /// Binds an `import "file" as name`, the file relative to the importing file `from`.
  void importInto(const ast::ImportDecl &import, const std::string &from, Env &env);

  std::vector<Frame> Stack;
  std::vector<std::string> ProgramArgs;
  std::map<std::string, std::shared_ptr<ModuleData>> Modules; // by canonical path
  std::vector<std::string> Loading;                            // import cycle detection
  std::vector<std::unique_ptr<SourceFile>> Sources;
  std::vector<std::unique_ptr<ast::Module>> Asts;
  std::shared_ptr<Env> Prelude;
};

/// True for a span in the standard library's own sources (errors there are reported at
/// the user's call into it).
bool inStdlib(Span span);

/// Adds the C++ builtins (prelude functions and the random/tree namespaces) to `env`.
void installBuiltins(Env &env);
/// A dtype name called as a function: `bool(x)` is Python's truthiness (or a one-element
/// tensor's value), `f32(x)`, `f64(x)`, `i32(x)` make a tensor of that dtype.
Value callDType(Interpreter &in, DType dtype, CallArgs &args);

} // namespace zy::interp

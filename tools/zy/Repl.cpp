// Repl.cpp: `zy repl`: one interpreter kept alive across inputs.
//
// Each input (one line, or several while a bracket is open) is parsed as statements and
// imports (parseReplInput) and run in the session's top-level scope, so `let` bindings
// and `fn` definitions persist; each expression statement prints its value (a tensor
// shows its dtype and shape). An error prints its diagnostic and the session goes on.
// Lines starting with `:` are commands (`:help` lists them). At a terminal, Ctrl-C cancels
// the line being typed, or interrupts the input that is running (at its next loop
// iteration or function call) and returns to the prompt with the session intact.
#include "tools/zy/Repl.h"

#include "interp/Interpreter.h"
#include "interp/Operators.h"
#include "jit/Jit.h"
#include "support/Timing.h"
#include "syntax/Parser.h"
#include "tools/zy/LineEditor.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace zy {

using interp::Value;
using interp::ValueKind;

bool leavesBracketOpen(const std::string &text) {
  std::string open; // the closers the open brackets expect, innermost last
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '(' || c == '[' || c == '{') {
      open += c == '(' ? ')' : c == '[' ? ']' : '}';
    } else if (c == ')' || c == ']' || c == '}') {
      // A closer that does not match (`f(}`, a stray `)`) can never be balanced by more
      // lines: the input ends here and the parser reports it, instead of swallowing the
      // lines typed after it.
      if (open.empty() || open.back() != c) return false;
      open.pop_back();
    }
  }
  return !open.empty();
}

namespace {

const char *HelpText =
    "Enter statements as in a function body: `let x = ...`, `fn f(x) = ...`, `import \"m.zy\" as m`,\n"
    "or an expression, whose value is printed. A line with an open bracket continues on the next.\n"
    "\n"
    "commands:\n"
    "  :type EXPR    the type of EXPR, with dtypes and shapes: tensor operations are traced,\n"
    "                not computed; host code the type needs still runs, but writes no file,\n"
    "                prints nothing and rebinds no name\n"
    "  :ir EXPR      evaluate EXPR and print the graph of each function call it traces\n"
    "                (and each gradient graph, after simplification)\n"
    "  :llvm EXPR    evaluate EXPR and print the LLVM IR of each graph it compiles\n"
    "  :time EXPR    evaluate EXPR and print how long it took, by phase\n"
    "  :load FILE    run FILE and bring its top-level names into the session (again: reload)\n"
    "  :help         this help\n"
    "  :quit         end the session (so does end of input, Ctrl-D)\n";

const char *Keywords[] = {"let", "fn", "for", "while", "break", "continue", "in", "if", "else", "import", "as", "assert",
                          "true", "false", "none", "and", "or", "not"};
const char *Commands[] = {":type", ":ir", ":llvm", ":time", ":load", ":help", ":quit"};

class Session {
public:
  explicit Session(const ReplOptions &options) : Options(options) {
    Interp.tracer.options.enabled = !options.eager;
    if (options.eager) jit::options().enabled = false;
    Scope = Interp.newSessionScope();
  }
  ~Session() {
    // Break the cycles between the session's functions and the scope they close over.
    Scope->vars.clear();
  }

  /// Runs one input; false once the session should end.
  bool handle(const std::string &text);
  int lastFailure() const { return LastFailure; }
  std::vector<std::string> complete(const std::string &word, const std::string &line);

private:
  /// Parses `text` as an input named for the session; null after printing its errors.
  const ast::ReplInput *parse(const std::string &text);
  /// Parses `text` as one expression; null after printing why it is not one.
  const ast::Expr *parseExpression(const std::string &text, const char *command);
  /// Runs `body`, printing a ZyError's diagnostic instead of letting it escape.
  void guarded(const std::function<void()> &body);
  void printValue(const Value &v);
  void runCode(const std::string &text);
  void showType(const std::string &text);
  void showIr(const std::string &text, bool llvm);
  void timeExpression(const std::string &text);
  void load(const std::string &path);
  void error(const std::string &message);

  ReplOptions Options;
  // The sources and trees of every input: functions defined in them point into them.
  // Declared before the interpreter, so they outlive it.
  std::vector<std::unique_ptr<SourceFile>> Sources;
  std::vector<std::unique_ptr<ast::ReplInput>> Inputs;
  interp::Interpreter Interp;
  std::shared_ptr<interp::Env> Scope;
  int LastFailure = 0;
  int Count = 0;
};

void Session::error(const std::string &message) {
  std::cerr << "error: " << message << "\n";
  LastFailure = 1;
}

void Session::guarded(const std::function<void()> &body) {
  try {
    body();
  } catch (const interp::ZyError &e) {
    std::cerr << render(e.diagnostic, Options.color);
    LastFailure = e.runtime ? 2 : 1;
  } catch (const std::bad_alloc &) {
    std::cerr << "zy: error: out of memory\n";
    LastFailure = 2;
  } catch (const std::exception &e) {
    // A bug in zy, not the user's mistake; the session's bindings are still there.
    std::cerr << "zy: internal compiler error: " << e.what() << "\nplease report this with the input that caused it\n";
    LastFailure = 2;
  }
}

const ast::ReplInput *Session::parse(const std::string &text) {
  Sources.push_back(std::make_unique<SourceFile>("<input " + std::to_string(++Count) + ">", text));
  Diagnostics diags;
  auto input = parseReplInput(*Sources.back(), diags);
  if (!input) {
    std::cerr << renderAll(diags, Options.color);
    LastFailure = 1;
    return nullptr;
  }
  Inputs.push_back(std::move(input));
  return Inputs.back().get();
}

const ast::Expr *Session::parseExpression(const std::string &text, const char *command) {
  if (text.find_first_not_of(" \t\n") == std::string::npos) {
    error(std::string("`") + command + "` needs an expression, as in `" + command + " f(x)`");
    return nullptr;
  }
  const ast::ReplInput *input = parse(text);
  if (!input) return nullptr;
  if (input->entries.size() != 1 || !input->entries[0].stmt || input->entries[0].stmt->kind != ast::StmtKind::Expr) {
    error(std::string("`") + command + "` takes one expression, not a statement");
    return nullptr;
  }
  return input->entries[0].stmt->as<ast::ExprStmt>().expr.get();
}

void Session::printValue(const Value &v) {
  if (v.kind == ValueKind::None) return;
  if (v.kind == ValueKind::Str) std::cout << '"' << *v.str << "\"\n";
  else std::cout << interp::toDisplayString(v) << "\n";
  std::cout.flush();
}

void Session::runCode(const std::string &text) {
  const ast::ReplInput *input = parse(text);
  if (!input) return;
  guarded([&] { Interp.runReplInput(*input, Scope, [&](const Value &v) { printValue(v); }); });
  // A traced function reads the session's names when it is traced; after an input that
  // may have rebound them, trace again rather than run a stale graph.
  bool binds = std::any_of(input->entries.begin(), input->entries.end(),
                           [](const auto &e) { return e.import || e.stmt->kind != ast::StmtKind::Expr; });
  if (binds) Interp.tracer.clear();
}

void Session::showType(const std::string &text) {
  const ast::Expr *expr = parseExpression(text, ":type");
  if (!expr) return;
  // What :type keeps from happening, however the evaluation ends: writing files (an
  // error at the call that would), printing (discarded) and rebinding the session's
  // names (the expression runs in a scope that rebinding does not reach past, as a
  // function's body). It still runs the host code the type depends on, loops and reads
  // of files included.
  std::string discarded;
  struct Guard {
    interp::Interpreter &in;
    trace::TraceContext *trace;
    std::string *output;
    ~Guard() {
      in.trace = trace;
      in.traceOutput = output;
      in.refuseWritesFor = nullptr;
    }
  } guard{Interp, Interp.trace, Interp.traceOutput};
  Interp.refuseWritesFor = ":type";
  Interp.traceOutput = &discarded;
  auto scope = std::make_shared<interp::Env>(Scope);
  scope->functionScope = true;
  guarded([&] {
    // Evaluated as if traced: tensor operations build graph nodes (checking shapes)
    // instead of computing, so what comes out has types but no values.
    trace::TraceContext context;
    Value v;
    Interp.trace = &context;
    try {
      v = Interp.eval(*expr, scope);
    } catch (const interp::ZyError &e) {
      Interp.trace = guard.trace;
      if (!e.needsValue) throw;
      // It needs tensor values (an `if` on one): host code, so run it for the type.
      v = Interp.eval(*expr, scope);
    }
    Interp.trace = guard.trace;
    std::cout << interp::describeType(v) << "\n";
  });
}

void Session::showIr(const std::string &text, bool llvm) {
  const char *command = llvm ? ":llvm" : ":ir";
  const ast::Expr *expr = parseExpression(text, command);
  if (!expr) return;
  // Trace and compile afresh, so the code shown is this call's even if it ran before.
  Interp.tracer.clear();
  size_t tracesBefore = Interp.tracer.traceCount();
  trace::TraceOptions savedTrace = Interp.tracer.options;
  jit::Options savedJit = jit::options();
  if (llvm) {
    jit::forgetCompiled();
    jit::options().emitLlvm = true;
  } else {
    Interp.tracer.options.emitIr = true;
    Interp.tracer.options.emitGradIr = true;
  }
  std::string shown;
  Interp.capture = &shown; // what the call prints, the graphs among it
  guarded([&] {
    Value v = Interp.eval(*expr, Scope);
    Interp.capture = nullptr;
    std::cout << shown;
    shown.clear();
    if (Interp.tracer.traceCount() == tracesBefore && !Interp.tracer.options.enabled)
      std::cout << "(nothing is traced with --eager)\n";
    else if (Interp.tracer.traceCount() == tracesBefore)
      std::cout << "(no function was traced: " << command
                << " shows the graphs of calls from here to functions with tensor arguments)\n";
    printValue(v);
  });
  Interp.capture = nullptr;
  std::cout << shown;
  Interp.tracer.options = savedTrace;
  jit::options() = savedJit;
  Interp.tracer.clear();
}

void Session::timeExpression(const std::string &text) {
  const ast::Expr *expr = parseExpression(text, ":time");
  if (!expr) return;
  guarded([&] {
    timing::Totals before = timing::totals();
    double start = timing::nowMillis();
    Value v = Interp.eval(*expr, Scope);
    double total = timing::nowMillis() - start;
    printValue(v);
    std::cout << timing::report(before, total);
  });
}

void Session::load(const std::string &path) {
  if (path.empty()) return error("`:load` needs a file, as in `:load model.zy`");
  // Parsed here first, so every syntax error is shown, not only the first.
  std::string problem;
  auto source = SourceFile::load(path, problem);
  if (!source) return error(problem);
  Diagnostics diags;
  if (!parseModule(*source, diags)) {
    std::cerr << renderAll(diags, Options.color);
    LastFailure = 1;
    return;
  }
  guarded([&] {
    Interp.forgetModule(path); // loading again reads the file again
    auto module = Interp.loadModule(path);
    std::vector<std::string> names;
    for (const auto &[name, value] : module->globals->vars) {
      Scope->define(name, value);
      names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    std::string list;
    for (const std::string &n : names) list += (list.empty() ? "" : ", ") + n;
    std::cout << "loaded " << path << ": " << (names.empty() ? "no names" : list) << "\n";
    Interp.tracer.clear();
  });
}

bool Session::handle(const std::string &text) {
  size_t first = text.find_first_not_of(" \t\n");
  if (first == std::string::npos) return true;
  if (text[first] != ':') {
    runCode(text);
    return true;
  }
  size_t nameEnd = text.find_first_of(" \t\n", first);
  std::string command = text.substr(first, nameEnd == std::string::npos ? std::string::npos : nameEnd - first);
  std::string rest = nameEnd == std::string::npos ? "" : text.substr(nameEnd + 1);
  auto trimmed = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t\n"));
    s.erase(s.find_last_not_of(" \t\n") + 1);
    return s;
  };
  if (command == ":quit" || command == ":q") return false;
  if (command == ":help" || command == ":h") std::cout << HelpText;
  else if (command == ":type" || command == ":t") showType(rest);
  else if (command == ":ir") showIr(rest, false);
  else if (command == ":llvm") showIr(rest, true);
  else if (command == ":time") timeExpression(rest);
  else if (command == ":load" || command == ":l") load(trimmed(rest));
  else error("unknown command `" + command + "`; `:help` lists the commands");
  std::cout.flush();
  return true;
}

std::vector<std::string> Session::complete(const std::string &word, const std::string &line) {
  std::vector<std::string> out;
  auto offer = [&](const std::string &candidate) {
    if (candidate.rfind(word, 0) == 0 && std::find(out.begin(), out.end(), candidate) == out.end())
      out.push_back(candidate);
  };
  size_t start = line.find_first_not_of(" \t");
  if (start != std::string::npos && line[start] == ':' && line.find(' ', start) == std::string::npos) {
    for (const char *c : Commands) offer(c);
    return out;
  }
  size_t dot = word.rfind('.');
  if (dot == std::string::npos) {
    for (const interp::Env *e = Scope.get(); e; e = e->parent.get())
      for (const auto &[name, value] : e->vars) offer(name);
    for (const char *k : Keywords) offer(k);
  } else {
    // The value named before the last dot, found by looking names and fields up (never by
    // running anything): a record's fields, a module's names, a tensor's attributes.
    std::string base = word.substr(0, dot), path = base;
    const Value *v = nullptr;
    for (size_t from = 0;;) {
      size_t next = path.find('.', from);
      std::string part = path.substr(from, next == std::string::npos ? std::string::npos : next - from);
      if (!v) v = Scope->lookup(part);
      else if (v->kind == ValueKind::Record) v = v->record->find(part);
      else if (v->kind == ValueKind::Module) v = v->module->globals->lookup(part);
      else v = nullptr;
      if (!v || next == std::string::npos) break;
      from = next + 1;
    }
    if (!v) return out;
    if (v->kind == ValueKind::Record)
      for (const auto &[name, value] : v->record->fields) offer(base + "." + name);
    if (v->kind == ValueKind::Module)
      for (const auto &[name, value] : v->module->globals->vars) offer(base + "." + name);
    if (v->kind == ValueKind::Tensor) {
      // Its attributes and methods, as x.NAME resolves them (Operators.h); the session's
      // own names are not methods. The prelude is the session scope's outermost parent.
      const interp::Env *prelude = Scope.get();
      while (prelude->parent) prelude = prelude->parent.get();
      for (const std::string &name : interp::tensorMemberNames(*prelude)) offer(base + "." + name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The thread the session runs on (zy runs it on a large stack, not the main thread).
pthread_t SessionThread;

/// SIGINT at a terminal session: asks the interpreter to stop (Interpreter.h); while
/// libedit reads a line, the same flag ends the line (LineEditor's cancel), which is
/// dropped. The kernel may deliver the signal to any thread (the main one, a worker),
/// so it is passed on to the session's, whose read it must interrupt. A second Ctrl-C
/// before the first was acted on (code stuck in one long kernel) ends zy as Ctrl-C ends
/// other programs. Only async-signal-safe calls.
extern "C" void onInterrupt(int) {
  if (!pthread_equal(pthread_self(), SessionThread)) {
    pthread_kill(SessionThread, SIGINT);
    return;
  }
  if (interp::interruptRequested.exchange(true)) {
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
  }
}

/// Reads one input: a line, and more lines while a bracket is open. Null at the end.
template <typename ReadLine> std::optional<std::string> readInput(ReadLine readLine) {
  std::optional<std::string> line = readLine(false);
  if (!line) return std::nullopt;
  std::string text = *line;
  // A command is one line; code continues while a bracket is open.
  bool command = text.find_first_not_of(" \t") != std::string::npos && text[text.find_first_not_of(" \t")] == ':';
  while (!command && leavesBracketOpen(text)) {
    std::optional<std::string> more = readLine(true);
    if (!more) break; // the parser reports what is missing
    text += "\n" + *more;
  }
  return text;
}

} // namespace

int runRepl(const ReplOptions &options) {
  Session session(options);
  if (!isatty(STDIN_FILENO)) {
    // Piped: no prompts, no banner, no editing; only results and diagnostics.
    while (auto input = readInput([](bool) -> std::optional<std::string> {
             std::string line;
             if (!std::getline(std::cin, line)) return std::nullopt;
             return line;
           }))
      if (!session.handle(*input)) break;
    return session.lastFailure();
  }
  std::cout << "zy " ZY_VERSION " repl: `:help` for commands, `:quit` or Ctrl-D to leave\n";
  LineEditor editor(
      options.history, [&](const std::string &word, const std::string &line) { return session.complete(word, line); },
      &interp::interruptRequested);
  SessionThread = pthread_self();
  struct sigaction action {}, previous {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART; // file reads of the running code go on; its next poll stops it
  ::sigaction(SIGINT, &action, &previous);
  while (true) {
    bool cancelled = false;
    interp::interruptRequested = false;
    auto input = readInput([&](bool continued) -> std::optional<std::string> {
      auto line = editor.readLine(continued ? "...  " : "zy> ");
      if (!line && interp::interruptRequested.exchange(false)) cancelled = true; // Ctrl-C, not end of input
      return line;
    });
    if (cancelled) { // drop what was typed, lines of an open bracket included
      std::cout << "\n";
      continue;
    }
    if (!input) break;
    if (input->find_first_not_of(" \t\n") != std::string::npos) editor.remember(*input);
    if (!session.handle(*input)) break;
  }
  ::sigaction(SIGINT, &previous, nullptr);
  return 0;
}

} // namespace zy

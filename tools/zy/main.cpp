// main.cpp: the `zy` command: run, test, repl, compile, export, fmt, lsp, help.
//
// The driver owns the process: it reads files, calls the compiler, renders diagnostics
// once, and maps outcomes to exit statuses (0 ok, 1 compile error, 2 runtime error,
// 64 bad command line). All work runs on a large stack (support/LargeStack.h).
#include "interp/Check.h"
#include "interp/Interpreter.h"
#include "interp/NanCheck.h"
#include "interp/TensorOps.h"
#include "jit/Jit.h"
#include "support/Diagnostics.h"
#include "support/LargeStack.h"
#include "support/Timing.h"
#include "syntax/AstPrinter.h"
#include "syntax/Parser.h"
#include "tools/zy/Compile.h"
#include "tools/zy/Export.h"
#include "tools/zy/Expectations.h"
#include "tools/zy/Fmt.h"
#include "tools/zy/Lsp.h"
#include "tools/zy/Paths.h"
#include "tools/zy/Job.h"
#include "tools/zy/Repl.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace zy;

namespace {

constexpr int ExitOk = 0;
constexpr int ExitCompileError = 1;
constexpr int ExitRuntimeError = 2;
constexpr int ExitUsage = 64;
/// How long `zy run`'s check may take: a program whose host code is slow even without
/// tensors (a huge comprehension in main) is checked as far as that, and then run.
constexpr double RunCheckSeconds = 10;

bool useColor() {
  const char *noColor = std::getenv("NO_COLOR");
  return isatty(STDERR_FILENO) && !(noColor && *noColor);
}

int usageError(const std::string &message, const char *subcommand = nullptr) {
  std::cerr << "zy: " << message << "\n";
  std::cerr << "run `zy help" << (subcommand ? std::string(" ") + subcommand : "") << "` for usage\n";
  return ExitUsage;
}

struct Subcommand {
  const char *name;
  const char *summary;
  const char *usage;
  int (*run)(const std::vector<std::string> &args);
};

// The options of `run` and `test` that choose how traced graphs execute.
#define BACKEND_HELP                                                                                  \
  "  --executor=jit    compile traced graphs to native code with LLVM (the default)\n"                \
  "  --executor=reference\n"                                                                          \
  "                    run traced graphs on the reference executor (slow, simple, the oracle)\n"      \
  "  --check-jit       run every graph both ways and stop if they disagree (f32: 1e-4 relative\n"     \
  "                    to the output's largest magnitude, plus what rounding of large cancelling\n"  \
  "                    terms explains; f64: 1e-9)\n"                                                  \
  "  --threads=N       threads for large loops and matrix products (default: every core)\n"                              \
  "  --log-jit         report each graph's compile time on stderr\n"                                 \
  "  --check-nans      stop at the first op that makes a NaN or an infinity from finite operands\n"  \
  "  --no-check-labels do not check that the labels of nn.cross_entropy, nn.nll, one_hot and\n"      \
  "                    nn.embedding are in range (one pass over them; checked by default)\n"

/// Consumes one backend option (see BACKEND_HELP); false if `a` is not one.
bool backendOption(const std::string &a, std::string &error) {
  jit::Options &o = jit::options();
  if (a == "--executor=jit") o.enabled = true;
  else if (a == "--executor=reference") o.enabled = false;
  else if (a.rfind("--executor=", 0) == 0) error = "unknown executor `" + a.substr(11) + "`; it is jit or reference";
  else if (a == "--check-jit") o.check = true;
  else if (a == "--log-jit") o.reportCompileTime = true;
  else if (a == "--check-nans") interp::checkNans() = true; // interp/NanCheck.h
  else if (a == "--no-check-labels") interp::checkLabels() = false; // interp/TensorOps.h
  else if (a.rfind("--threads=", 0) == 0) {
    std::string n = a.substr(10);
    if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1)
      error = "`--threads` needs a positive number, got `" + n + "`";
    else jit::setThreads(std::stoi(n));
  } else return false;
  return true;
}

#define REPL_HELP                                                                                     \
  "usage: zy repl [--eager] [BACKEND OPTIONS]\n"                                                     \
  "\n"                                                                                               \
  "An interactive session: statements and expressions run as they are entered, `let` and `fn`\n"     \
  "bindings persist, and each expression's value is printed. A line with an open bracket\n"          \
  "continues on the next. Commands: :type EXPR, :ir EXPR, :llvm EXPR, :time EXPR, :load FILE,\n"     \
  ":help, :quit. With piped input there are no prompts, and the exit status is that of the last\n"   \
  "input that failed (0 if none did). History: $ZY_HISTORY, else ~/.zy_history.\n"                  \
  "\n"                                                                                               \
  "options:\n"                                                                                       \
  "  --eager           run every tensor op at once instead of tracing functions\n"                   \
  BACKEND_HELP

int cmdRun(const std::vector<std::string> &args);
int cmdCheck(const std::vector<std::string> &args);
int cmdIr(const std::vector<std::string> &args);
int cmdTest(const std::vector<std::string> &args);
int cmdRepl(const std::vector<std::string> &args);
int cmdCompile(const std::vector<std::string> &args);
int cmdExport(const std::vector<std::string> &args);
int cmdFmt(const std::vector<std::string> &args);
int cmdLsp(const std::vector<std::string> &args);
int cmdHelp(const std::vector<std::string> &args);

const Subcommand Subcommands[] = {
    {"run", "run a program's `fn main()`, or print a compiler stage",
     "usage: zy run [--emit=STAGE] [--dot=FILE] [--time] [--np N] FILE [-- ARGS...]\n"
     "\n"
     "Runs `fn main()` in FILE; ARGS after `--` are what `args()` returns.\n"
     "\n"
     "options:\n"
     "  --np N            run N processes of a data-parallel job: `mpirun -np N zy run ...`\n"
     "                    (docs/dist.md)\n"
     "  --emit=ast        print the program as canonical Zy source (parses back to the same AST)\n"
     "  --emit=ast-tree   print the AST as an S-expression with line:col of every node\n"
     "  --emit=ir         run, and print the IR of each function as it is traced\n"
     "  --emit=grad       run, and print each gradient graph as autodiff builds it\n"
     "  --emit=opt        run, and print each graph after simplification (traces and gradients)\n"
     "  --emit=llvm       run, and print the optimised LLVM IR of each compiled graph\n"
     "                    (`zy ir FILE` is `zy run --emit=ir FILE`; `ir-grad` is the gradients of `opt`)\n"
     "  --dot=FILE        run, and write each graph after simplification to FILE as Graphviz\n"
     "  --time            print where the time went (parse, trace, autodiff, optimise, llvm,\n"
     "                    run, host) on standard error at the end\n"
     "  --eager           run every tensor op at once instead of tracing functions\n"
     "  --log-compiles    report each trace on stderr, and which argument caused a retrace\n"
     "  --no-check        do not check the program before running it (see `zy help check`)\n"
     BACKEND_HELP,
     cmdRun},
    {"check", "check a program's shapes, types and names without running it",
     "usage: zy check [--verbose] FILE... [-- ARGS...]\n"
     "\n"
     "Checks `fn main()` and every test block of each FILE before anything runs: host code\n"
     "runs on abstract tensors (a dataset is its dtype and shape, read from the file's header),\n"
     "every function called with tensors is traced but not run, and the first error a run\n"
     "would report about shapes, dtypes, arity, names or param paths is reported, located\n"
     "(exit 1). What needs a tensor's value (a printed loss, `if acc > best`) is skipped,\n"
     "so that the check does not report what a run would not; runtime errors (a failed\n"
     "assert, a missing file) are left to the run. `zy run` does this check first.\n"
     "ARGS after `--` are what `args()` returns, as in `zy run`; without `--`, what depends\n"
     "on `args()` is not checked. Prints `ok FILE` for each file that checks.\n"
     "\n"
     "options:\n"
     "  --verbose         also show each statement the check skipped, and why\n",
     cmdCheck},
    {"test", "run test blocks and expected-error files",
     "usage: zy test [--eager] [BACKEND OPTIONS] [PATHS...]\n"
     "\n"
     "Runs every `.zy` file under PATHS (default: the current directory). A file with\n"
     "`# expect error: LINE:COL: MESSAGE` comments passes when compiling it reports exactly\n"
     "those errors, each at LINE:COL with a message containing MESSAGE. Prints\n"
     "`N passed, N failed` and exits 1 if any failed.\n"
     "\n"
     "options:\n"
     "  --eager           run every tensor op at once instead of tracing functions\n"
     BACKEND_HELP,
     cmdTest},
    {"ir", "run a program and print the IR of each traced function",
     "usage: zy ir [RUN OPTIONS] FILE [-- ARGS...]\n\nThe same as `zy run --emit=ir`; see `zy help run`.\n", cmdIr},
    {"repl", "an interactive session", REPL_HELP, cmdRepl},
    {"compile", "compile a model to a shared object with a C ABI",
     driver::CompileUsage, cmdCompile},
    {"export", "export a model as ONNX, for ONNX Runtime and other tools", driver::ExportUsage, cmdExport},
    {"fmt", "format files in the canonical layout", driver::FmtUsage, cmdFmt},
    {"lsp", "the language server, for editors", driver::LspUsage, cmdLsp},
    {"help", "show help for a subcommand",
     "usage: zy help [SUBCOMMAND]\n"
     "\n"
     "With no SUBCOMMAND, lists the commands. With one, shows its usage and options (the same\n"
     "as `zy SUBCOMMAND --help`). An unknown SUBCOMMAND is a usage error (exit 64).\n",
     cmdHelp},
};

const Subcommand *findSubcommand(const std::string &name) {
  for (const Subcommand &s : Subcommands)
    if (name == s.name) return &s;
  return nullptr;
}

void printOverview() {
  std::cout << "zy " ZY_VERSION ": neural networks as plain functions\n\n"
               "usage: zy <command> [options] [args]\n\ncommands:\n";
  for (const Subcommand &s : Subcommands) {
    std::string name = s.name;
    std::cout << "  " << name << std::string(10 - name.size(), ' ') << s.summary << "\n";
  }
  std::cout << "\noptions:\n  --help     show this help\n  --version  show the version\n\n"
               "Run `zy help COMMAND` for a command's options. Exit status: 0 success, 1 compile\n"
               "error, 2 runtime error, 64 bad command line.\n";
}

bool wantsHelp(const std::vector<std::string> &args) {
  return std::find_if(args.begin(), args.end(), [](const std::string &a) { return a == "--help" || a == "-h"; }) !=
         args.end();
}

bool writeFile(const std::string &path, const std::string &text) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

/// Loads and parses a file, printing diagnostics. Null on any error.
std::unique_ptr<ast::Module> loadAndParse(const std::string &path, std::unique_ptr<SourceFile> &source) {
  std::string error;
  source = SourceFile::load(path, error);
  if (!source) {
    std::cerr << "zy: error: " << error << "\n";
    return nullptr;
  }
  Diagnostics diags;
  std::unique_ptr<ast::Module> module;
  {
    timing::Scope timed(timing::Phase::Parse);
    module = parseModule(*source, diags);
  }
  if (diags.hasErrors() || !module) {
    std::cerr << renderAll(diags, useColor());
    return nullptr;
  }
  return module;
}

int cmdRun(const std::vector<std::string> &args) {
  double started = timing::nowMillis();
  std::string emit, file, dotFile;
  bool eager = false, logCompiles = false, showTime = false, threadsGiven = false, check = true;
  int processes = 0; // --np N: run as N processes under mpirun
  std::vector<std::string> jobArgs; // the arguments without --np, for each process
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--") break;
    if (a == "--np" || a.rfind("--np=", 0) == 0) {
      std::string n = a == "--np" ? (i + 1 < args.size() ? args[++i] : "") : a.substr(5);
      if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1)
        return usageError("`--np` needs a number of processes, as in `--np 2`, got `" + n + "`", "run");
      processes = std::stoi(n);
      continue;
    }
    jobArgs.push_back(a);
    threadsGiven |= a.rfind("--threads=", 0) == 0;
    if (a.rfind("--emit=", 0) == 0) emit = a.substr(7);
    else if (a == "--emit") {
      if (i + 1 == args.size()) return usageError("`--emit` needs a stage: ast, ir, grad, opt or llvm", "run");
      emit = args[++i];
    }
    else if (a.rfind("--dot=", 0) == 0) {
      dotFile = a.substr(6);
      if (dotFile.empty()) return usageError("`--dot` needs a file to write, as in `--dot=graph.dot`", "run");
    }
    else if (a == "--time") showTime = true;
    else if (a == "--help" || a == "-h") return cmdHelp({"run"});
    else if (a == "--eager") eager = true;
    else if (a == "--log-compiles") logCompiles = true;
    else if (a == "--no-check") check = false;
    else if (std::string error; backendOption(a, error)) {
      if (!error.empty()) return usageError(error, "run");
    }
    else if (!a.empty() && a[0] == '-') return usageError("unknown option `" + a + "` for `zy run`", "run");
    else if (file.empty()) file = a;
    else return usageError("`zy run` takes one FILE; put program arguments after `--`", "run");
  }
  if (file.empty()) return usageError("`zy run` needs a FILE", "run");
  if (processes > 0) {
    jobArgs.insert(jobArgs.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    return driver::launchJob(processes, jobArgs);
  }
  if (!driver::joinJob(threadsGiven)) return ExitRuntimeError;
  static const char *stages[] = {"ast", "ast-tree", "ir", "grad", "opt", "llvm", "ir-grad"};
  if (!emit.empty() && std::find_if(std::begin(stages), std::end(stages),
                                    [&](const char *s) { return emit == s; }) == std::end(stages))
    return usageError("unknown stage `" + emit + "`; the stages are ast, ast-tree, ir, grad, opt, llvm", "run");

  std::unique_ptr<SourceFile> source;
  auto module = loadAndParse(file, source);
  if (!module) {
    // A program that fails to parse has failed too: --time still says where the time went.
    if (showTime) std::cerr << timing::report(timing::Totals{}, timing::nowMillis() - started);
    return ExitCompileError;
  }
  if (emit == "ast") {
    std::cout << ast::printModule(*module);
    return ExitOk;
  }
  if (emit == "ast-tree") {
    std::cout << ast::dumpModule(*module, true);
    return ExitOk;
  }
  jit::options().emitLlvm = emit == "llvm";

  std::vector<std::string> programArgs;
  if (i < args.size()) programArgs.assign(args.begin() + i + 1, args.end());
  // Made first, so that the standard library (parsed once per process, shared by the
  // check's interpreter) counts as parsing, not as checking.
  interp::Interpreter interpreter;
  // --time shows the check as one row: the phases' time inside it is left out of theirs.
  timing::Totals inCheck{};
  double checkMillis = 0;
  if (check) {
    // The whole program is checked before any of it runs (interp/Check.h), so a shape
    // error in an evaluation after training is reported before training starts.
    timing::Totals before = timing::totals();
    double checkStart = timing::nowMillis();
    interp::Interpreter checker;
    checker.setArgs(programArgs);
    checker.tracer.options.enabled = !eager; // what runs eagerly is checked eagerly
    std::optional<Diagnostic> error = interp::checkProgram(checker, file, /*tests=*/false, RunCheckSeconds);
    checkMillis = timing::nowMillis() - checkStart;
    inCheck = timing::spentSince(before);
    if (error) {
      std::cerr << driver::failingRank() << render(*error, useColor());
      if (showTime) std::cerr << timing::report(inCheck, timing::nowMillis() - started, checkMillis);
      return driver::endJob(ExitCompileError);
    }
  }
  interpreter.setArgs(programArgs);
  interpreter.tracer.options.enabled = !eager;
  if (eager) jit::options().enabled = false; // op by op, and gradients on the reference executor
  interpreter.tracer.options.logCompiles = logCompiles;
  interpreter.tracer.options.emitIr = emit == "ir";
  interpreter.tracer.options.emitGradRawIr = emit == "grad";
  interpreter.tracer.options.emitOptIr = emit == "opt";
  interpreter.tracer.options.emitGradIr = emit == "opt" || emit == "ir-grad";
  std::vector<std::pair<std::string, ir::Graph>> graphs; // for --dot
  if (!dotFile.empty())
    interpreter.tracer.options.graphSink = [&](const std::string &title, const ir::Graph &g) { graphs.emplace_back(title, g); };
  int status = ExitOk;
  try {
    auto loaded = interpreter.loadModule(file);
    interpreter.runMain(*loaded);
  } catch (const interp::ZyError &e) {
    std::cerr << driver::failingRank() << render(e.diagnostic, useColor());
    status = e.runtime ? ExitRuntimeError : ExitCompileError;
  }
  // What ran before an error is still worth seeing.
  if (!dotFile.empty() && !writeFile(dotFile, ir::dotGraphs(graphs))) {
    std::cerr << "zy: error: cannot write `" << dotFile << "`\n";
    if (status == ExitOk) status = ExitCompileError;
  }
  if (showTime) std::cerr << timing::report(inCheck, timing::nowMillis() - started, checkMillis);
  return status == ExitOk ? driver::leaveJob(status) : driver::endJob(status);
}

/// `zy check FILE... [-- ARGS]`: each file's main and tests checked, nothing run.
int cmdCheck(const std::vector<std::string> &args) {
  std::vector<std::string> files, programArgs;
  bool verbose = false, argsGiven = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--") {
      programArgs.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      argsGiven = true;
      break;
    }
    if (a == "--help" || a == "-h") return cmdHelp({"check"});
    if (a == "--verbose" || a == "-v") {
      verbose = true;
      continue;
    }
    if (!a.empty() && a[0] == '-') return usageError("unknown option `" + a + "` for `zy check`", "check");
    files.push_back(a);
  }
  if (files.empty()) return usageError("`zy check` needs a FILE", "check");
  int status = ExitOk;
  for (const std::string &file : files) {
    std::unique_ptr<SourceFile> source;
    if (!loadAndParse(file, source)) {
      status = ExitCompileError;
      continue;
    }
    interp::Interpreter checker;
    checker.setArgs(programArgs);
    checker.argsUnknown = !argsGiven;
    std::vector<Diagnostic> skipped;
    if (verbose) checker.checkSkipped = &skipped;
    std::string stopped;
    auto error = interp::checkProgram(checker, file, /*tests=*/true, /*seconds=*/0, &stopped);
    for (const Diagnostic &d : skipped) std::cerr << render(d, useColor());
    if (error) {
      std::cerr << render(*error, useColor());
      status = ExitCompileError;
    } else {
      std::cout << "ok " << file << (stopped.empty() ? "" : " (checked in part: " + stopped + ")") << "\n";
    }
  }
  return status;
}

/// `zy ir FILE`: the traced IR, as `zy run --emit=ir FILE`.
int cmdIr(const std::vector<std::string> &args) {
  if (wantsHelp(args)) return cmdHelp({"ir"});
  std::vector<std::string> runArgs{"--emit=ir"};
  runArgs.insert(runArgs.end(), args.begin(), args.end());
  return cmdRun(runArgs);
}

/// Runs a file's `main` (if any) and its test blocks, turning errors into diagnostics:
/// what an expected-error file is checked against.
/// As `zy run` does, main is checked first (by `checker`: interp/Check.h), and an error
/// the check finds is the file's.
/// The interpreters are the caller's: the diagnostics point into sources they own.
void runForDiagnostics(interp::Interpreter &interpreter, interp::Interpreter &checker, const std::string &path,
                       Diagnostics &diags) {
  if (auto error = interp::checkProgram(checker, path, /*tests=*/false, RunCheckSeconds)) {
    diags.error(error->span, error->message).notes = error->notes;
    return;
  }
  std::string output;
  interpreter.capture = &output;
  try {
    auto loaded = interpreter.loadModule(path);
    if (interp::Value *main = loaded->globals->lookup("main"); main && main->kind == interp::ValueKind::Function)
      interpreter.runMain(*loaded);
    for (const auto &result : interpreter.runTests(path))
      if (!result.passed) diags.error(result.diagnostic.span, result.diagnostic.message).notes = result.diagnostic.notes;
  } catch (const interp::ZyError &e) {
    diags.error(e.diagnostic.span, e.diagnostic.message).notes = e.diagnostic.notes;
  }
}

int cmdTest(const std::vector<std::string> &args) {
  std::vector<fs::path> files;
  std::vector<std::string> missing;
  bool eager = false;
  for (const std::string &a : args) {
    if (a == "--help" || a == "-h") return cmdHelp({"test"});
    if (a == "--eager") {
      eager = true;
      continue;
    }
    if (std::string error; backendOption(a, error)) {
      if (!error.empty()) return usageError(error, "test");
      continue;
    }
    if (!a.empty() && a[0] == '-') return usageError("unknown option `" + a + "` for `zy test`", "test");
    driver::collectZyFiles(a, files, missing);
  }
  if (eager) jit::options().enabled = false; // op by op, and gradients on the reference executor
  if (files.empty() && missing.empty()) driver::collectZyFiles(".", files, missing);
  for (const std::string &m : missing) std::cerr << "zy: error: no such file or directory `" << m << "`\n";
  if (!missing.empty()) return ExitUsage;
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  size_t passed = 0, failed = 0;
  for (const fs::path &path : files) {
    std::string error;
    auto source = SourceFile::load(path.string(), error);
    if (!source) {
      std::cout << "FAIL " << path.string() << ": " << error << "\n";
      ++failed;
      continue;
    }
    Diagnostics diags;
    auto module = parseModule(*source, diags);
    Expectations expectations = readExpectations(*source);
    if (!expectations.errors.empty() || !expectations.malformed.empty()) {
      interp::Interpreter interpreter, checker;
      if (!diags.hasErrors()) runForDiagnostics(interpreter, checker, path.string(), diags);
      std::string problems = checkExpectations(expectations, diags);
      if (problems.empty()) {
        std::cout << "PASS " << path.string() << "\n";
        ++passed;
      } else {
        std::cout << "FAIL " << path.string() << "\n" << problems;
        ++failed;
      }
      continue;
    }
    if (diags.hasErrors()) {
      std::cout << "FAIL " << path.string() << "\n" << renderAll(diags);
      ++failed;
      continue;
    }
    // Test blocks: each one passes or fails on its own.
    interp::Interpreter interpreter;
    interpreter.tracer.options.enabled = !eager;
    std::string output;
    interpreter.capture = &output;
    std::vector<interp::TestResult> results;
    try {
      results = interpreter.runTests(path.string());
    } catch (const interp::ZyError &e) {
      std::cout << "FAIL " << path.string() << "\n" << render(e.diagnostic);
      ++failed;
      continue;
    }
    if (results.empty()) {
      std::cout << "PASS " << path.string() << " (parses; no test blocks)\n";
      ++passed;
    }
    for (const auto &r : results) {
      if (r.passed) {
        std::cout << "PASS " << path.string() << ": " << r.name << "\n";
        ++passed;
      } else {
        std::cout << "FAIL " << path.string() << ": " << r.name << "\n" << r.failure;
        ++failed;
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed";
  std::cout << "\n";
  return failed ? ExitCompileError : ExitOk;
}


int cmdRepl(const std::vector<std::string> &args) {
  if (wantsHelp(args)) return cmdHelp({"repl"});
  ReplOptions options;
  options.color = useColor();
  for (const std::string &a : args) {
    if (a == "--eager") options.eager = true;
    else if (std::string error; backendOption(a, error)) {
      if (!error.empty()) return usageError(error, "repl");
    } else return usageError("unknown option `" + a + "` for `zy repl`", "repl");
  }
  // The history file: $ZY_HISTORY (empty: none), else ~/.zy_history.
  if (const char *path = std::getenv("ZY_HISTORY")) options.history = path;
  else if (const char *home = std::getenv("HOME"); home && *home) options.history = std::string(home) + "/.zy_history";
  return runRepl(options);
}

int cmdCompile(const std::vector<std::string> &args) {
  if (wantsHelp(args)) return cmdHelp({"compile"});
  return driver::compileCommand(args, useColor());
}

int cmdFmt(const std::vector<std::string> &args) {
  if (wantsHelp(args)) return cmdHelp({"fmt"});
  return driver::fmtCommand(args, useColor());
}

int cmdLsp(const std::vector<std::string> &args) {
  if (wantsHelp(args)) return cmdHelp({"lsp"});
  return driver::lspCommand(args);
}

int cmdExport(const std::vector<std::string> &args) {
  if (wantsHelp(args)) return cmdHelp({"export"});
  return driver::exportCommand(args, useColor());
}

int cmdHelp(const std::vector<std::string> &args) {
  if (args.empty()) {
    printOverview();
    return ExitOk;
  }
  if (args[0] == "--help" || args[0] == "-h") return cmdHelp({"help"});
  const Subcommand *s = findSubcommand(args[0]);
  if (!s) return usageError("no such command `" + args[0] + "`");
  std::cout << "zy " << s->name << ": " << s->summary << "\n\n" << s->usage;
  // The full page of each command is in the repository's docs.
  std::string page = std::string(s->name) == "compile" ? "docs/compile.md"
                     : std::string(s->name) == "export"                               ? "docs/onnx.md"
                     : std::string(s->name) == "fmt" || std::string(s->name) == "lsp" ? "docs/editors.md"
                     : std::string(s->name) == "ir"    ? "docs/man/zy-run.md"
                                                       : std::string("docs/man/zy-") + s->name + ".md";
  std::cout << "\nThe manual page: " << page << "\n";
  return ExitOk;
}

int zyMain(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printOverview();
    return ExitUsage;
  }
  const std::string &first = args[0];
  if (first == "--help" || first == "-h") return cmdHelp({});
  if (first == "--version" || first == "-V") {
    std::cout << "zy " ZY_VERSION "\n";
    return ExitOk;
  }
  const Subcommand *s = findSubcommand(first);
  if (!s) return usageError("unknown command `" + first + "`");
  return s->run(std::vector<std::string>(args.begin() + 1, args.end()));
}

} // namespace

int main(int argc, char **argv) {
  std::ios::sync_with_stdio(true);
  return runWithLargeStack([&] {
    try {
      return zyMain(argc, argv);
    } catch (const std::bad_alloc &) {
      std::cerr << "zy: error: out of memory\n";
    } catch (const std::exception &e) {
      std::cerr << "zy: internal compiler error: " << e.what() << "\n"
                << "please report this with the input that caused it\n";
    } catch (...) {
      std::cerr << "zy: internal compiler error: an unknown exception\n"
                << "please report this with the input that caused it\n";
    }
    return driver::endJob(70); // EX_SOFTWARE: a bug in zy, never a user's mistake
  });
}

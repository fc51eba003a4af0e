// Check.h: the whole-program check that `zy check` and `zy run` do before anything runs.
//
// The check runs the program's host code in an interpreter of its own, on abstract
// tensors: a dataset read from a file is its dtype and shape only (from the file's
// header), every tensor operation of host code on one is recorded in a graph that never
// runs, so the op table's shape rules check it (an operation on concrete tensors alone
// computes, as in a run), and a call of a function with tensors is traced
// as in a run (the trace checks its body) but not run, its results abstract too. So the
// errors a run would report as it goes (shapes, dtypes, arity, names, param paths) are
// reported at once, located and in the same words, before a training loop starts.
//
// What cannot be known without running is not guessed, so that the check does not
// report what a run would not (tests/check/ok_*.zy tempt it):
//  - A statement that needs a tensor's value (printing a loss, `if acc > best`) or fails
//    as it runs (a file the program itself writes first) is skipped, and the variables it
//    would have set become unknown; any statement that reads an unknown variable is
//    skipped in turn. Runtime errors are the run's to report.
//  - A loop over host values (a range, a list of names) runs every pass (up to a
//    budget). One over abstract items (batches) runs the first two and every later item
//    of a type not seen yet (a short last batch); the passes left out would do what the
//    last one did if the last two left every variable alike (the parameters, the
//    optimizer's state). Otherwise what differed (a counter, a growing list) is unknown
//    after the loop, and so is what is rebound from it or under a condition on it.
//  - A skipped statement that holds a `break` or `continue` ends the pass and the loop
//    there: only what no pass changed keeps its value. A `while` whose condition the
//    check cannot know (`while loss > 0.01`) has its body probed as if it held, its
//    errors not reported (the body may never run), with the same rule after it.
//  - A file the program wrote by then (the check wrote nothing) is not read.
//  - Nothing is printed, no file is written, no graph is compiled or run.
#pragma once

#include "interp/Interpreter.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zy::interp {

/// Checks the program at `path` in `in` (a fresh interpreter, given the program's
/// arguments): its `fn main()` if it has one, and, if `tests`, each of its test blocks.
/// Returns the first error a run would report while checking (status 1), if any; a
/// syntax error or a missing import is reported too. Given `seconds`, the check stops
/// quietly after that long: `zy run` and `zy lsp` bound it so that no program (a huge
/// comprehension in main) can keep them waiting. `stopped` says why a check that found
/// nothing stopped before the end (out of time; a top level that needs values), if it did.
std::optional<Diagnostic> checkProgram(Interpreter &in, const std::string &path, bool tests, double seconds = 0,
                                       std::string *stopped = nullptr);

/// True if the check skips a statement that failed with `e`: it needed a value the check
/// does not have, or failed as it ran. Errors in what the program says (shapes, types,
/// names) are reported instead.
bool skippedByCheck(const ZyError &e);

/// After statement `s` was skipped: the names it would have defined (a `let`) or
/// rebound (anywhere inside it) become unknown in `env`.
void forgetAssigned(const ast::Stmt &s, const std::shared_ptr<Env> &env);

/// A tensor of `dtype` and `shape` that has no values: an input of the check's graph.
Tensor abstractTensor(Interpreter &in, DType dtype, const Shape &shape);

/// Whether statement `s` holds a `break` or a `continue` of the loop it is in.
struct LoopExits {
  bool breaks = false, continues = false;
};
LoopExits loopExitsOf(const ast::Stmt &s);

/// The passes of one loop at the host level of a check (see above). Loops nest: the
/// innermost open one is the one a skipped `break` belongs to.
class CheckedLoop {
public:
  /// Passes of a loop over host values (an index, a list of names) run before the rest
  /// are left out.
  static constexpr size_t MaxHostPasses = 10000;

  CheckedLoop(const ast::BlockExpr &body, const std::shared_ptr<Env> &env);
  ~CheckedLoop();
  CheckedLoop(const CheckedLoop &) = delete;
  CheckedLoop &operator=(const CheckedLoop &) = delete;
  static CheckedLoop *innermost();

  /// Whether the pass for `item` runs (for a `while`, call it with none): every item the
  /// body could branch on (host values), else the first two and each of a new type.
  bool runs(const Value &item);
  /// The loop may have ended, or a pass been cut short, where the check cannot tell: a
  /// skipped statement holds a `break` or `continue`, or a `while`'s condition is unknown.
  void uncertain() { Uncertain = true; }
  /// After each pass that ran.
  void ran();
  /// After the loop: forgets what the passes left out could have changed.
  void finish();

private:
  struct Rebinding {
    std::vector<std::string> targets;
    std::set<std::string> reads; // by its value and the conditions around it
  };
  std::shared_ptr<Env> Scope;
  std::vector<Rebinding> Body;
  std::vector<std::string> Assigned;
  std::set<std::string> ItemTypes;
  std::vector<std::string> Initial, Previous, Last; // abstract values of Assigned: before, after the last two passes
  std::vector<bool> Varied;                         // some pass left it other than before the loop
  size_t Passes = 0;
  bool LeftOut = false, Uncertain = false;
  std::vector<std::string> snapshot() const;
};

} // namespace zy::interp

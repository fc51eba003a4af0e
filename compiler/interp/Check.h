// Check.h: the whole-program check that `zy check` and `zy run` do before anything runs.
//
// The check runs the program's host code in an interpreter of its own, on abstract
// tensors: a dataset read from a file is its dtype and shape only (from the file's
// header), every tensor operation of host code is recorded in a graph that never runs,
// so the op table's shape rules check it, and a call of a function with tensors is traced
// as in a run (the trace checks its body) but not run, its results abstract too. So the
// errors a run would report as it goes (shapes, dtypes, arity, names, param paths) are
// reported at once, located and in the same words, before a training loop starts.
//
// What cannot be known without running is not guessed: the check says nothing false.
//  - A statement that needs a tensor's value (printing a loss, `if acc > best`) or fails
//    as it runs (a file the program itself writes first) is skipped, and the variables it
//    would have set become unknown; any statement that reads an unknown variable is
//    skipped in turn. Runtime errors are the run's to report.
//  - A loop runs its body for the first two items and for every later item of a type not
//    seen yet (a short last batch). If passes were left out, a variable that the last two
//    passes left different (a counter, a growing list) is unknown after the loop; one
//    they left alike (the parameters, the optimizer's state) keeps its abstract value.
//    A `while` on a condition the check cannot know (`while loss > 0.01`) runs two passes
//    as if it held; after it, only what the passes left as it was before keeps its value.
//  - Nothing is printed, no file is written, no graph runs.
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
/// quietly after that long (`complete` then says false): `zy run` and `zy lsp` bound it
/// so that no program (a huge comprehension in main) can keep them waiting.
std::optional<Diagnostic> checkProgram(Interpreter &in, const std::string &path, bool tests, double seconds = 0,
                                       bool *complete = nullptr);

/// True if the check skips a statement that failed with `e`: it needed a value the check
/// does not have, or failed as it ran. Errors in what the program says (shapes, types,
/// names) are reported instead.
bool skippedByCheck(const ZyError &e);

/// After statement `s` was skipped: the names it would have defined (a `let`) or
/// rebound (anywhere inside it) become unknown in `env`.
void forgetAssigned(const ast::Stmt &s, const std::shared_ptr<Env> &env);

/// A tensor of `dtype` and `shape` that has no values: an input of the check's graph.
Tensor abstractTensor(Interpreter &in, DType dtype, const Shape &shape);

/// The passes of one loop at the host level of a check (see above).
class CheckedLoop {
public:
  CheckedLoop(const ast::BlockExpr &body, const std::shared_ptr<Env> &env);
  /// Whether the pass for `item` runs (for a `while`, call it with none).
  bool runs(const Value &item);
  /// A `while` whose condition the check cannot know: its body runs as if it held, and
  /// after the loop a variable keeps its value only if no pass changed it (the loop may
  /// not have run at all).
  void conditionUnknown() { ConditionUnknown = true; }
  /// After each pass that ran.
  void ran();
  /// After the loop: forgets what the left-out passes could have changed.
  void finish();

private:
  std::shared_ptr<Env> Scope;
  std::vector<std::string> Assigned;
  std::set<std::string> ItemTypes;
  std::vector<std::string> Initial, Previous, Last; // abstract values of Assigned: before, after the last two passes
  size_t Passes = 0;
  bool LeftOut = false, ConditionUnknown = false;
  std::vector<std::string> snapshot() const;
};

} // namespace zy::interp

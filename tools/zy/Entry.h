// Entry.h: what `zy compile` and `zy export` share. Both take the command line
//
//   zy CMD FILE --entry NAME --arg PARAM=SPEC... [--params CKPT] [-o PATH] [--no-check-labels]
//
// call the entry once from host code on sample arguments made from the --arg specs (zeros
// of the given types, or the tensors of a checkpoint for a tree), take the graph the tracer
// hands over instead of running it, and name its inputs and outputs by their dotted paths.
// With --params the first parameter is bound to a checkpoint whose tensors become literals
// of the graph. Each command then writes the graph its own way (a shared object, an ONNX
// model). Mistakes on the command line are located errors with a caret under the offending
// text, like errors in a source file.
#pragma once

#include "jit/Aot.h"
#include "support/Source.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace zy::driver {

/// An entry traced on its command line's sample arguments.
struct TracedEntry {
  jit::AotEntry aot; // the graph, with the --params leaves baked in as literals; the ABI's tensors
  std::map<int, std::string> bakedPaths; // literal node id -> dotted path, for the leaves of --params
  std::string paramsFile;                // --params, if given
  std::string output;                    // -o, or the command's default for the entry
};

/// A mistake on the command line, or an entry that cannot be written, shown with a caret
/// under `span` (the command line's text, or the source that made a graph node).
struct CommandError {
  Span span;
  std::string message;
  int status = 64; // a mistake on the command line; 1 for an entry that cannot be written
};

struct EntryCommand {
  const char *name;                                     // "compile"
  std::string (*defaultOutput)(const std::string &entry); // the file -o names when not given
  /// Writes the traced entry and returns the exit status. It may throw CommandError,
  /// interp::ZyError, or std::runtime_error (shown as `zy: error: ...`, status 1).
  std::function<int(TracedEntry &)> write;
};

/// Runs `zy CMD ARGS...`; returns the exit status (0, 1 compile error, 2 runtime error,
/// 64 bad command line).
int runEntryCommand(const EntryCommand &command, const std::vector<std::string> &args, bool color);

} // namespace zy::driver

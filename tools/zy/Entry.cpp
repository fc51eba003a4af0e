// Entry.cpp: the command line and the tracing that `zy compile` and `zy export` share
// (Entry.h).
#include "tools/zy/Entry.h"

#include "interp/Interpreter.h"
#include "interp/Operators.h"
#include "interp/TensorOps.h"
#include "interp/Trees.h"
#include "support/Diagnostics.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>

namespace zy::driver {

namespace {

using interp::Value;
using interp::ValueKind;

constexpr int ExitOk = 0, ExitCompileError = 1, ExitUsage = 64;

/// The command line as a source file, so its mistakes are shown with a caret.
class CommandLine {
public:
  CommandLine(const std::string &command, const std::vector<std::string> &args) {
    std::string text = "zy " + command;
    for (const std::string &a : args) {
      text += ' ';
      Offsets.push_back(static_cast<uint32_t>(text.size()));
      text += a;
    }
    File = std::make_unique<SourceFile>("command line", text);
  }
  /// The span of characters [from, to) of argument `index` (to = npos: its end).
  Span span(size_t index, size_t from = 0, size_t to = std::string::npos) const {
    uint32_t begin = Offsets[index];
    uint32_t length = static_cast<uint32_t>(File->text().size()) - begin;
    if (index + 1 < Offsets.size()) length = Offsets[index + 1] - 1 - begin;
    uint32_t end = to == std::string::npos ? begin + length : begin + static_cast<uint32_t>(std::min<size_t>(to, length));
    begin += static_cast<uint32_t>(std::min<size_t>(from, length));
    return File->span(begin, std::max(end, begin + 1));
  }

private:
  std::unique_ptr<SourceFile> File;
  std::vector<uint32_t> Offsets;
};

/// A parameter's spec from `--arg PARAM=SPEC`, with where it was written.
struct ArgSpec {
  std::string param, spec;
  size_t argIndex;   // which command-line argument
  size_t specOffset; // where SPEC starts in it
};

/// Parses `f32[1, 784]` (or `f32` for a scalar) into a tensor of zeros.
Tensor parseTensorType(const ArgSpec &a, const CommandLine &line) {
  const std::string &s = a.spec;
  auto fail = [&](size_t from, size_t to, const std::string &message) -> CommandError {
    return {line.span(a.argIndex, a.specOffset + from, a.specOffset + to), message};
  };
  size_t bracket = s.find('[');
  std::string name = s.substr(0, bracket);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  auto dtype = dtypeFromName(name);
  if (!dtype)
    throw fail(0, name.empty() ? 1 : name.size(),
               "expected a dtype (f32, f64, i32 or bool) or `@CHECKPOINT`, found " + quote(name.empty() ? s : name));
  Shape shape;
  if (bracket != std::string::npos) {
    size_t close = s.find(']', bracket);
    if (close == std::string::npos) throw fail(bracket, s.size(), "expected `]` to close the shape, found the end of the spec");
    if (s.find_first_not_of(' ', close + 1) != std::string::npos)
      throw fail(close + 1, s.size(), "expected nothing after the shape's `]`, found " + quote(s.substr(close + 1)));
    size_t at = bracket + 1;
    while (at < close) {
      size_t comma = std::min(s.find(',', at), close);
      std::string dim = s.substr(at, comma - at);
      size_t first = dim.find_first_not_of(' '), last = dim.find_last_not_of(' ');
      std::string digits = first == std::string::npos ? "" : dim.substr(first, last - first + 1);
      if (digits.empty() && shape.empty() && comma == close) break; // f32[]
      if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos)
        throw fail(at, std::max(comma, at + 1), "expected a dimension (a non-negative integer), found " + quote(digits.empty() ? dim : digits));
      shape.push_back(std::stoll(digits));
      at = comma + 1;
    }
  }
  if (!elementCount(shape)) throw fail(0, s.size(), "the shape " + shapeString(shape) + " has too many elements");
  return Tensor(*dtype, shape);
}

struct Captured {}; // thrown from the tracer's hook once the entry's graph is in hand

std::string didYouMean(const std::string &name, const std::vector<std::string> &candidates) {
  std::string best;
  size_t bestDistance = 3;
  for (const std::string &c : candidates)
    if (size_t d = interp::editDistance(name, c); d < bestDistance) best = c, bestDistance = d;
  return best.empty() ? "" : " (did you mean `" + best + "`?)";
}

std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", `" : "`") + names[i] + "`";
  return out.empty() ? "none" : out;
}

bool isCIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

class EntryTracer {
public:
  EntryTracer(const EntryCommand &command, const std::vector<std::string> &args, bool color)
      : Command(command), Name(std::string("`zy ") + command.name + "`"), Args(args), Line(command.name, args), Color(color) {}

  int run() {
    try {
      if (int status = parseOptions(); status != ExitOk) return status;
      TracedEntry traced = trace();
      return Command.write(traced);
    } catch (const CommandError &e) {
      std::cerr << render({Severity::Error, e.span, e.message, {}}, Color);
      return e.status;
    } catch (const interp::ZyError &e) {
      std::cerr << render(e.diagnostic, Color);
      return e.runtime ? 2 : ExitCompileError;
    } catch (const std::runtime_error &e) {
      std::cerr << "zy: error: " << e.what() << "\n";
      return ExitCompileError;
    }
  }

private:
  const EntryCommand &Command;
  std::string Name; // "`zy compile`"
  const std::vector<std::string> &Args;
  CommandLine Line;
  bool Color;
  interp::Interpreter In; // owns the sources that diagnostics point into
  std::string File, Entry, Output, Params;
  size_t FileIndex = 0, EntryIndex = 0, ParamsIndex = 0;
  std::vector<ArgSpec> Specs;

  /// The value of option `args[i]` (`--opt VALUE` or `--opt=VALUE`); advances i.
  std::string optionValue(size_t &i, const std::string &option, size_t &valueIndex, size_t &valueOffset) {
    const std::string &a = Args[i];
    if (a.size() > option.size() && a[option.size()] == '=') {
      valueIndex = i;
      valueOffset = option.size() + 1;
      return a.substr(option.size() + 1);
    }
    if (i + 1 == Args.size()) throw CommandError{Line.span(i), "`" + option + "` needs a value"};
    valueIndex = ++i;
    valueOffset = 0;
    return Args[i];
  }

  static bool isOption(const std::string &a, const std::string &option) {
    return a == option || (a.rfind(option + "=", 0) == 0);
  }

  int parseOptions() {
    std::set<std::string> seen; // --entry, --params and -o name one thing each
    for (size_t i = 0; i < Args.size(); ++i) {
      const std::string &a = Args[i];
      size_t index = 0, offset = 0;
      for (const char *single : {"--entry", "--params", "--output"})
        if (isOption(a, single) || (a == "-o" && std::string(single) == "--output"))
          if (!seen.insert(single).second)
            throw CommandError{Line.span(i), "`" + std::string(a == "-o" ? "-o" : single) + "` is given twice"};
      if (isOption(a, "--entry")) {
        Entry = optionValue(i, "--entry", index, offset);
        EntryIndex = index;
        if (!isCIdentifier(Entry))
          throw CommandError{Line.span(index, offset), "the entry must be a function name (letters, digits, `_`), found " + quote(Entry)};
      } else if (isOption(a, "--arg")) {
        std::string spec = optionValue(i, "--arg", index, offset);
        size_t eq = spec.find('=');
        if (eq == std::string::npos || eq == 0)
          throw CommandError{Line.span(index, offset), "expected PARAM=SPEC (as in `x=f32[1, 784]`), found " + quote(spec)};
        Specs.push_back({spec.substr(0, eq), spec.substr(eq + 1), index, offset + eq + 1});
        if (Specs.back().spec.empty())
          throw CommandError{Line.span(index, offset + eq), "expected a type after `=` (as in `x=f32[1, 784]`)"};
      } else if (isOption(a, "--params")) {
        Params = optionValue(i, "--params", index, offset);
        ParamsIndex = index;
      } else if (a == "-o" || isOption(a, "--output")) {
        Output = optionValue(i, a == "-o" ? "-o" : "--output", index, offset);
      } else if (a == "--no-check-labels") {
        interp::checkLabels() = false; // check_labels then leaves no step in the graph
      } else if (!a.empty() && a[0] == '-') {
        throw CommandError{Line.span(i), "unknown option " + quote(a) + " for " + Name + " (see `zy help " + Command.name + "`)"};
      } else if (File.empty()) {
        File = a;
        FileIndex = i;
      } else {
        throw CommandError{Line.span(i), Name + " takes one FILE, found a second: " + quote(a)};
      }
    }
    if (File.empty()) {
      std::cerr << "zy: " << Name << " needs a FILE\nrun `zy help " << Command.name << "` for usage\n";
      return ExitUsage;
    }
    if (Entry.empty()) {
      std::cerr << "zy: " << Name << " needs `--entry NAME`: the function to export\nrun `zy help " << Command.name
                << "` for usage\n";
      return ExitUsage;
    }
    if (Output.empty()) Output = Command.defaultOutput(Entry);
    return ExitOk;
  }

  /// The sample value of a parameter: zeros of its type, or a checkpoint's tree.
  Value sampleOf(interp::Interpreter &in, const ArgSpec &a) {
    if (a.spec[0] != '@') return Value::fromTensor(parseTensorType(a, Line));
    return loadCheckpoint(in, a.spec.substr(1), Line.span(a.argIndex, a.specOffset));
  }

  Value loadCheckpoint(interp::Interpreter &in, const std::string &path, Span where) {
    if (path.empty()) throw CommandError{where, "expected a checkpoint's path after `@`"};
    interp::CallArgs call;
    call.positional.push_back(Value::string(path));
    try {
      return in.call(*in.preludeLookup("load"), call);
    } catch (const interp::ZyError &e) {
      throw CommandError{where, "cannot load the checkpoint: " + e.diagnostic.message};
    }
  }

  TracedEntry trace() {
    interp::Interpreter &in = In;
    auto loaded = in.loadModule(File); // syntax and name errors are thrown as located errors
    Value *entry = loaded->globals->vars.count(Entry) ? &loaded->globals->vars[Entry] : nullptr;
    if (!entry || entry->kind != ValueKind::Function) {
      std::vector<std::string> functions;
      for (const auto &[name, value] : loaded->globals->vars)
        if (value.kind == ValueKind::Function) functions.push_back(name);
      std::sort(functions.begin(), functions.end());
      throw CommandError{Line.span(EntryIndex), "`" + File + "` has no function `" + Entry + "`" +
                                                    didYouMean(Entry, functions) + "; its functions are " + joinNames(functions)};
    }
    const interp::Closure &closure = *entry->closure;
    std::vector<std::string> paramNames;
    for (const ast::Param &p : *closure.params) paramNames.push_back(p.name);

    // The arguments, in the entry's parameter order.
    interp::CallArgs call;
    call.span = closure.span;
    size_t baked = 0; // leading graph inputs that come from --params
    std::set<std::string> given;
    for (const ArgSpec &a : Specs) {
      if (std::find(paramNames.begin(), paramNames.end(), a.param) == paramNames.end())
        throw CommandError{Line.span(a.argIndex, a.specOffset - a.param.size() - 1, a.specOffset - 1),
                           "`" + Entry + "` has no parameter `" + a.param + "`" + didYouMean(a.param, paramNames) +
                               "; its parameters are " + joinNames(paramNames)};
      if (!given.insert(a.param).second)
        throw CommandError{Line.span(a.argIndex), "the parameter `" + a.param + "` is given twice"};
    }
    std::vector<std::string> argumentNames;
    for (size_t p = 0; p < paramNames.size(); ++p) {
      const ast::Param &param = (*closure.params)[p];
      auto spec = std::find_if(Specs.begin(), Specs.end(), [&](const ArgSpec &a) { return a.param == param.name; });
      if (p == 0 && !Params.empty()) {
        if (spec != Specs.end())
          throw CommandError{Line.span(spec->argIndex), "`" + param.name + "` is bound by --params; leave out its --arg"};
        call.positional.push_back(loadCheckpoint(in, Params, Line.span(ParamsIndex)));
        argumentNames.push_back(param.name);
        interp::forEachLeaf(call.positional.back(), [&](const std::string &, const Value &leaf) {
          if (leaf.kind == ValueKind::Tensor) ++baked;
        });
        continue;
      }
      if (spec == Specs.end()) {
        if (param.defaultValue) break; // it and the rest take their defaults
        throw CommandError{Line.span(EntryIndex), "`" + Entry + "` takes `" + param.name + "`: give its type with --arg " +
                                                      param.name + "=f32[...] (or =@CHECKPOINT for a tree)"};
      }
      call.positional.push_back(sampleOf(in, *spec));
      argumentNames.push_back(param.name);
    }
    for (const ArgSpec &a : Specs)
      if (std::find(argumentNames.begin(), argumentNames.end(), a.param) == argumentNames.end())
        throw CommandError{Line.span(a.argIndex), "`" + a.param + "` comes after a parameter left to its default; give that one too"};

    // Trace: the tracer hands over the graph and the result instead of running it.
    TracedEntry out;
    jit::AotEntry &aot = out.aot;
    bool traced = false;
    Value result;
    // An entry that runs eagerly (it needs a tensor's value) may still call functions that
    // trace: their graphs are only part of the entry's work, so the first one stops the run.
    std::string tracedInside;
    in.tracer.options.onTrace = [&](const Value &callee, const ir::Graph &graph, const Value &r) {
      if (callee.kind != ValueKind::Function || callee.closure != entry->closure) {
        tracedInside = callee.kind == ValueKind::Function ? callee.closure->name : callee.builtin->name;
        throw Captured{};
      }
      aot.graph = graph;
      result = r;
      traced = true;
      throw Captured{};
    };
    try {
      in.call(*entry, call);
    } catch (const Captured &) {
    } catch (...) {
      in.tracer.options.onTrace = nullptr;
      throw;
    }
    in.tracer.options.onTrace = nullptr;
    if (!traced)
      throw CommandError{closure.span,
                         "`" + Entry + "` did not trace to one graph: it takes no tensors, needs a tensor's value "
                         "(an `if` on one, int(x), printing it) or returns a function; " + Name + " exports traced functions only" +
                             (tracedInside.empty() ? std::string()
                                                   : " (it runs eagerly, and only `" + tracedInside + "`, which it calls, traces)"),
                         ExitCompileError};

    aot.name = Entry;
    aot.sourceFile = File;
    if (!interp::checkLabels()) aot.notes.push_back("Labels are not checked (compiled with --no-check-labels).");
    std::set<std::string> names;
    // C's keywords and the names the generated C uses itself cannot name a parameter.
    static const std::set<std::string> reserved = {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "inputs",
        "outputs", "bool", "true", "false", "NULL"};
    auto uniqueName = [&](const std::string &path) {
      std::string name = jit::cIdentifier(path);
      if (reserved.count(name)) name += "_";
      std::string base = name;
      for (int k = 2; !names.insert(name).second; ++k) name = base + "_" + std::to_string(k);
      return name;
    };
    for (size_t a = 0; a < call.positional.size(); ++a) {
      const Value &arg = call.positional[a];
      auto add = [&](const std::string &path, const Value &leaf) {
        if (leaf.kind == ValueKind::Tensor)
          aot.inputs.push_back({path, uniqueName(path), leaf.tensor->dtype(), leaf.tensor->shape()});
      };
      if (arg.kind == ValueKind::Float) aot.inputs.push_back({argumentNames[a], uniqueName(argumentNames[a]), DType::F64, {}});
      else interp::forEachLeaf(arg, add, argumentNames[a]);
    }
    if (aot.inputs.size() != aot.graph.inputs.size())
      throw std::logic_error("the traced graph has " + std::to_string(aot.graph.inputs.size()) + " inputs for " +
                             std::to_string(aot.inputs.size()) + " argument tensors");
    if (baked) bakeLeadingInputs(out, baked, call.positional[0]);

    interp::forEachLeaf(result, [&](const std::string &path, const Value &leaf) {
      std::string shown = path.empty() ? "the result" : "`" + path + "`";
      if (leaf.kind != ValueKind::Tensor || !leaf.tensor->isTraced())
        throw CommandError{closure.span, "the result of `" + Entry + "` holds " + interp::typeName(leaf) + " at " + shown +
                                             "; the C ABI returns tensors only", ExitCompileError};
      auto at = std::find(aot.graph.outputs.begin(), aot.graph.outputs.end(), leaf.tensor->tracedNode());
      std::string full = path.empty() ? "out" : "out." + path;
      aot.outputs.push_back({full, uniqueName(full), leaf.tensor->dtype(), leaf.tensor->shape()});
      aot.outputOf.push_back(static_cast<size_t>(at - aot.graph.outputs.begin()));
    }, "");
    if (aot.outputs.empty()) throw CommandError{closure.span, "`" + Entry + "` returns no tensors", ExitCompileError};

    out.paramsFile = Params;
    out.output = Output;
    return out;
  }

  /// The first `count` inputs (the leaves of --params) become literals holding its tensors.
  void bakeLeadingInputs(TracedEntry &out, size_t count, const Value &params) {
    jit::AotEntry &aot = out.aot;
    std::vector<std::shared_ptr<const Tensor>> tensors;
    interp::forEachLeaf(params, [&](const std::string &, const Value &leaf) {
      if (leaf.kind == ValueKind::Tensor) tensors.push_back(leaf.tensor);
    });
    ir::Graph &g = aot.graph;
    for (size_t i = 0; i < count; ++i) {
      ir::Node &node = g.nodes[g.inputs[i]];
      node.op = ir::Op::Literal;
      node.attrs.literal = tensors[i];
      out.bakedPaths[g.inputs[i]] = aot.inputs[i].path;
    }
    g.inputs.erase(g.inputs.begin(), g.inputs.begin() + static_cast<std::ptrdiff_t>(count));
    for (int id : g.inputs) g.nodes[id].attrs.index -= static_cast<int64_t>(count);
    aot.inputs.erase(aot.inputs.begin(), aot.inputs.begin() + static_cast<std::ptrdiff_t>(count));
    aot.notes.push_back("The parameters are baked in from " + Params + " (" + std::to_string(count) + " tensors).");
  }
};

} // namespace

int runEntryCommand(const EntryCommand &command, const std::vector<std::string> &args, bool color) {
  return EntryTracer(command, args, color).run();
}

} // namespace zy::driver

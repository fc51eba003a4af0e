// Host.cpp: the helpers of Host.h, shared by the C++ API and the Python module.
#include "embed/Host.h"

#include "support/Diagnostics.h"
#include "support/LargeStack.h"
#include "syntax/Parser.h"

#include <algorithm>

namespace zy::embed {

using interp::Value;
using interp::ValueKind;

HostError::HostError(const std::string &message) {
  failure.message = message;
  failure.rendered = "error: " + message + "\n";
}

Failure failureOf(const Diagnostic &diagnostic, bool runtime) {
  Failure f;
  f.status = runtime ? 2 : 1;
  f.rendered = render(diagnostic);
  f.message = diagnostic.message;
  if (diagnostic.span.valid()) {
    f.file = diagnostic.span.file->name();
    LineCol at = diagnostic.span.file->lineCol(diagnostic.span.begin);
    f.line = at.line;
    f.column = at.col;
  }
  return f;
}

std::optional<Failure> run(const std::function<void()> &body) {
  std::optional<Failure> failure;
  runWithLargeStack([&] {
    try {
      body();
    } catch (const interp::ZyError &e) {
      failure = failureOf(e.diagnostic, e.runtime);
    } catch (const HostError &e) {
      failure = e.failure;
    } catch (const std::bad_alloc &) {
      failure = Failure{2, "error: out of memory\n", "out of memory", "", 0, 0};
    } catch (const std::exception &e) {
      std::string message = std::string("internal compiler error: ") + e.what();
      failure = Failure{2, message + "\n", message, "", 0, 0};
    }
    return 0;
  });
  return failure;
}

std::shared_ptr<const interp::ModuleData> loadModule(interp::Interpreter &in, const std::string &path) {
  // Parsed here first, so the error lists every syntax error, not only the first.
  std::string problem;
  auto source = SourceFile::load(path, problem);
  if (!source) throw HostError(problem);
  Diagnostics diags;
  if (!parseModule(*source, diags)) {
    HostError error("");
    for (const Diagnostic &d : diags.all())
      if (d.severity == Severity::Error) {
        error.failure = failureOf(d, false);
        break;
      }
    error.failure.rendered = renderAll(diags);
    throw error;
  }
  return in.loadModule(path);
}

std::vector<std::string> functionNames(const interp::ModuleData &module) {
  std::vector<std::string> names;
  for (const auto &[key, value] : module.globals->vars)
    if (isCallable(value)) names.push_back(key);
  std::sort(names.begin(), names.end());
  return names;
}

bool isCallable(const Value &value) {
  return value.kind == ValueKind::Function || value.kind == ValueKind::Builtin || value.kind == ValueKind::BoundMethod;
}

Value functionOf(const interp::ModuleData &module, const std::string &path, const std::string &name) {
  auto &vars = module.globals->vars;
  auto it = vars.find(name);
  if (it == vars.end()) {
    std::string functions;
    for (const std::string &n : functionNames(module)) functions += (functions.empty() ? "" : ", ") + n;
    throw HostError("`" + path + "` has no function `" + name + "`" + (functions.empty() ? "" : " (it has " + functions + ")"));
  }
  if (!isCallable(it->second))
    throw HostError("`" + name + "` in `" + path + "` is a " + interp::typeName(it->second) + ", not a function");
  return it->second;
}

namespace {

/// Runs `body`, a call the host makes to `fn`. The call has no source, so an error
/// about the call itself (a missing argument, one too many) has no location: it gets
/// the function's definition.
Value locatedAtDefinition(const Value &fn, const std::function<Value()> &body) {
  try {
    return body();
  } catch (interp::ZyError &e) {
    if (!e.diagnostic.span.valid() && fn.kind == ValueKind::Function) e.diagnostic.span = fn.closure->span;
    throw;
  }
}

} // namespace

Value callFunction(interp::Interpreter &in, const Value &fn, interp::CallArgs args) {
  args.positionalSpans.resize(args.positional.size());
  return locatedAtDefinition(fn, [&] { return in.call(fn, args); });
}

Value callPrelude(interp::Interpreter &in, const std::string &name, interp::CallArgs args) {
  Value *fn = in.preludeLookup(name);
  if (!fn) throw HostError("the standard library lacks `" + name + "`");
  args.positionalSpans.resize(args.positional.size());
  return in.call(*fn, args);
}

Value initParams(interp::Interpreter &in, const Value &fn, uint32_t seed, interp::CallArgs samples) {
  // init(fn, random.key(seed), samples...), with the prelude's own functions.
  Value *random = in.preludeLookup("random");
  Value *makeKey = random ? random->module->globals->lookup("key") : nullptr;
  if (!makeKey) throw HostError("the standard library lacks random.key");
  interp::CallArgs keyArgs;
  keyArgs.positional.push_back(Value::integer(seed));
  samples.positional.insert(samples.positional.begin(), {fn, in.call(*makeKey, keyArgs)});
  return locatedAtDefinition(fn, [&] { return callPrelude(in, "init", std::move(samples)); });
}

} // namespace zy::embed

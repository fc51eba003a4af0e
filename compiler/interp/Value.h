// Value.h: the values of Zy programs as the interpreter holds them.
//
// Static values (none, bool, int, float, str, lists, tuples, records, functions, keys) and
// tensors. Values are immutable and cheap to copy: aggregates share their contents.
// Trees (params, gradients, optimizer state) are nested records, lists and tuples whose
// leaves are tensors; a record or list reached through a params path remembers that path,
// so errors can name `encoder.layers.0.w` in full.
#pragma once

#include "interp/Collector.h"
#include "ir/Tensor.h"
#include "syntax/Ast.h"

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace zy::interp {

class Interpreter;
struct Value;
struct Env;
struct ProgressState; // Progress.h

enum class ValueKind {
  None, Bool, Int, Float, Str, List, Tuple, Record, Function, Builtin, Tensor, Key, Module, Init,
  ParamsView, // inside init(): the not-yet-built params tree at `path` (see Params.cpp)
  BoundMethod, // `x.reshape`: a builtin with its first argument bound (in `items[0]`)
  At,          // `x.at` (tensor), `x.at[i]` (and the positions reached, in `items[0]`): IndexedUpdate.h
  Unknown      // a variable whose value a check cannot know (interp/Check.h); never read
};

/// A record: fields in the order they were created.
struct RecordData {
  std::vector<std::pair<std::string, Value>> fields;
  const Value *find(const std::string &name) const;
};

/// A user function or lambda with the environment it closes over.
struct Closure {
  std::string name;                       // "<lambda>" for lambdas
  const std::vector<ast::Param> *params;
  const ast::Expr *body;
  std::shared_ptr<Env> env;
  Span span;
  const ast::Type *returnType = nullptr; // `-> f32[B, 10]`, checked on return
};

struct CallArgs;
/// A function written in C++ (the prelude's primitives, random.*, tree.*).
struct Builtin {
  std::string name;
  std::function<Value(Interpreter &, CallArgs &)> fn;
  /// Non-empty for builtins whose calls are traced and cached like user functions
  /// (grad(f) and friends); equal keys mean the same computation.
  std::string cacheKey;
  /// False for a builtin made from a closure (grad of a lambda): what it computes can
  /// change with the closure's variables, so calls involving it are not cached.
  bool pure = true;
  /// When given and true for a call's arguments, that call runs as host code even though
  /// the builtin is traced otherwise (vmap over random keys runs f once per key).
  std::function<bool(const CallArgs &)> runsOnHost;
};

/// A module: a file's (or a stdlib namespace's) top-level names.
struct ModuleData {
  std::string name;
  std::shared_ptr<Env> globals;
};

/// What `glorot([n, m])` evaluates to on the right of `~`: an initialiser and its
/// arguments, materialised by init() with a key derived from the parameter's path.
struct InitSpec {
  std::string name;        // "glorot", "zeros", ..., or "value" for a ready tensor
  Shape shape;
  DType dtype = DType::F32;
  std::map<std::string, double> options; // std, scale, lo, hi, value
  std::shared_ptr<const Tensor> value;   // for "value"
  bool trainable = true;                 // false for state(...)
};

/// Lists, tuples and records nest at most this deep, so that printing, comparing and
/// freeing them (all recursive) cannot exhaust the stack; deeper is ValueTooDeep, which
/// the interpreter reports at the statement that built it.
constexpr uint16_t MaxValueDepth = 10000;
struct ValueTooDeep : std::runtime_error {
  ValueTooDeep()
      : std::runtime_error("this value would nest lists, tuples or records more than " +
                           std::to_string(MaxValueDepth) + " deep") {}
};

struct Value {
  ValueKind kind = ValueKind::None;
  bool b = false;
  uint16_t depth = 0; // of lists, tuples and records (MaxValueDepth)
  int64_t i = 0;
  double f = 0;
  std::array<uint32_t, 2> key{}; // a Key's two words; for a traced key, `tensor` holds them
  std::shared_ptr<const std::string> str;
  std::shared_ptr<const std::vector<Value>> items; // List, Tuple
  std::shared_ptr<const RecordData> record;
  std::shared_ptr<const Closure> closure;
  std::shared_ptr<const Builtin> builtin;
  std::shared_ptr<const Tensor> tensor;
  std::shared_ptr<const ModuleData> module;
  std::shared_ptr<const InitSpec> init;
  std::string path;   // for records, lists and tensors reached through a params tree
  bool state = false; // a tensor leaf declared with state(...): no gradient, no update
  bool weak = false;  // a traced f64 scalar standing for a host float (see Tracer.cpp)
  bool fromHostFloats = false; // a traced scalar computed from host floats alone (`rate == 0.0`)
  // A list from progress(xs): its label and the metrics `bar.set(...)` reports (Progress.h).
  // Shared and mutable on purpose: the `for` that draws the bar and the loop body that
  // sets a metric hold the same list.
  std::shared_ptr<ProgressState> progress;

  static Value none() { return {}; }
  static Value boolean(bool v) { Value x; x.kind = ValueKind::Bool; x.b = v; return x; }
  static Value integer(int64_t v) { Value x; x.kind = ValueKind::Int; x.i = v; return x; }
  static Value real(double v) { Value x; x.kind = ValueKind::Float; x.f = v; return x; }
  static Value string(std::string v);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value makeRecord(std::vector<std::pair<std::string, Value>> fields);
  static Value fromTensor(Tensor t);
  static Value randomKey(uint32_t k0, uint32_t k1);
  /// A key whose words are a traced i32[2] tensor: a key passed to a traced function,
  /// known only when its graph runs (its draws become random ops of the graph).
  static Value tracedKey(Tensor words);
  bool isTracedKey() const { return kind == ValueKind::Key && tensor; }
  static Value makeBuiltin(std::string name, std::function<Value(Interpreter &, CallArgs &)> fn);

  bool isNumber() const { return kind == ValueKind::Int || kind == ValueKind::Float || kind == ValueKind::Bool; }
  bool isSequence() const { return kind == ValueKind::List || kind == ValueKind::Tuple; }
  double number() const { return kind == ValueKind::Float ? f : kind == ValueKind::Int ? double(i) : double(b); }
};

/// True if a tensor sits anywhere in `v` (records, lists and tuples included).
bool holdsTensor(const Value &v);
/// A tree path one level down: joinPath("encoder", "w") == "encoder.w".
inline std::string joinPath(const std::string &path, const std::string &key) { return path.empty() ? key : path + "." + key; }

/// The name of a value's type for messages: "int", "list", "f32[2, 3]".
std::string typeName(const Value &v);
/// A value's type with its structure: "f32[2, 3]", "{w: f32[3, 4], b: f32[4]}",
/// "(int, str)", "fn f(x, y: f32[N])": what the REPL's `:type` shows.
std::string describeType(const Value &v);
/// The text `print` and `str` show.
std::string toDisplayString(const Value &v);
/// Structural equality of static values (tensors compare by identity of contents).
bool staticEquals(const Value &a, const Value &b);

/// A lexical scope. Scopes under an interpreter's prelude are registered with its
/// EnvRegistry, whose collector frees the ones only closure cycles keep (Collector.h).
struct Env : std::enable_shared_from_this<Env> {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Env> parent;
  /// The scope of a function call's parameters: rebinding (`x = e`) does not reach past
  /// it, so a closure cannot change its enclosing function's variables (functions stay
  /// pure, and a traced call means the same as an eager one).
  bool functionScope = false;
  /// A module's top level: its functions' traces can be cached, since nothing rebinds
  /// what they capture.
  bool moduleScope = false;
  /// The block or call that made this scope has ended, so nothing can rebind its
  /// variables any more: a closure whose scopes up to the module's have all ended
  /// (an optimizer's update, say) means the same at every call, and can be traced.
  bool finished = false;

  std::shared_ptr<EnvRegistry> registry; // inherited from the parent
  Env *prevLive = nullptr, *nextLive = nullptr;

  explicit Env(std::shared_ptr<Env> p = nullptr) : parent(std::move(p)) {
    if (parent && parent->registry) {
      registry = parent->registry;
      registry->link(this);
    }
  }
  /// A root scope that starts a registry (the prelude).
  explicit Env(std::shared_ptr<EnvRegistry> r) : registry(std::move(r)) { registry->link(this); }
  ~Env() {
    if (registry) registry->unlink(this);
  }
  Env(const Env &) = delete;
  Env &operator=(const Env &) = delete;
  Value *lookup(const std::string &name);
  /// The binding `x = e` may rebind: the nearest `x` within the current function, or
  /// null; `outside` is set when `x` exists only beyond it.
  Value *lookupForRebinding(const std::string &name, bool &outside);
  void define(const std::string &name, Value v) { vars[name] = std::move(v); }
  /// Defines a builtin function under its own name.
  void defineBuiltin(const std::string &name, std::function<Value(Interpreter &, CallArgs &)> fn);
};

/// The arguments of a call, as a builtin receives them.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
  Span span;                       // the call
  std::vector<Span> positionalSpans;
  const std::string *name = nullptr; // the function's name, for messages
};

} // namespace zy::interp

// Embed.cpp: the embedding API of include/zy/zy.hpp over the interpreter.
//
// Each api type wraps its internal counterpart: a Session an Interpreter, a Module the
// loaded ModuleData, a Value an interp::Value (holding the session alive when it came
// from one), a Tensor a copy of the elements. Every operation that runs Zy code goes
// through embed/Host.h (a large stack, every error caught), shared with the Python module,
// and turns its failure into an api::Error carrying the rendered diagnostic.
#define ZY_EMBED_IMPLEMENTATION
#include "zy/zy.hpp"

#include "embed/Host.h"
#include "interp/Interpreter.h"
#include "jit/Jit.h"
#include "support/LargeStack.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

namespace zy::api {

namespace detail {

struct ValueBox {
  interp::Value value;
  std::shared_ptr<SessionState> owner; // null for values the host built
};

struct SessionState {
  interp::Interpreter interpreter;

  // Value's box is private to it; this is the one place that opens it.
  static Value wrap(interp::Value v, std::shared_ptr<SessionState> owner) {
    return Value(std::make_shared<const ValueBox>(ValueBox{std::move(v), std::move(owner)}));
  }
  static const interp::Value &unwrap(const Value &v) { return v.Box->value; }
};

struct ModuleBox {
  std::shared_ptr<const interp::ModuleData> module;
  std::string path;
};

} // namespace detail

namespace {

using interp::ValueKind;

zy::DType toInternal(DType d) {
  switch (d) {
  case DType::Bool: return zy::DType::Bool;
  case DType::I32: return zy::DType::I32;
  case DType::F32: return zy::DType::F32;
  case DType::F64: return zy::DType::F64;
  }
  return zy::DType::F32;
}

DType fromInternal(zy::DType d) {
  switch (d) {
  case zy::DType::Bool: return DType::Bool;
  case zy::DType::I32: return DType::I32;
  case zy::DType::F32: return DType::F32;
  case zy::DType::F64: return DType::F64;
  }
  return DType::F32;
}

zy::Tensor toInternal(const Tensor &t) {
  zy::Tensor out(toInternal(t.dtype()), zy::Shape(t.shape().begin(), t.shape().end()));
  std::memcpy(out.mutableData<unsigned char>(), t.data(), static_cast<size_t>(t.size()) * dtypeSize(t.dtype()));
  return out;
}

Tensor fromInternal(const zy::Tensor &t) {
  return Tensor(fromInternal(t.dtype()), std::vector<int64_t>(t.shape().begin(), t.shape().end()),
                t.data<unsigned char>());
}

/// Runs `body` on a large stack (embed/Host.h), its failure as an Error.
template <typename T> Result<T> guarded(const std::function<Result<T>()> &body) {
  std::optional<Result<T>> result;
  if (std::optional<embed::Failure> failure = embed::run([&] { result.emplace(body()); }))
    return Error{failure->status, failure->rendered};
  return std::move(*result);
}

Error simpleError(const std::string &message) { return Error{1, "error: " + message + "\n"}; }

} // namespace

const char *dtypeName(DType dtype) { return zy::dtypeName(toInternal(dtype)); }
size_t dtypeSize(DType dtype) { return zy::dtypeSize(toInternal(dtype)); }

// ---------------------------------------------------------------- Tensor

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, const void *data) : Dtype(dtype), Shape(std::move(shape)) {
  for (int64_t d : Shape)
    if (d < 0) throw std::invalid_argument("zy::Tensor: a negative dimension");
  Bytes.resize(static_cast<size_t>(size()) * dtypeSize(dtype));
  if (!Bytes.empty()) std::memcpy(Bytes.data(), data, Bytes.size());
}

template <typename T> static Tensor fromValues(DType dtype, std::vector<int64_t> shape, const std::vector<T> &values) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  if (count != static_cast<int64_t>(values.size()))
    throw std::invalid_argument("zy::Tensor: " + std::to_string(values.size()) + " values for " +
                                std::to_string(count) + " elements");
  return Tensor(dtype, std::move(shape), values.data());
}

Tensor Tensor::f32(std::vector<int64_t> shape, const std::vector<float> &values) {
  return fromValues(DType::F32, std::move(shape), values);
}
Tensor Tensor::f64(std::vector<int64_t> shape, const std::vector<double> &values) {
  return fromValues(DType::F64, std::move(shape), values);
}
Tensor Tensor::i32(std::vector<int64_t> shape, const std::vector<int32_t> &values) {
  return fromValues(DType::I32, std::move(shape), values);
}

int64_t Tensor::size() const {
  int64_t count = 1;
  for (int64_t d : Shape) count *= d;
  return count;
}

void Tensor::checkElementType(DType wanted) const {
  if (wanted != Dtype)
    throw std::logic_error(std::string("zy::Tensor::data<T>: T does not match the dtype ") + dtypeName(Dtype));
}

double Tensor::at(int64_t flat) const {
  if (flat < 0 || flat >= size()) throw std::out_of_range("zy::Tensor::at: element " + std::to_string(flat));
  const unsigned char *p = Bytes.data() + static_cast<size_t>(flat) * dtypeSize(Dtype);
  switch (Dtype) {
  case DType::Bool: return *p ? 1 : 0;
  case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
  case DType::F32: { float v; std::memcpy(&v, p, 4); return v; }
  case DType::F64: { double v; std::memcpy(&v, p, 8); return v; }
  }
  return 0;
}

std::string Tensor::toString() const { return toInternal(*this).toString(); }

// ---------------------------------------------------------------- Value

namespace {

using detail::SessionState;

Value hostValue(interp::Value v) { return SessionState::wrap(std::move(v), nullptr); }

std::vector<interp::Value> unwrapAll(const std::vector<Value> &values) {
  std::vector<interp::Value> out;
  for (const Value &v : values) out.push_back(SessionState::unwrap(v));
  return out;
}

} // namespace

Value::Value() : Box(SessionState::wrap(interp::Value::none(), nullptr).Box) {}
Value::Value(Tensor tensor) : Box(hostValue(interp::Value::fromTensor(toInternal(tensor))).Box) {}
Value::Value(double number) : Box(hostValue(interp::Value::real(number)).Box) {}
Value::Value(int64_t number) : Box(hostValue(interp::Value::integer(number)).Box) {}
Value::Value(bool b) : Box(hostValue(interp::Value::boolean(b)).Box) {}
Value::Value(std::string text) : Box(hostValue(interp::Value::string(std::move(text))).Box) {}

Value Value::list(std::vector<Value> items) { return hostValue(interp::Value::list(unwrapAll(items))); }
Value Value::tuple(std::vector<Value> items) { return hostValue(interp::Value::tuple(unwrapAll(items))); }
Value Value::record(std::vector<std::pair<std::string, Value>> fields) {
  std::vector<std::pair<std::string, interp::Value>> inner;
  for (auto &[name, v] : fields) inner.emplace_back(name, SessionState::unwrap(v));
  return hostValue(interp::Value::makeRecord(std::move(inner)));
}

Value::Kind Value::kind() const {
  switch (Box->value.kind) {
  case ValueKind::None: return Kind::None;
  case ValueKind::Bool: return Kind::Bool;
  case ValueKind::Int: return Kind::Int;
  case ValueKind::Float: return Kind::Float;
  case ValueKind::Str: return Kind::Str;
  case ValueKind::List: return Kind::List;
  case ValueKind::Tuple: return Kind::Tuple;
  case ValueKind::Record: return Kind::Record;
  case ValueKind::Function:
  case ValueKind::Builtin:
  case ValueKind::BoundMethod: return Kind::Function;
  case ValueKind::Tensor: return Kind::Tensor;
  case ValueKind::Key: return Kind::Key;
  default: return Kind::Other;
  }
}

Result<Tensor> Value::tensor() const {
  const interp::Value &v = Box->value;
  if (v.kind != ValueKind::Tensor || v.tensor->isTraced())
    return simpleError("expected a tensor, got " + interp::typeName(v));
  return fromInternal(*v.tensor);
}

Result<double> Value::number() const {
  const interp::Value &v = Box->value;
  if (!v.isNumber()) return simpleError("expected a number, got " + interp::typeName(v));
  return v.number();
}

Result<Value> Value::field(const std::string &name) const {
  const interp::Value &v = Box->value;
  if (v.kind != ValueKind::Record) return simpleError("expected a record with a field `" + name + "`, got " + interp::typeName(v));
  const interp::Value *found = v.record->find(name);
  if (!found) {
    std::string known;
    for (const auto &[key, value] : v.record->fields) known += (known.empty() ? "" : ", ") + key;
    return simpleError("this record has no field `" + name + "`" + (known.empty() ? "" : " (it has " + known + ")"));
  }
  return SessionState::wrap(*found, Box->owner);
}

Result<Value> Value::item(size_t index) const {
  const interp::Value &v = Box->value;
  if (!v.isSequence()) return simpleError("expected a list or tuple, got " + interp::typeName(v));
  if (index >= v.items->size())
    return simpleError("item " + std::to_string(index) + " of a " + interp::typeName(v) + " of " +
                       std::to_string(v.items->size()));
  return SessionState::wrap((*v.items)[index], Box->owner);
}

std::vector<std::string> Value::fields() const {
  std::vector<std::string> out;
  if (Box->value.kind == ValueKind::Record)
    for (const auto &[key, value] : Box->value.record->fields) out.push_back(key);
  return out;
}

size_t Value::items() const { return Box->value.isSequence() ? Box->value.items->size() : 0; }
std::string Value::typeString() const { return interp::describeType(Box->value); }
std::string Value::toString() const { return interp::toDisplayString(Box->value); }

// ---------------------------------------------------------------- Session and Module

Session::Session(SessionOptions options) {
  // The JIT's options are the process's: the newest session's apply.
  jit::options().enabled = options.jit;
  jit::options().threads = options.threads;
  runWithLargeStack([&] {
    State = std::make_shared<SessionState>();
    return 0;
  });
}

Result<Module> Session::load(const std::string &path) {
  std::shared_ptr<SessionState> state = State;
  return guarded<Module>([&]() -> Result<Module> {
    Module m;
    m.State = state;
    m.Box = std::make_shared<const detail::ModuleBox>(detail::ModuleBox{embed::loadModule(state->interpreter, path), path});
    return m;
  });
}

namespace {

/// A default-constructed Module has no session behind it: using one is the host's
/// mistake, reported as an Error like any other rather than a null dereference.
Error notLoaded() { return simpleError("this zy::Module was not loaded: get one from Session::load"); }

} // namespace

Result<Value> Module::global(const std::string &name) const {
  if (!Box || !State) return notLoaded();
  interp::Value *v = Box->module->globals->lookup(name);
  if (!v || Box->module->globals->vars.find(name) == Box->module->globals->vars.end())
    return simpleError("`" + Box->path + "` has no top-level `" + name + "`");
  return SessionState::wrap(*v, State);
}

Result<Value> Module::call(const std::string &fn, std::vector<Value> args) const {
  if (!Box || !State) return notLoaded();
  std::shared_ptr<SessionState> state = State;
  const detail::ModuleBox &box = *Box;
  return guarded<Value>([&]() -> Result<Value> {
    interp::CallArgs call;
    call.positional = unwrapAll(args);
    interp::Value callee = embed::functionOf(*box.module, box.path, fn);
    return SessionState::wrap(embed::callFunction(state->interpreter, callee, std::move(call)), state);
  });
}

Result<Value> Module::init(const std::string &fn, uint32_t seed, std::vector<Value> samples) const {
  if (!Box || !State) return notLoaded();
  std::shared_ptr<SessionState> state = State;
  const detail::ModuleBox &box = *Box;
  return guarded<Value>([&]() -> Result<Value> {
    interp::CallArgs sampleArgs;
    sampleArgs.positional = unwrapAll(samples);
    interp::Value callee = embed::functionOf(*box.module, box.path, fn);
    return SessionState::wrap(embed::initParams(state->interpreter, callee, seed, std::move(sampleArgs)), state);
  });
}

} // namespace zy::api

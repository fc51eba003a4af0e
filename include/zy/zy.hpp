// zy.hpp: embedding Zy in a C++ program (see docs/embedding.md).
//
//   zy::Session session;
//   zy::Result<zy::Module> model = session.load("model.zy");
//   zy::Result<zy::Value> params = model.value().init("mlp", 0, {zy::Tensor::f32({1, 784}, pixels)});
//   zy::Result<zy::Value> logits = model.value().call("mlp", {params.value(), image});
//   if (!logits) std::cerr << logits.error().message;      // the rendered diagnostic
//   zy::Tensor out = logits.value().tensor().value();     // a copy the host owns
//
// The header depends on the standard library only; the compiler behind it is hidden in
// libzy. Nothing here throws for a mistake in Zy code or in the arguments: each
// operation returns a Result holding either its value or an Error with the diagnostic
// the `zy` command would print. A Session is one interpreter: use it from one thread at
// a time (make one per thread for parallel calls).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

// The API lives in zy::api and is also named from zy (zy::Tensor, zy::Session), unless
// ZY_EMBED_IMPLEMENTATION is defined (libzy's own source, where zy:: holds the compiler).
namespace zy::api {

enum class DType { Bool, I32, F32, F64 };
/// "bool", "i32", "f32", "f64".
const char *dtypeName(DType dtype);
/// Bytes per element: 1, 4, 4, 8.
size_t dtypeSize(DType dtype);

/// A dense tensor in row-major order that owns its elements (a copy of what it was made
/// from, or of a result).
class Tensor {
public:
  Tensor() = default; // an f32 scalar 0
  /// Copies size(shape) elements of `dtype` from `data`.
  Tensor(DType dtype, std::vector<int64_t> shape, const void *data);
  static Tensor f32(std::vector<int64_t> shape, const std::vector<float> &values);
  static Tensor f64(std::vector<int64_t> shape, const std::vector<double> &values);
  static Tensor i32(std::vector<int64_t> shape, const std::vector<int32_t> &values);

  DType dtype() const { return Dtype; }
  const std::vector<int64_t> &shape() const { return Shape; }
  int64_t size() const; // the number of elements
  const void *data() const { return Bytes.data(); }
  /// The elements as T, which must match dtype() (bool is uint8_t); else std::logic_error.
  template <typename T> const T *data() const {
    checkElementType(elementDType<T>());
    return reinterpret_cast<const T *>(Bytes.data());
  }
  /// Element `flat` (row-major) as a double, whatever the dtype.
  double at(int64_t flat) const;
  /// "tensor([[1, 2], [3, 4]], f32[2, 2])", as Zy prints it.
  std::string toString() const;

private:
  /// The dtype whose elements are T. Same-sized types (float, int32_t) are told apart, so
  /// data<int32_t>() of an f32 tensor is an error rather than its bits reinterpreted.
  template <typename T> static constexpr DType elementDType() {
    if constexpr (std::is_same_v<T, float>) return DType::F32;
    else if constexpr (std::is_same_v<T, double>) return DType::F64;
    else if constexpr (std::is_same_v<T, int32_t>) return DType::I32;
    else {
      static_assert(std::is_same_v<T, uint8_t>, "zy::Tensor::data<T>: T is float, double, int32_t or uint8_t");
      return DType::Bool;
    }
  }
  void checkElementType(DType wanted) const;
  DType Dtype = DType::F32;
  std::vector<int64_t> Shape;
  std::vector<unsigned char> Bytes = std::vector<unsigned char>(4, 0);
};

/// Why an operation failed: `message` is the diagnostic as `zy` renders it (file:line:col,
/// the source line with a caret, what was expected and what was found, the call chain);
/// `status` is what `zy run` would exit with: 1 a compile error (syntax, a name, a type,
/// a shape, a bad argument), 2 a runtime error (a failed assert, a missing file).
struct Error {
  int status = 1;
  std::string message;
};

/// A value or the Error that prevented it.
template <typename T> class Result {
public:
  Result(T value) : Held(std::move(value)) {}
  Result(Error error) : Held(std::move(error)) {}
  bool ok() const { return Held.index() == 0; }
  explicit operator bool() const { return ok(); }
  /// The value; std::logic_error (with the error's message) if there is none.
  const T &value() const & {
    if (!ok()) throw std::logic_error(std::get<1>(Held).message);
    return std::get<0>(Held);
  }
  T &&value() && {
    if (!ok()) throw std::logic_error(std::get<1>(Held).message);
    return std::get<0>(std::move(Held));
  }
  /// The error; std::logic_error if the operation succeeded.
  const Error &error() const {
    if (ok()) throw std::logic_error("zy::Result::error() on a success");
    return std::get<1>(Held);
  }

private:
  std::variant<T, Error> Held;
};

namespace detail {
struct ValueBox;
struct SessionState;
struct ModuleBox;
} // namespace detail

/// Any Zy value: a tensor, a number, a string, a list, a tuple, a record (a params tree),
/// a function, a random key. Values from a session are passed back to it as they are
/// (params from init() go to call()); the host builds its own from tensors and numbers.
class Value {
public:
  enum class Kind { None, Bool, Int, Float, Str, List, Tuple, Record, Function, Tensor, Key, Other };

  Value(); // none
  Value(Tensor tensor);
  Value(double number);
  Value(int number) : Value(static_cast<int64_t>(number)) {}
  Value(int64_t number);
  Value(bool b);
  Value(const char *text) : Value(std::string(text)) {}
  Value(std::string text);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value record(std::vector<std::pair<std::string, Value>> fields);

  Kind kind() const;
  /// A copy of the tensor; an Error if this is not a tensor.
  Result<Tensor> tensor() const;
  /// An int, float or bool as a double; an Error otherwise.
  Result<double> number() const;
  /// A record's field, or the item of a list or tuple; an Error if there is none.
  Result<Value> field(const std::string &name) const;
  Result<Value> item(size_t index) const;
  /// A record's field names, in order; the number of items of a list or tuple.
  std::vector<std::string> fields() const;
  size_t items() const;
  /// The type as Zy's REPL shows it: "f32[2, 3]", "{w: f32[3, 4], b: f32[4]}".
  std::string typeString() const;
  /// The value as Zy's `print` shows it.
  std::string toString() const;

private:
  friend class Module;
  friend struct detail::SessionState;
  explicit Value(std::shared_ptr<const detail::ValueBox> box) : Box(std::move(box)) {}
  std::shared_ptr<const detail::ValueBox> Box;
};

/// A loaded .zy file: its top-level functions and values.
class Module {
public:
  /// A top-level name of the file (a function, a `let`).
  Result<Value> global(const std::string &name) const;
  /// Creates the parameters of function `fn` as Zy's init(fn, random.key(seed), samples...)
  /// does: by running it once on the sample arguments. The result is a params tree.
  Result<Value> init(const std::string &fn, uint32_t seed, std::vector<Value> samples = {}) const;
  /// Calls function `fn` with `args`, traced and compiled as `zy run` does.
  Result<Value> call(const std::string &fn, std::vector<Value> args) const;

private:
  friend class Session;
  std::shared_ptr<detail::SessionState> State;
  std::shared_ptr<const detail::ModuleBox> Box;
};

struct SessionOptions {
  bool jit = true;   // false: graphs run on the reference executor
  int threads = 0;   // threads for large generated loops; 0: every core
};

/// An interpreter with the standard library loaded. Modules and values from it stay
/// valid as long as any of them (or the session) is alive.
class Session {
public:
  explicit Session(SessionOptions options = {});
  /// Loads a .zy file and everything it imports, running its top-level `let`s; every
  /// syntax error of the file is in the Error's message.
  Result<Module> load(const std::string &path);

private:
  std::shared_ptr<detail::SessionState> State;
};

} // namespace zy::api

#ifndef ZY_EMBED_IMPLEMENTATION
namespace zy {
using api::dtypeName;
using api::DType;
using api::Error;
using api::Module;
using api::Result;
using api::Session;
using api::SessionOptions;
using api::Tensor;
using api::Value;
} // namespace zy
#endif

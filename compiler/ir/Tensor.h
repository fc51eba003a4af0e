// Tensor.h: dtypes, shapes, and concrete tensors (an immutable buffer of elements).
//
// Host code and the reference executor hold tensors as Tensor: a dtype, a shape and a
// shared, immutable, row-major buffer. Copies share the buffer; ops make new tensors.
// The buffer is Zy's own, or a host's memory borrowed for as long as the tensor lives
// (a NumPy array passed from Python without a copy: compiler/python/).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace zy {

enum class DType : uint8_t { Bool, I32, F32, F64 };

const char *dtypeName(DType dtype); // "bool", "i32", "f32", "f64"
std::optional<DType> dtypeFromName(const std::string &name);
size_t dtypeSize(DType dtype);
inline bool isFloat(DType d) { return d == DType::F32 || d == DType::F64; }
/// The dtype of an operation between two tensors: bool < i32 < f32 < f64.
DType promote(DType a, DType b);

using Shape = std::vector<int64_t>;

/// "f32[2, 3]"; a scalar is "f32[]".
std::string typeString(DType dtype, const Shape &shape);
std::string shapeString(const Shape &shape); // "[2, 3]"

/// The number of elements, or nothing if a dimension is negative or the total would
/// exceed MaxTensorElements (so an impossible allocation is an error, not an OOM kill).
constexpr int64_t MaxTensorElements = int64_t(1) << 32;
std::optional<int64_t> elementCount(const Shape &shape);

/// Row-major strides of a shape, in elements.
std::vector<int64_t> stridesOf(const Shape &shape);

/// Bytes held by concrete tensors' buffers, now and at the most since the last reset:
/// what `debug.peak_memory` reports (the reference executor frees each intermediate
/// after its last use, so the peak follows the values a graph keeps alive).
struct TensorMemory {
  int64_t live = 0;
  int64_t peak = 0;
};
TensorMemory tensorMemory();
void resetTensorMemoryPeak(); // peak := live

/// Thrown when the elements of a traced tensor are read. Callers check first
/// (interp::concrete), so it is a bug in zy, reported as one rather than read as zeros;
/// except under a check (interp/Check.h), whose abstract tensors reach library code that
/// only ever sees values in a run: there it means "only known when the program runs".
struct TracedValueRead : std::logic_error {
  TracedValueRead() : std::logic_error("the value of a traced tensor was read") {}
};
[[noreturn]] void throwTracedValueRead();

class Tensor {
public:
  Tensor() = default;
  /// A tensor of zeros. The shape must have passed elementCount().
  Tensor(DType dtype, Shape shape);

  static Tensor scalar(DType dtype, double value);

  /// A tensor over `data`, memory the host owns: `owner` keeps it alive (and is released
  /// when the last copy of the tensor goes), and the host must not change it meanwhile.
  /// `data` holds size(shape) row-major elements of `dtype`, aligned for it; the shape
  /// must have passed elementCount(). It is not counted in tensorMemory().
  static Tensor borrowed(DType dtype, Shape shape, const void *data, std::shared_ptr<const void> owner);

  /// A symbolic tensor while a function is traced: node `node` of the graph being built.
  /// It has a dtype and a shape but no elements; get/set/data must not be called on it.
  static Tensor traced(DType dtype, Shape shape, int node, uint64_t trace) {
    Tensor t;
    t.Dtype = dtype;
    t.Dims = std::move(shape);
    t.Count = 1;
    for (int64_t d : t.Dims) t.Count *= d;
    t.Node = node;
    t.Trace = trace;
    return t;
  }
  bool isTraced() const { return Node >= 0; }
  int tracedNode() const { return Node; }
  /// The trace (graph being built) the node belongs to, by its unique id: a loop body
  /// traced inside a function sees the function's tensors as captures, and a tensor of
  /// a trace that has finished is caught when it is used (it escaped its function).
  uint64_t tracedOwner() const { return Trace; }
  /// Identifies the buffer (or the traced node), so a graph bakes each constant in once.
  /// It is the owner's address, not the data's: two borrowed views of one host array
  /// (say, of different shapes) are two constants.
  const void *identity() const { return Storage.get(); }

  DType dtype() const { return Dtype; }
  const Shape &shape() const { return Dims; }
  int64_t rank() const { return static_cast<int64_t>(Dims.size()); }
  int64_t size() const { return Count; }

  /// Element i (row-major) as a double; exact for every dtype Zy has.
  double get(int64_t i) const;
  /// Stores `value` rounded to the dtype (f32 rounds, i32 truncates toward zero, bool is != 0).
  /// Only for tensors being built: a tensor is immutable once shared.
  void set(int64_t i, double value);

  /// The elements; a traced tensor has none (TracedValueRead).
  template <typename T> const T *data() const {
    if (Node >= 0) [[unlikely]]
      throwTracedValueRead();
    return reinterpret_cast<const T *>(Data);
  }
  template <typename T> T *mutableData() {
    if (Node >= 0) [[unlikely]]
      throwTracedValueRead();
    return reinterpret_cast<T *>(Data);
  }

  /// NumPy-style text: "tensor([[1, 2], [3, 4]], i32[2, 2])", long tensors elided with "...".
  std::string toString() const;

private:
  DType Dtype = DType::F32;
  Shape Dims;
  int64_t Count = 1;
  std::shared_ptr<const void> Storage; // keeps Data alive: Zy's counted buffer, or a host's owner
  uint8_t *Data = nullptr;
  int Node = -1;               // >= 0: traced (see traced())
  uint64_t Trace = 0; // the id of the trace it belongs to
};

} // namespace zy

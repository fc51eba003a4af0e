// Tensor.cpp: dtypes, shapes, and the concrete Tensor: storage, element access, printing.
//
// Elements are stored row-major in their dtype's C type (bool as uint8_t, i32 as int32_t,
// f32 as float, f64 as double) and read and written as double, which holds every value
// of every dtype exactly, so kernels can compute in double and round once on store.
#include "ir/Tensor.h"

#include <atomic>
#include "runtime/Print.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace zy {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::Bool: return "bool";
  case DType::I32: return "i32";
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  }
  return "?";
}

std::optional<DType> dtypeFromName(const std::string &name) {
  for (DType d : {DType::Bool, DType::I32, DType::F32, DType::F64})
    if (name == dtypeName(d)) return d;
  return std::nullopt;
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::Bool: return 1;
  case DType::I32: return 4;
  case DType::F32: return 4;
  case DType::F64: return 8;
  }
  return 1;
}

// The enum is declared in promotion order, so the larger one wins.
DType promote(DType a, DType b) { return a < b ? b : a; }

std::string shapeString(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string typeString(DType dtype, const Shape &shape) { return dtypeName(dtype) + shapeString(shape); }

// Every dimension is also capped at MaxTensorElements, even when another is zero: then
// sums of a few dimensions or offsets in shape rules can never overflow int64.
std::optional<int64_t> elementCount(const Shape &shape) {
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0 || d > MaxTensorElements) return std::nullopt;
    if (d == 0) empty = true;
  }
  if (empty) return 0;
  int64_t total = 1;
  for (int64_t d : shape) {
    if (total > MaxTensorElements / d) return std::nullopt; // total * d would exceed the cap
    total *= d;
  }
  return total;
}

std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

namespace {

std::atomic<int64_t> LiveBytes{0}, PeakBytes{0};

/// A buffer that counts itself in LiveBytes while it exists.
struct CountedBuffer {
  std::vector<uint8_t> bytes;
  explicit CountedBuffer(size_t n) : bytes(n) {
    int64_t live = LiveBytes.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed) + static_cast<int64_t>(n);
    int64_t peak = PeakBytes.load(std::memory_order_relaxed);
    while (live > peak && !PeakBytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
    }
  }
  ~CountedBuffer() { LiveBytes.fetch_sub(static_cast<int64_t>(bytes.size()), std::memory_order_relaxed); }
  CountedBuffer(const CountedBuffer &) = delete;
  CountedBuffer &operator=(const CountedBuffer &) = delete;
};

} // namespace

TensorMemory tensorMemory() { return {LiveBytes.load(), PeakBytes.load()}; }
void resetTensorMemoryPeak() { PeakBytes.store(LiveBytes.load()); }

Tensor::Tensor(DType dtype, Shape shape) : Dtype(dtype), Dims(std::move(shape)) {
  std::optional<int64_t> count = elementCount(Dims);
  if (!count) throw std::invalid_argument("cannot make a tensor of type " + typeString(Dtype, Dims));
  Count = *count;
  auto buffer = std::make_shared<CountedBuffer>(static_cast<size_t>(Count) * dtypeSize(Dtype));
  Data = buffer->bytes.data();
  Storage = std::move(buffer);
}

Tensor Tensor::borrowed(DType dtype, Shape shape, const void *data, std::shared_ptr<const void> owner) {
  Tensor t;
  t.Dtype = dtype;
  t.Dims = std::move(shape);
  std::optional<int64_t> count = elementCount(t.Dims);
  if (!count) throw std::invalid_argument("cannot make a tensor of type " + typeString(dtype, t.Dims));
  t.Count = *count;
  // Zy never writes a shared tensor (set and mutableData are for tensors being built),
  // so the const is only cast away to share the member with Zy's own buffers.
  t.Data = static_cast<uint8_t *>(const_cast<void *>(data));
  t.Storage = std::move(owner);
  return t;
}

Tensor Tensor::scalar(DType dtype, double value) {
  Tensor t(dtype, {});
  t.set(0, value);
  return t;
}

void throwTracedValueRead() { throw TracedValueRead(); }

double Tensor::get(int64_t i) const {
  if (Node >= 0) throwTracedValueRead();
  if (!Storage) return 0; // a default-constructed tensor reads as the scalar 0
  switch (Dtype) {
  case DType::Bool: return data<uint8_t>()[i] ? 1.0 : 0.0;
  case DType::I32: return data<int32_t>()[i];
  case DType::F32: return data<float>()[i];
  case DType::F64: return data<double>()[i];
  }
  return 0;
}

void Tensor::set(int64_t i, double value) {
  if (!Storage) *this = Tensor(Dtype, Dims); // a default-constructed tensor gets its buffer
  switch (Dtype) {
  case DType::Bool: mutableData<uint8_t>()[i] = value != 0; break;
  case DType::I32: {
    // Truncate toward zero and saturate, so no double -> int conversion is undefined.
    double v = std::isnan(value) ? 0 : std::trunc(value);
    v = std::fmin(std::fmax(v, double(std::numeric_limits<int32_t>::min())),
                  double(std::numeric_limits<int32_t>::max()));
    mutableData<int32_t>()[i] = static_cast<int32_t>(v);
    break;
  }
  case DType::F32: mutableData<float>()[i] = static_cast<float>(value); break;
  case DType::F64: mutableData<double>()[i] = value; break;
  }
}

// ---------------------------------------------------------------- printing

// The format is the runtime's (runtime/Print.h), shared with debug.print in compiled code.
std::string Tensor::toString() const {
  std::string out;
  ZyRtTensor view{static_cast<int>(Dtype), static_cast<int>(Dims.size()), Dims.data(), Data};
  zy_rt_format_tensor(&view, [](void *context, const char *text, size_t length) { static_cast<std::string *>(context)->append(text, length); }, &out);
  return out;
}

} // namespace zy

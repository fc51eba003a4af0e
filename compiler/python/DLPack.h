// DLPack.h: the DLPack ABI (https://dmlc.github.io/dlpack/, v0.8, unversioned), the few
// structs a producer fills so that torch.from_dlpack and numpy.from_dlpack can view a Zy
// tensor without a copy. Debian has no dlpack package; the layout is a stable C ABI.
#pragma once

#include <cstdint>

namespace zy::python::dlpack {

enum DeviceType : int32_t { CPU = 1 };
enum TypeCode : uint8_t { Int = 0, UInt = 1, Float = 2 };

struct Device {
  int32_t device_type;
  int32_t device_id;
};

struct DataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};

struct Tensor {
  void *data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t *shape;
  int64_t *strides; // null: compact and row-major
  uint64_t byte_offset;
};

/// What the "dltensor" capsule holds; the consumer calls `deleter` when done with it.
struct ManagedTensor {
  Tensor dl_tensor;
  void *manager_ctx;
  void (*deleter)(ManagedTensor *self);
};

} // namespace zy::python::dlpack

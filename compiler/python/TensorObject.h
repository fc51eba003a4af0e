// TensorObject.h: zy.Tensor, a Zy tensor held by Python, and the NumPy arrays over it.
//
// A tensor Zy returns comes out as a read-only NumPy array viewing Zy's buffer; the
// array's base is a zy.Tensor, which keeps the buffer alive and offers it to other
// libraries without a copy: the buffer protocol, DLPack (__dlpack__, __dlpack_device__:
// torch.from_dlpack, numpy.from_dlpack) and __array__. Read-only because Zy's tensors are
// immutable and may be shared (a module's constant, a leaf returned unchanged).
#pragma once

#include "ir/Tensor.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>

namespace zy::python {

namespace py = pybind11;

/// What a zy.Tensor holds.
struct TensorHandle {
  std::shared_ptr<const Tensor> tensor;
  bool state = false; // a leaf declared with state(...): it goes back into Zy as one
};

/// A read-only NumPy array viewing `tensor`, its base a new zy.Tensor holding it.
py::array arrayOf(std::shared_ptr<const Tensor> tensor, bool state);

/// The NumPy dtype of a Zy dtype (bool, int32, float32, float64).
py::dtype numpyDType(DType dtype);

/// Defines zy.Tensor in module `m`.
void defineTensor(py::module_ &m);

} // namespace zy::python

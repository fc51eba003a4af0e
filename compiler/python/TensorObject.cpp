// TensorObject.cpp: zy.Tensor's protocols, and NumPy views of Zy tensors (TensorObject.h).
#include "python/TensorObject.h"

#include "python/DLPack.h"

#include <vector>

namespace zy::python {

namespace {

const char *bufferFormat(DType dtype) {
  switch (dtype) {
  case DType::Bool: return "?";
  case DType::I32: return "i";
  case DType::F32: return "f";
  case DType::F64: return "d";
  }
  return "f";
}

/// The elements' address; an empty tensor may have none, and NumPy and the buffer
/// protocol want one even for no elements.
void *dataOf(const Tensor &t) {
  static uint64_t none = 0;
  const void *p = t.data<uint8_t>();
  return const_cast<void *>(p ? p : &none);
}

std::vector<py::ssize_t> byteStrides(const Tensor &t) {
  std::vector<py::ssize_t> strides;
  for (int64_t s : stridesOf(t.shape())) strides.push_back(static_cast<py::ssize_t>(s * dtypeSize(t.dtype())));
  return strides;
}

py::array viewOf(py::object handle) {
  const Tensor &t = *handle.cast<TensorHandle &>().tensor;
  py::array a(numpyDType(t.dtype()), std::vector<py::ssize_t>(t.shape().begin(), t.shape().end()), byteStrides(t),
              dataOf(t), handle);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

// ------------------------------------------------------------------ DLPack

/// A DLPack export: the tensor kept alive until the consumer calls the deleter.
struct Export {
  dlpack::ManagedTensor managed;
  std::shared_ptr<const Tensor> tensor;
  std::vector<int64_t> shape;
};

void deleteExport(dlpack::ManagedTensor *self) { delete static_cast<Export *>(self->manager_ctx); }

/// A capsule nobody consumed (renamed "used_dltensor") still owns its export.
void deleteUnusedCapsule(PyObject *capsule) {
  if (!PyCapsule_IsValid(capsule, "dltensor")) return;
  auto *managed = static_cast<dlpack::ManagedTensor *>(PyCapsule_GetPointer(capsule, "dltensor"));
  managed->deleter(managed);
}

dlpack::DataType dlpackType(DType dtype) {
  switch (dtype) {
  // Bytes of 0 and 1 as uint8: DLPack's bool code (6) is newer than the consumers of
  // Debian 12 (PyTorch 1.13, NumPy 1.24 refuse it), which export their own bools so.
  case DType::Bool: return {dlpack::UInt, 8, 1};
  case DType::I32: return {dlpack::Int, 32, 1};
  case DType::F32: return {dlpack::Float, 32, 1};
  case DType::F64: return {dlpack::Float, 64, 1};
  }
  return {dlpack::Float, 32, 1};
}

py::capsule toDLPack(const TensorHandle &h) {
  auto *e = new Export;
  e->tensor = h.tensor;
  e->shape.assign(h.tensor->shape().begin(), h.tensor->shape().end());
  dlpack::Tensor &t = e->managed.dl_tensor;
  t.data = dataOf(*h.tensor);
  t.device = {dlpack::CPU, 0};
  t.ndim = static_cast<int32_t>(e->shape.size());
  t.dtype = dlpackType(h.tensor->dtype());
  t.shape = e->shape.data();
  t.strides = nullptr;
  t.byte_offset = 0;
  e->managed.manager_ctx = e;
  e->managed.deleter = deleteExport;
  PyObject *capsule = PyCapsule_New(&e->managed, "dltensor", deleteUnusedCapsule);
  if (!capsule) {
    delete e;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(capsule);
}

} // namespace

py::dtype numpyDType(DType dtype) { return py::dtype(bufferFormat(dtype)); }

py::array arrayOf(std::shared_ptr<const Tensor> tensor, bool state) {
  return viewOf(py::cast(TensorHandle{std::move(tensor), state}));
}

void defineTensor(py::module_ &m) {
  py::class_<TensorHandle>(m, "Tensor", py::buffer_protocol(), R"(A tensor Zy made, held for Python.

Arrays Zy returns are read-only NumPy views whose .base is a zy.Tensor. It offers the
buffer without a copy: the buffer protocol (memoryview, numpy.asarray), DLPack
(torch.from_dlpack, numpy.from_dlpack) and __array__.)")
      .def_buffer([](const TensorHandle &h) {
        const Tensor &t = *h.tensor;
        return py::buffer_info(dataOf(t), static_cast<py::ssize_t>(dtypeSize(t.dtype())), bufferFormat(t.dtype()),
                               static_cast<py::ssize_t>(t.rank()),
                               std::vector<py::ssize_t>(t.shape().begin(), t.shape().end()), byteStrides(t),
                               /*readonly=*/true);
      })
      .def_property_readonly("shape", [](const TensorHandle &h) {
        py::tuple shape(h.tensor->rank());
        for (int64_t i = 0; i < h.tensor->rank(); ++i) shape[i] = h.tensor->shape()[i];
        return shape;
      })
      .def_property_readonly("dtype", [](const TensorHandle &h) { return numpyDType(h.tensor->dtype()); })
      .def_property_readonly("state", [](const TensorHandle &h) { return h.state; },
                             "True for a leaf declared with state(...) (no gradient, no update)")
      .def("numpy", [](py::object self) { return viewOf(self); }, "A read-only NumPy view of the tensor (no copy).")
      .def(
          "__array__",
          [](py::object self, py::object dtype, py::object copy) {
            py::array view = viewOf(self);
            if (!dtype.is_none()) return py::array(view.attr("astype")(dtype));
            if (!copy.is_none() && copy.cast<bool>()) return py::array(view.attr("copy")());
            return view;
          },
          py::arg("dtype") = py::none(), py::arg("copy") = py::none())
      .def(
          "__dlpack__",
          [](const TensorHandle &h, py::object, py::kwargs) {
            // CPU memory: no stream to synchronise with. Newer keywords (max_version,
            // dl_device, copy) are accepted and get the unversioned capsule, which the
            // standard allows a producer to return.
            return toDLPack(h);
          },
          py::arg("stream") = py::none())
      .def("__dlpack_device__", [](const TensorHandle &) { return py::make_tuple(int(dlpack::CPU), 0); })
      .def("__repr__", [](const TensorHandle &h) { return h.tensor->toString(); });
}

} // namespace zy::python

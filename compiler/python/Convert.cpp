// Convert.cpp: Python objects to Zy values and back (Convert.h).
#include "python/Convert.h"

#include "python/TensorObject.h"

#include <pybind11/numpy.h>

#include <cstdint>
#include <limits>

namespace zy::python {

using interp::Value;
using interp::ValueKind;

namespace {

/// Containers nest at most this deep across the boundary: deeper is a TypeError rather
/// than a stack overflow (a list that contains itself is infinitely deep).
constexpr int MaxDepth = 1000;

/// NumPy, imported once. Never released: it outlives every call, and Python is gone by
/// the time static destructors run.
py::module_ &numpy() {
  static auto *module = new py::module_(py::module_::import("numpy"));
  return *module;
}

/// Where a value sits, for messages: "argument `x` of `mlp`, at ['layers'][0]".
struct Place {
  const std::string &where;
  std::string path;
  std::string text() const { return path.empty() ? where : where + ", at " + path; }
  Place key(const std::string &k) const { return {where, path + "['" + k + "']"}; }
  Place item(size_t i) const { return {where, path + "[" + std::to_string(i) + "]"}; }
};

std::string typeOf(py::handle object) { return Py_TYPE(object.ptr())->tp_name; }

/// Releases a borrowed array's reference when Zy's last copy of the tensor goes, which
/// may be on a thread without the GIL (Zy runs on a thread of its own).
void releaseWithGil(const void *object) {
  // At exit, after Python has finalized, there is nothing left to release to.
  if (!Py_IsInitialized() || _Py_IsFinalizing()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  Py_DECREF(static_cast<PyObject *>(const_cast<void *>(object)));
  PyGILState_Release(gil);
}

/// Zy's dtype of a NumPy dtype that is exactly one of Zy's.
std::optional<DType> exactDType(const py::dtype &d) {
  char kind = d.kind();
  size_t size = static_cast<size_t>(d.itemsize());
  if (kind == 'b' && size == 1) return DType::Bool;
  if (kind == 'i' && size == 4) return DType::I32;
  if (kind == 'f' && size == 4) return DType::F32;
  if (kind == 'f' && size == 8) return DType::F64;
  return std::nullopt;
}

bool sameShape(const Tensor &t, const py::array &a) {
  if (t.rank() != a.ndim()) return false;
  for (int64_t i = 0; i < t.rank(); ++i)
    if (t.shape()[i] != a.shape(i)) return false;
  return true;
}

/// A tensor borrowing `a`'s memory (C-contiguous, aligned, native, of dtype `dtype`).
Value borrow(const py::array &a, DType dtype, const Place &place) {
  std::shared_ptr<const void> owner(a.inc_ref().ptr(), releaseWithGil);
  Shape shape(a.shape(), a.shape() + a.ndim());
  try {
    return Value::fromTensor(Tensor::borrowed(dtype, std::move(shape), a.data(), std::move(owner)));
  } catch (const std::invalid_argument &) {
    throw py::value_error("zy: the array " + place.text() + " has " + std::to_string(a.size()) +
                          " elements, more than a Zy tensor holds (2**32)");
  }
}

Value fromArray(py::array a, const Place &place) {
  // An array Zy returned, passed back as it is: its own tensor, with its state flag.
  py::object base = a.base();
  if (base && py::isinstance<TensorHandle>(base)) { // base() is null for an array owning its memory
    const TensorHandle &h = base.cast<const TensorHandle &>();
    if (h.tensor->data<uint8_t>() == static_cast<const uint8_t *>(a.data()) && sameShape(*h.tensor, a) && exactDType(a.dtype()) == h.tensor->dtype()) {
      Value v = Value::fromTensor(*h.tensor);
      v.state = h.state;
      return v;
    }
  }
  py::dtype d = a.dtype();
  std::optional<DType> exact = exactDType(d);
  DType target = exact.value_or(DType::I32);
  if (!exact) {
    char kind = d.kind();
    if (kind != 'i' && kind != 'u')
      throw py::type_error("zy: " + place.text() + " is a NumPy array of dtype " + std::string(py::str(d)) +
                           "; Zy's dtypes are bool, int32, float32 and float64 (convert it, as with .astype(numpy.float32))");
    // Other integers (NumPy's default int64, uint8 pixels) become int32 where every
    // element fits, as safetensors' loader reads them.
    if (a.size() > 0) {
      py::int_ lo = a.attr("min")().attr("item")(), hi = a.attr("max")().attr("item")();
      if (lo < py::int_(std::numeric_limits<int32_t>::min()) || hi > py::int_(std::numeric_limits<int32_t>::max()))
        throw py::type_error("zy: " + place.text() + " is a NumPy array of dtype " + std::string(py::str(d)) +
                             " with values outside int32's range (" + std::string(py::str(lo)) + " to " +
                             std::string(py::str(hi)) + "); Zy's integers are int32");
    }
  }
  bool direct = exact && d.attr("isnative").cast<bool>() && (a.flags() & py::array::c_style) &&
                a.attr("flags").attr("aligned").cast<bool>();
  // Otherwise a copy Zy can borrow: C order, native, of Zy's dtype.
  if (!direct) a = numpy().attr("array")(a, py::arg("dtype") = numpyDType(target), py::arg("order") = "C");
  return borrow(a, target, place);
}

Value convert(py::handle o, const Session &session, const Place &place, int depth) {
  if (depth > MaxDepth)
    throw py::type_error("zy: " + place.where + " nests more than " + std::to_string(MaxDepth) +
                         " levels of dicts, lists and tuples (or contains itself)");
  if (py::isinstance<TensorHandle>(o)) {
    const TensorHandle &h = o.cast<const TensorHandle &>();
    Value v = Value::fromTensor(*h.tensor);
    v.state = h.state;
    return v;
  }
  if (py::isinstance<OpaqueValue>(o)) {
    const OpaqueValue &opaque = o.cast<const OpaqueValue &>();
    // A function closes over its own interpreter's scopes; a key is plain data.
    if (opaque.session.get() != &session && opaque.value.kind != ValueKind::Key)
      throw py::type_error("zy: " + place.text() + " is a " + interp::typeName(opaque.value) +
                           " of another zy.load's session; pass it only to the module it came from");
    return opaque.value;
  }
  if (py::isinstance<py::array>(o)) return fromArray(py::reinterpret_borrow<py::array>(o), place);
  // NumPy's scalars (numpy.float32(1), a sum's result) are 0-d tensors of their dtype.
  if (py::isinstance(o, numpy().attr("generic"))) return fromArray(numpy().attr("asarray")(o), place);
  if (o.is_none()) return Value::none();
  if (PyBool_Check(o.ptr())) return Value::boolean(o.ptr() == Py_True);
  if (PyLong_Check(o.ptr())) {
    int overflow = 0;
    long long i = PyLong_AsLongLongAndOverflow(o.ptr(), &overflow);
    if (overflow) throw py::type_error("zy: " + place.text() + " is an int beyond 64 bits");
    return Value::integer(i);
  }
  if (PyFloat_Check(o.ptr())) return Value::real(PyFloat_AsDouble(o.ptr()));
  if (PyUnicode_Check(o.ptr())) return Value::string(o.cast<std::string>());
  if (PyDict_Check(o.ptr())) {
    std::vector<std::pair<std::string, Value>> fields;
    for (auto [key, value] : py::reinterpret_borrow<py::dict>(o)) {
      if (!PyUnicode_Check(key.ptr()))
        throw py::type_error("zy: " + place.text() + " is a dict with a key of type " + typeOf(key) +
                             "; a Zy record's field names are str");
      std::string name = key.cast<std::string>();
      fields.emplace_back(name, convert(value, session, place.key(name), depth + 1));
    }
    return Value::makeRecord(std::move(fields));
  }
  if (PyList_Check(o.ptr()) || PyTuple_Check(o.ptr())) {
    std::vector<Value> items;
    size_t i = 0;
    for (py::handle item : o) items.push_back(convert(item, session, place.item(i++), depth + 1));
    return PyList_Check(o.ptr()) ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  // Other arrays (a PyTorch tensor): through NumPy, which shares their memory if it can.
  if (py::hasattr(o, "__array__")) {
    py::object array;
    try {
      array = numpy().attr("asarray")(o);
    } catch (py::error_already_set &e) {
      throw py::type_error("zy: " + place.text() + " (a " + typeOf(o) + ") did not convert to a NumPy array: " + e.what());
    }
    return fromArray(py::reinterpret_borrow<py::array>(array), place);
  }
  throw py::type_error("zy: " + place.text() + " is of type " + typeOf(o) +
                       "; Zy takes NumPy arrays, bool, int, float, str, None, and dicts, lists and tuples of them");
}

py::object convertOut(const Value &v, const std::shared_ptr<Session> &session) {
  switch (v.kind) {
  case ValueKind::None: return py::none();
  case ValueKind::Bool: return py::bool_(v.b);
  case ValueKind::Int: return py::int_(v.i);
  case ValueKind::Float: return py::float_(v.f);
  case ValueKind::Str: return py::str(*v.str);
  case ValueKind::Tensor:
    if (!v.tensor->isTraced()) return arrayOf(v.tensor, v.state);
    break;
  case ValueKind::List:
  case ValueKind::Tuple: {
    py::list items;
    for (const Value &item : *v.items) items.append(convertOut(item, session));
    if (v.kind == ValueKind::List) return items;
    return py::tuple(items);
  }
  case ValueKind::Record: {
    py::dict fields;
    for (const auto &[key, value] : v.record->fields) fields[py::str(key)] = convertOut(value, session);
    return fields;
  }
  default: break;
  }
  return py::cast(OpaqueValue{v, session});
}

} // namespace

Value fromPython(py::handle object, const Session &session, const std::string &where) {
  return convert(object, session, Place{where, ""}, 0);
}

py::object toPython(const Value &value, const std::shared_ptr<Session> &session) {
  if (value.depth > MaxDepth)
    throw py::type_error("zy: the result nests more than " + std::to_string(MaxDepth) +
                         " levels of records, lists and tuples, too deep to return to Python");
  return convertOut(value, session);
}

void defineValue(py::module_ &m) {
  py::class_<OpaqueValue>(m, "Value", R"(A Zy value with no Python counterpart (a function, a random key).

It can be passed back into Zy: a key to any module, anything else to the module it came from.)")
      .def("__repr__", [](const OpaqueValue &v) { return "<zy.Value " + interp::describeType(v.value) + ">"; });
}

} // namespace zy::python

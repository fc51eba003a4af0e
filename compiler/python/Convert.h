// Convert.h: Python objects to Zy values and back.
//
//   NumPy array, zy.Tensor      <-> tensor (bool, int32, float32, float64)
//   dict (str keys)             <-> record
//   list / tuple                <-> list / tuple
//   bool / int / float / str    <-> bool / int / float / str;  None <-> none
//   zy.Value                    <-> any other Zy value (a function, a random key)
//
// Arrays go in without a copy when they are C-contiguous, aligned, native-endian and of
// one of Zy's four dtypes: the tensor borrows the array's memory and holds a reference
// to it. Otherwise they are copied first: other integer dtypes become int32 where every
// element fits; float16, complex and object arrays are a TypeError. Tensors come out as
// read-only arrays viewing Zy's buffer (TensorObject.h).
#pragma once

#include "interp/Value.h"
#include "python/Session.h"

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

namespace zy::python {

namespace py = pybind11;

/// A Zy value with no Python counterpart (a function, a random key), as zy.Value: it can
/// be passed back into Zy, to the session it came from.
struct OpaqueValue {
  interp::Value value;
  std::shared_ptr<Session> session;
};

/// The Zy value of `object`, for a call into `session`. `where` names it in errors (the
/// argument, "x of `mlp`"); a value Zy cannot take is a TypeError saying where it is.
interp::Value fromPython(py::handle object, const Session &session, const std::string &where);

/// The Python object of a value `session` returned.
py::object toPython(const interp::Value &value, const std::shared_ptr<Session> &session);

/// Defines zy.Value in module `m`.
void defineValue(py::module_ &m);

} // namespace zy::python

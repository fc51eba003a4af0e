// Module.cpp: `import zy`, the Python module (docs/python.md).
//
//   m = zy.load("model.zy")                  # a zy.Module: the file in its own interpreter
//   params = m.init("mlp", 0, x)             # init(mlp, random.key(0), x)
//   y = m.mlp(params, x)                     # NumPy arrays and trees of them, in and out
//   zy.save_params("mlp.safetensors", params)   # the files Zy's save and load use
//
// Its types: zy.Module (a loaded file), zy.Function (one of its functions), zy.Tensor
// (TensorObject.h), zy.Value (Convert.h) and the exception zy.Error. Values cross as
// Convert.h says; Zy code runs as Session.h says (the GIL released).
#include "python/Convert.h"
#include "python/Session.h"
#include "python/TensorObject.h"

#include <pybind11/pybind11.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

namespace py = pybind11;

namespace zy::python {

namespace {

using interp::Value;
using interp::ValueKind;

PyObject *ErrorType = nullptr; // zy.Error

/// Raises zy.Error for `f`: str() is the rendered diagnostic; .message, .file, .line,
/// .column (None without a location) and .status are its parts.
void raiseError(const embed::Failure &f) {
  std::string text = f.rendered;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  py::object error = py::reinterpret_borrow<py::object>(ErrorType)(text);
  error.attr("message") = f.message;
  error.attr("file") = f.file.empty() ? py::object(py::none()) : py::object(py::str(f.file));
  error.attr("line") = f.line ? py::object(py::int_(f.line)) : py::object(py::none());
  error.attr("column") = f.column ? py::object(py::int_(f.column)) : py::object(py::none());
  error.attr("status") = f.status;
  PyErr_SetObject(ErrorType, error.ptr());
}

/// A path argument (str or os.PathLike) as a string; FileNotFoundError if `mustExist`
/// and there is no such file, as Python's own open() says it.
std::string pathArgument(py::handle path, bool mustExist) {
  py::object text = py::module_::import("os").attr("fspath")(path);
  if (!PyUnicode_Check(text.ptr())) throw py::type_error("zy: a path must be a str or os.PathLike of str");
  std::string s = text.cast<std::string>();
  std::error_code ec;
  if (mustExist && !std::filesystem::exists(s, ec)) {
    py::object error = py::reinterpret_borrow<py::object>(PyExc_FileNotFoundError)(ENOENT, std::strerror(ENOENT), text);
    PyErr_SetObject(PyExc_FileNotFoundError, error.ptr());
    throw py::error_already_set();
  }
  return s;
}

struct LoadedModule {
  std::shared_ptr<Session> session;
  std::shared_ptr<const interp::ModuleData> module;
  std::string path;
};

struct BoundFunction {
  std::shared_ptr<Session> session;
  Value fn;
  std::string name;
  std::string path;
};

/// "argument `x` of `mlp`" (or "argument 3 of `mlp`" past its parameters), for messages.
std::string argumentName(const Value &fn, const std::string &name, size_t index) {
  // A builtin (`let g = grad(f)`) has no parameter names to give.
  if (fn.kind == ValueKind::Function && index < fn.closure->params->size())
    return "argument `" + (*fn.closure->params)[index].name + "` of `" + name + "`";
  return "argument " + std::to_string(index + 1) + " of `" + name + "`";
}

/// The call's arguments as Zy values; `offset` is the position of the first of `args`
/// among the function's parameters (1 for init's samples, after the params).
interp::CallArgs argumentsOf(const BoundFunction &f, const py::args &args, const py::kwargs &kwargs, size_t offset) {
  interp::CallArgs call;
  for (size_t i = 0; i < args.size(); ++i)
    call.positional.push_back(fromPython(args[i], *f.session, argumentName(f.fn, f.name, i + offset)));
  for (auto [key, value] : kwargs) {
    std::string name = key.cast<std::string>();
    call.keywords.emplace_back(name, fromPython(value, *f.session, "argument `" + name + "` of `" + f.name + "`"));
  }
  return call;
}

py::object call(const BoundFunction &f, const py::args &args, const py::kwargs &kwargs) {
  interp::CallArgs call = argumentsOf(f, args, kwargs, 0);
  Value result;
  // Zy gets a copy of the arguments: these stay here and are released with the GIL held.
  runZy(*f.session, [&] { result = embed::callFunction(f.session->interpreter, f.fn, call); });
  return toPython(result, f.session);
}

BoundFunction functionNamed(const LoadedModule &m, const std::string &name) {
  try {
    return BoundFunction{m.session, embed::functionOf(*m.module, m.path, name), name, m.path};
  } catch (const embed::HostError &e) {
    throw py::attribute_error("zy: " + e.failure.message);
  }
}

py::object init(const LoadedModule &m, py::handle fn, py::handle seed, const py::args &samples, const py::kwargs &kwargs) {
  BoundFunction f;
  if (PyUnicode_Check(fn.ptr())) {
    f = functionNamed(m, fn.cast<std::string>());
  } else if (py::isinstance<BoundFunction>(fn)) {
    f = fn.cast<BoundFunction>();
    if (f.session != m.session) throw py::type_error("zy: init: `" + f.name + "` is a function of another zy.load");
  } else {
    throw py::type_error(std::string("zy: init: the function is a name or a zy.Function, not a ") + Py_TYPE(fn.ptr())->tp_name);
  }
  long long key = -1;
  if (PyLong_Check(seed.ptr()) && !PyBool_Check(seed.ptr())) {
    int overflow = 0;
    key = PyLong_AsLongLongAndOverflow(seed.ptr(), &overflow);
    if (overflow) key = -1;
  }
  if (key < 0 || key > std::numeric_limits<uint32_t>::max())
    throw py::value_error("zy: init: the seed is an int from 0 to 2**32 - 1, as random.key takes");
  interp::CallArgs call = argumentsOf(f, samples, kwargs, 1);
  Value params;
  runZy(*m.session, [&] { params = embed::initParams(m.session->interpreter, f.fn, static_cast<uint32_t>(key), call); });
  return toPython(params, m.session);
}

/// The session zy.load_params and zy.save_params share, made on first use.
std::shared_ptr<Session> ioSession() {
  static std::shared_ptr<Session> *io = nullptr; // never destroyed: see numpy() in Convert.cpp
  if (!io) {
    std::shared_ptr<Session> made = newSession(); // releases the GIL: check again after
    if (!io) io = new std::shared_ptr<Session>(std::move(made));
  }
  return *io;
}

py::object loadParams(py::handle path) {
  std::string file = pathArgument(path, true);
  std::shared_ptr<Session> io = ioSession();
  Value tree;
  runZy(*io, [&] {
    interp::CallArgs args;
    args.positional.push_back(Value::string(file));
    tree = embed::callPrelude(io->interpreter, "load", std::move(args));
  });
  return toPython(tree, io);
}

void saveParams(py::handle path, py::handle tree) {
  std::string file = pathArgument(path, false);
  std::shared_ptr<Session> io = ioSession();
  interp::CallArgs args;
  args.positional.push_back(fromPython(tree, *io, "the tree to save"));
  args.positional.push_back(Value::string(file));
  runZy(*io, [&] { embed::callPrelude(io->interpreter, "save", args); });
}

LoadedModule load(py::handle path) {
  LoadedModule m;
  m.path = pathArgument(path, true);
  m.session = newSession();
  runZy(*m.session, [&] { m.module = embed::loadModule(m.session->interpreter, m.path); });
  return m;
}

} // namespace

} // namespace zy::python

using namespace zy::python;

PYBIND11_MODULE(zy, m) {
  m.doc() = "Zy from Python: load a .zy file and call its functions on NumPy arrays (docs/python.md).";
  try {
    py::module_::import("numpy");
  } catch (py::error_already_set &e) {
    throw py::import_error(std::string("zy needs NumPy (Debian's python3-numpy): ") + e.what());
  }
  m.attr("__version__") = ZY_VERSION;

  py::dict defaults;
  defaults["message"] = "";
  defaults["file"] = py::none();
  defaults["line"] = py::none();
  defaults["column"] = py::none();
  defaults["status"] = 1;
  ErrorType = PyErr_NewExceptionWithDoc("zy.Error",
                                        "An error in Zy code, or in a call into it: str() is the diagnostic as zy "
                                        "prints it; .message, .file, .line, .column (None without a location) and "
                                        ".status (1 compile error, 2 runtime error) are its parts.",
                                        PyExc_Exception, defaults.ptr());
  if (!ErrorType) throw py::error_already_set();
  m.attr("Error") = py::handle(ErrorType);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ZyFailure &e) {
      raiseError(e.failure);
    }
  });

  defineTensor(m);
  defineValue(m);

  py::class_<BoundFunction>(m, "Function", "A function of a loaded .zy file; calling it runs it (traced and compiled once per signature).")
      .def("__call__", &call)
      .def_property_readonly("name", [](const BoundFunction &f) { return f.name; })
      .def("__repr__", [](const BoundFunction &f) { return "<zy.Function " + zy::interp::describeType(f.fn) + " of " + f.path + ">"; });

  py::class_<LoadedModule>(m, "Module", "A loaded .zy file: its top-level functions and values are attributes.")
      .def("__getattr__",
           [](const LoadedModule &self, const std::string &name) -> py::object {
             // Python's own protocols (__length_hint__, __array__, ...) are not Zy names.
             if (name.rfind("__", 0) == 0) throw py::attribute_error(name);
             auto &vars = self.module->globals->vars;
             auto it = vars.find(name);
             if (it == vars.end() || zy::embed::isCallable(it->second)) return py::cast(functionNamed(self, name));
             return toPython(it->second, self.session);
           })
      .def("__dir__",
           [](const LoadedModule &self) {
             py::list names;
             for (const char *own : {"init", "path", "trace_count"}) names.append(own);
             for (const auto &[name, value] : self.module->globals->vars) names.append(name);
             return names;
           })
      .def("init", &init, py::arg("fn"), py::arg("seed"),
           "init(fn, seed, *samples, **hparams): the parameters of fn (a name or a zy.Function), created as Zy's "
           "init(fn, random.key(seed), samples..., hparams...) creates them.")
      .def_property_readonly("path", [](const LoadedModule &self) { return self.path; })
      .def_property_readonly(
          "trace_count",
          [](const LoadedModule &self) {
            py::gil_scoped_release released;
            std::lock_guard<std::mutex> locked(self.session->mutex);
            return self.session->interpreter.tracer.traceCount();
          },
          "How many graphs this module has traced: a call with the signature of an earlier one adds none.")
      .def("__repr__", [](const LoadedModule &self) { return "<zy.Module " + self.path + ">"; });

  m.def("load", &load, py::arg("path"),
        "Loads a .zy file and what it imports, running its top-level lets (not main), in an interpreter of its own.");
  m.def("load_params", &loadParams, py::arg("path"),
        "The tree in a safetensors file, as Zy's load(path) reads it: dicts, lists and tuples of read-only arrays.");
  m.def("save_params", &saveParams, py::arg("path"), py::arg("tree"),
        "Writes a tree of arrays and numbers to a safetensors file as Zy's save(tree, path) does (atomically).");
}

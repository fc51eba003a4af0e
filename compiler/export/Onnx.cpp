// Onnx.cpp: the IR's primitives as ONNX operators (Onnx.h says what is kept and checked).
//
// One GraphWriter per graph (the entry's, each scan body's) turns nodes into ONNX nodes in
// order; `lower` is the one switch over the primitives, with no default, so a primitive
// added to Ops.def without its mapping here does not build (-Werror=switch).
#include "export/Onnx.h"

#include "ir/Ir.h"
#include "ir/OpTable.h"
#include "ops/Rule.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <climits>
#include <functional>
#include <set>
#include <numeric>

namespace zy::onnx_export {

namespace {

using ir::Node;
using ir::Op;
using Proto = onnx::TensorProto;

constexpr int64_t Opset = 17;  // what onnx 1.12's checker and ONNX Runtime >= 1.12 both know
constexpr int64_t IrVersion = 8;

int elemType(DType dtype) {
  switch (dtype) {
  case DType::Bool: return Proto::BOOL;
  case DType::I32: return Proto::INT32;
  case DType::F32: return Proto::FLOAT;
  case DType::F64: return Proto::DOUBLE;
  }
  return Proto::UNDEFINED;
}

void setType(onnx::ValueInfoProto &info, const std::string &name, DType dtype, const Shape &shape) {
  info.set_name(name);
  auto *tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elemType(dtype));
  auto *dims = tensor->mutable_shape();
  for (int64_t d : shape) dims->add_dim()->set_dim_value(d);
}

/// A tensor's elements as ONNX stores them: little-endian raw bytes, as Zy holds them.
Proto tensorProto(const std::string &name, const Tensor &t) {
  Proto p;
  p.set_name(name);
  p.set_data_type(elemType(t.dtype()));
  for (int64_t d : t.shape()) p.add_dims(d);
  p.set_raw_data(t.data<char>(), static_cast<size_t>(t.size()) * dtypeSize(t.dtype()));
  return p;
}

Proto int64Proto(const std::vector<int64_t> &values) {
  Proto p;
  p.set_data_type(Proto::INT64);
  p.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) p.add_int64_data(v);
  return p;
}

/// A filled tensor of `dtype`, one element per entry of `shape` (scalar if empty).
Tensor filled(DType dtype, const Shape &shape, double value) {
  Tensor t(dtype, shape);
  for (int64_t i = 0; i < t.size(); ++i) t.set(i, value);
  return t;
}

class GraphWriter {
public:
  /// `names` gives the ONNX name of graph inputs already named (the entry's paths, a
  /// scan's captures from the enclosing graph); `prefix` keeps names unique across graphs.
  GraphWriter(onnx::GraphProto &out, const ir::Graph &graph, std::string prefix, Model &model,
              const std::map<int, std::string> &literalNames)
      : Out(out), G(graph), Prefix(std::move(prefix)), M(model), LiteralNames(literalNames), Names(graph.nodes.size()) {}

  void name(int id, std::string onnxName) { Names[id] = std::move(onnxName); }
  const std::string &nameOf(int id) const { return Names[id]; }

  /// Writes every node (declaring each result's type, which ONNX's shape inference then
  /// checks), and each output (node id, name) as an Identity of that node.
  void write(const std::vector<std::pair<int, std::string>> &outputs) {
    std::set<std::string> declared;
    for (size_t id = 0; id < G.nodes.size(); ++id) {
      if (!Names[id].empty()) continue; // named inputs
      const Node &n = G.nodes[id];
      Names[id] = lower(n, static_cast<int>(id));
      bool typed = n.op == Op::Literal || n.op == Op::Scan; // an initializer; a scan's results are its projects'
      if (!typed && declared.insert(Names[id]).second) setType(*Out.add_value_info(), Names[id], n.dtype, n.shape);
    }
    for (const auto &[id, name] : outputs) {
      const Node &n = G.nodes[id];
      node("Identity", {Names[id]}, name);
      setType(*Out.add_output(), name, n.dtype, n.shape);
    }
  }

private:
  onnx::GraphProto &Out;
  const ir::Graph &G;
  std::string Prefix;
  Model &M;
  const std::map<int, std::string> &LiteralNames;
  std::vector<std::string> Names;
  int Fresh = 0;

  std::string fresh(const std::string &hint) { return Prefix + hint + "_" + std::to_string(Fresh++); }

  onnx::NodeProto &node(const std::string &type, const std::vector<std::string> &inputs, const std::string &output) {
    onnx::NodeProto &n = *Out.add_node();
    n.set_op_type(type);
    for (const std::string &i : inputs) n.add_input(i);
    n.add_output(output);
    ++M.operators;
    return n;
  }
  /// `type` on `inputs`, its result a fresh name; `attrs` sets its attributes.
  std::string op(const std::string &type, const std::vector<std::string> &inputs,
                 const std::function<void(onnx::NodeProto &)> &attrs = nullptr) {
    std::string out = fresh(type);
    onnx::NodeProto &n = node(type, inputs, out);
    if (attrs) attrs(n);
    return out;
  }

  static void intAttr(onnx::NodeProto &n, const std::string &name, int64_t v) {
    auto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void intsAttr(onnx::NodeProto &n, const std::string &name, const std::vector<int64_t> &v) {
    auto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void stringAttr(onnx::NodeProto &n, const std::string &name, const std::string &v) {
    auto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }

  std::string constant(Proto value) {
    return op("Constant", {}, [&](onnx::NodeProto &n) {
      auto *a = n.add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      *a->mutable_t() = std::move(value);
    });
  }
  std::string int64s(const std::vector<int64_t> &values) { return constant(int64Proto(values)); }
  std::string scalar(DType dtype, double value) { return constant(tensorProto("", filled(dtype, {}, value))); }
  /// A tensor of `dtype` filled with `value`: stored whole when small, else ConstantOfShape.
  std::string fill(DType dtype, const Shape &shape, double value) {
    if (zy::elementCount(shape).value_or(0) <= 64) return constant(tensorProto("", filled(dtype, shape, value)));
    Proto one = tensorProto("", filled(dtype, {1}, value));
    return op("ConstantOfShape", {int64s(shape)}, [&](onnx::NodeProto &n) {
      auto *a = n.add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      *a->mutable_t() = std::move(one);
    });
  }
  std::string initializer(const std::string &name, const Tensor &t) {
    *Out.add_initializer() = tensorProto(name, t);
    ++M.initializers;
    return name;
  }

  std::string in(const Node &n, size_t k) const { return Names[n.operands[k]]; }
  const Node &operand(const Node &n, size_t k) const { return G.nodes[n.operands[k]]; }

  [[noreturn]] void refuse(const Node &n, const std::string &why) {
    throw Unmappable(n.span, "`" + std::string(ir::opInfo(n.op).name) + "` has no ONNX equivalent: " + why);
  }

  std::string lower(const Node &n, int id) {
    auto unary = [&](const char *type) { return op(type, {in(n, 0)}); };
    auto binary = [&](const char *type) { return op(type, {in(n, 0), in(n, 1)}); };
    switch (n.op) {
    case Op::Neg: return unary("Neg");
    case Op::Abs: return unary("Abs");
    case Op::Sign: return unary("Sign");
    case Op::Exp: return unary("Exp");
    case Op::Log: return unary("Log");
    case Op::Log1p: return log1p(n);
    case Op::Sqrt: return unary("Sqrt");
    case Op::Sin: return unary("Sin");
    case Op::Cos: return unary("Cos");
    case Op::Atan: return unary("Atan");
    case Op::Tanh: return unary("Tanh");
    case Op::Erf: return unary("Erf");
    case Op::ErfInv: refuse(n, "ONNX has no inverse error function");
    case Op::Floor: return unary("Floor");
    case Op::Ceil: return unary("Ceil");
    case Op::Round: return unary("Round"); // halves to even, in both
    case Op::Not: return unary("Not");
    case Op::Cast: return op("Cast", {in(n, 0)}, [&](onnx::NodeProto &p) { intAttr(p, "to", elemType(n.dtype)); });
    case Op::StopGradient: return unary("Identity");
    case Op::Add: return binary("Add");
    case Op::Sub: return binary("Sub");
    case Op::Mul: return binary("Mul");
    case Op::Div: return n.dtype == DType::I32 ? floorDivide(n) : binary("Div");
    case Op::Mod: return n.dtype == DType::I32 ? integerModulo(n) : floatModulo(n);
    case Op::Pow: return n.dtype == DType::I32 ? integerPower(n) : binary("Pow");
    case Op::Max: return binary("Max");
    case Op::Min: return binary("Min");
    case Op::Eq: return binary("Equal");
    case Op::Ne: return op("Not", {binary("Equal")});
    case Op::Lt: return binary("Less");
    case Op::Le: return binary("LessOrEqual");
    case Op::Gt: return binary("Greater");
    case Op::Ge: return binary("GreaterOrEqual");
    case Op::And: return binary("And");
    case Op::Or: return binary("Or");
    case Op::Where: return op("Where", {in(n, 0), in(n, 1), in(n, 2)});
    case Op::ReduceSum:
      if (n.attrs.axes.empty()) return unary("Identity"); // ONNX reads no axes as all of them
      return op("ReduceSum", {in(n, 0), int64s(n.attrs.axes)}, [&](onnx::NodeProto &p) { intAttr(p, "keepdims", n.attrs.keepdims); });
    case Op::ReduceMax: return extremum(n, "ReduceMax");
    case Op::ReduceMin: return extremum(n, "ReduceMin");
    case Op::ArgMax: {
      std::string index = op("ArgMax", {in(n, 0)}, [&](onnx::NodeProto &p) {
        intAttr(p, "axis", n.attrs.axes.at(0));
        intAttr(p, "keepdims", n.attrs.keepdims);
      });
      return op("Cast", {index}, [&](onnx::NodeProto &p) { intAttr(p, "to", Proto::INT32); }); // ONNX's is int64
    }
    case Op::Reshape:
      return op("Reshape", {in(n, 0), int64s(n.shape)}, [&](onnx::NodeProto &p) { intAttr(p, "allowzero", 1); });
    case Op::Transpose: return op("Transpose", {in(n, 0)}, [&](onnx::NodeProto &p) { intsAttr(p, "perm", n.attrs.perm); });
    case Op::Broadcast: return op("Expand", {in(n, 0), int64s(n.shape)});
    case Op::Slice: {
      std::vector<int64_t> axes(n.attrs.starts.size());
      std::iota(axes.begin(), axes.end(), 0);
      return op("Slice", {in(n, 0), int64s(n.attrs.starts), int64s(n.attrs.stops), int64s(axes), int64s(n.attrs.steps)});
    }
    case Op::Pad: {
      std::vector<int64_t> pads = n.attrs.lo;
      pads.insert(pads.end(), n.attrs.hi.begin(), n.attrs.hi.end());
      return op("Pad", {in(n, 0), int64s(pads), scalar(n.dtype, n.attrs.value)});
    }
    case Op::Concat: {
      std::vector<std::string> inputs;
      for (size_t k = 0; k < n.operands.size(); ++k) inputs.push_back(in(n, k));
      return op("Concat", inputs, [&](onnx::NodeProto &p) { intAttr(p, "axis", n.attrs.axis); });
    }
    case Op::Flip: {
      size_t count = n.attrs.axes.size();
      if (count == 0) return unary("Identity");
      return op("Slice", {in(n, 0), int64s(std::vector<int64_t>(count, -1)), int64s(std::vector<int64_t>(count, INT64_MIN)),
                          int64s(n.attrs.axes), int64s(std::vector<int64_t>(count, -1))});
    }
    case Op::MatMul: return binary("MatMul");
    case Op::Gather: return gather(n);
    case Op::ScatterAdd: return scatterAdd(n);
    case Op::Argsort: {
      // TopK of every element: its ties go to the lower index first, so it is stable too.
      onnx::NodeProto &p = node("TopK", {in(n, 0), int64s({n.shape.back()})}, fresh("sorted"));
      std::string indices = fresh("argsort");
      p.add_output(indices);
      intAttr(p, "axis", -1);
      intAttr(p, "largest", n.attrs.value != 0);
      intAttr(p, "sorted", 1);
      return op("Cast", {indices}, [&](onnx::NodeProto &c) { intAttr(c, "to", Proto::INT32); }); // ONNX's are int64
    }
    // ONNX has no way to fail a run with a message: the labels' range is not checked (as
    // with `zy compile --no-check-labels`); a gather on them still clamps.
    case Op::CheckLabels: return unary("Identity");
    case Op::DebugPrint: refuse(n, "debug.print cannot print from an ONNX model; remove it from the exported function");
    case Op::Input: throw std::logic_error("onnx export: an unnamed graph input");
    case Op::Constant: return fill(n.dtype, n.shape, n.attrs.value);
    case Op::Literal: {
      auto named = LiteralNames.find(id);
      return initializer(named != LiteralNames.end() ? named->second : fresh("literal"), *n.attrs.literal);
    }
    case Op::Iota: return initializer(fresh("iota"), ops::rule(Op::Iota).eval(ops::rule(Op::Iota), n, ops::Args{}));
    case Op::RandomUniform:
    case Op::RandomNormal:
    case Op::RandomSplit:
    case Op::RandomFoldIn:
      refuse(n, "ONNX's random operators draw other numbers than Zy's keys do; pass the noise in as an input instead");
    case Op::Scan: return scan(n, id);
    case Op::While: refuse(n, "while_loop is not exported to ONNX yet; a loop with a fixed number of steps (fori_loop, scan) is");
    case Op::Project: return ScanOutputs.at(n.operands[0]).at(static_cast<size_t>(n.attrs.index));
    case Op::CustomVjp:
    case Op::CustomJvp: throw std::logic_error("onnx export: custom calls are lowered before a graph is exported");
    }
    throw std::logic_error("onnx export: an op out of range");
  }

  /// log(1 + x) without the cancellation of 1 + x near 0 (Goldberg's: x·log(u)/(u-1) for
  /// u = 1 + x rounded, exact where u == 1).
  std::string log1p(const Node &n) {
    std::string x = in(n, 0), one = scalar(n.dtype, 1);
    std::string u = op("Add", {x, one}), d = op("Sub", {u, one});
    std::string ratio = op("Div", {op("Mul", {x, op("Log", {u})}), d});
    return op("Where", {op("Equal", {d, scalar(n.dtype, 0)}), x, ratio});
  }

  /// a // b for i32: ONNX's integer Mod (fmod = 0) takes the divisor's sign, so a - a % b
  /// is divisible by b and its quotient is the floor; a zero divisor gives 0, as in Zy.
  std::string floorDivide(const Node &n) {
    std::string a = in(n, 0), b = in(n, 1), zero = scalar(DType::I32, 0);
    std::string isZero = op("Equal", {b, zero});
    std::string safe = op("Where", {isZero, scalar(DType::I32, 1), b});
    std::string r = op("Mod", {a, safe});
    return op("Where", {isZero, zero, op("Div", {op("Sub", {a, r}), safe})});
  }
  std::string integerModulo(const Node &n) {
    std::string a = in(n, 0), b = in(n, 1), zero = scalar(DType::I32, 0);
    std::string isZero = op("Equal", {b, zero});
    std::string safe = op("Where", {isZero, scalar(DType::I32, 1), b});
    return op("Where", {isZero, zero, op("Mod", {a, safe})});
  }
  /// i32 x ** k wraps modulo 2^32 in Zy; ONNX Runtime's integer Pow rounds through double,
  /// which is exact only below 2^53. A constant exponent (`x ** 3`, the usual case) becomes
  /// multiplications by squaring, which wrap as Zy's do; other exponents use Pow.
  std::string integerPower(const Node &n) {
    const Node *e = &operand(n, 1);
    while (e->op == Op::Broadcast) e = &G.nodes[e->operands[0]];
    if (e->op != Op::Constant || e->attrs.value < 0 || e->attrs.value > 1024) return op("Pow", {in(n, 0), in(n, 1)});
    auto k = static_cast<int64_t>(e->attrs.value);
    std::string result = fill(DType::I32, n.shape, 1), base = in(n, 0);
    for (; k; k >>= 1) {
      if (k & 1) result = op("Mul", {result, base});
      if (k > 1) base = op("Mul", {base, base});
    }
    return result;
  }

  /// Python's float %: C's fmod, moved into the divisor's sign.
  std::string floatModulo(const Node &n) {
    std::string a = in(n, 0), b = in(n, 1), zero = scalar(n.dtype, 0);
    std::string r = op("Mod", {a, b}, [](onnx::NodeProto &p) { intAttr(p, "fmod", 1); });
    std::string signsDiffer = op("Xor", {op("Less", {r, zero}), op("Less", {b, zero})});
    std::string fix = op("And", {op("Not", {op("Equal", {r, zero})}), signsDiffer});
    return op("Where", {fix, op("Add", {r, b}), r});
  }

  /// reduce_max/min (axes an attribute in opset 17; bool through i32, which ONNX reduces).
  std::string extremum(const Node &n, const char *type) {
    if (n.attrs.axes.empty()) return op("Identity", {in(n, 0)});
    bool boolean = n.dtype == DType::Bool;
    std::string x = boolean ? op("Cast", {in(n, 0)}, [](onnx::NodeProto &p) { intAttr(p, "to", Proto::INT32); }) : in(n, 0);
    std::string r = op(type, {x}, [&](onnx::NodeProto &p) {
      intsAttr(p, "axes", n.attrs.axes);
      intAttr(p, "keepdims", n.attrs.keepdims);
    });
    return boolean ? op("Cast", {r}, [](onnx::NodeProto &p) { intAttr(p, "to", Proto::BOOL); }) : r;
  }

  /// Zy's gather clamps each index into the axis; ONNX's would fail on one out of range.
  std::string gather(const Node &n) {
    const Node &x = operand(n, 0);
    int64_t length = x.shape[static_cast<size_t>(n.attrs.axis)];
    std::string idx = in(n, 1);
    if (length > 0) idx = op("Clip", {idx, scalar(DType::I32, 0), scalar(DType::I32, static_cast<double>(length - 1))});
    return op("Gather", {in(n, 0), idx}, [&](onnx::NodeProto &p) { intAttr(p, "axis", n.attrs.axis); });
  }

  /// scatter_add(base, idx, updates, axis) as ScatterElements(reduction = add): the
  /// indices flattened to one axis of k and broadcast over the updates' other axes; an
  /// index out of range adds nothing (Zy drops it; ONNX would fail).
  std::string scatterAdd(const Node &n) {
    const Node &base = operand(n, 0), &idx = operand(n, 1);
    auto axis = static_cast<size_t>(n.attrs.axis);
    int64_t k = zy::elementCount(idx.shape).value_or(0), length = base.shape[axis];
    Shape updatesShape = base.shape;
    updatesShape[axis] = k;
    Shape indexShape(base.shape.size(), 1);
    indexShape[axis] = k;
    std::string flat = op("Reshape", {in(n, 1), int64s(indexShape)});
    std::string inRange = op("And", {op("GreaterOrEqual", {flat, scalar(DType::I32, 0)}),
                                     op("Less", {flat, scalar(DType::I32, static_cast<double>(length))})});
    std::string indices = op("Expand", {op("Where", {inRange, flat, scalar(DType::I32, 0)}), int64s(updatesShape)});
    std::string updates = op("Where", {inRange, op("Reshape", {in(n, 2), int64s(updatesShape)}), scalar(n.dtype, 0)});
    return op("ScatterElements", {in(n, 0), indices, updates}, [&](onnx::NodeProto &p) {
      intAttr(p, "axis", n.attrs.axis);
      stringAttr(p, "reduction", "add");
    });
  }

  /// scan(carries, sequences, captures) as ONNX Scan: its inputs are the carries and the
  /// sequences; the body reads the captures by their names in this graph.
  std::string scan(const Node &n, int id) {
    const ir::Graph &body = *n.attrs.body;
    auto nc = static_cast<size_t>(n.attrs.carries), nx = static_cast<size_t>(n.attrs.sequences);
    onnx::NodeProto &scanNode = node("Scan", {}, fresh("Scan"));
    std::string bodyPrefix = Prefix + "scan" + std::to_string(id) + "/";
    auto *attr = scanNode.add_attribute();
    attr->set_name("body");
    attr->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto &bodyProto = *attr->mutable_g();
    bodyProto.set_name(bodyPrefix + "body");
    GraphWriter inner(bodyProto, body, bodyPrefix, M, LiteralNames);
    for (size_t k = 0; k < n.operands.size(); ++k) {
      int input = body.inputs[k];
      if (k < nc + nx) {
        std::string name = bodyPrefix + "in" + std::to_string(k);
        const Node &declared = body.nodes[input];
        setType(*bodyProto.add_input(), name, declared.dtype, declared.shape);
        inner.name(input, name);
        scanNode.add_input(Names[n.operands[k]]);
      } else {
        inner.name(input, Names[n.operands[k]]); // a capture: read from the enclosing graph
      }
    }
    std::vector<std::pair<int, std::string>> bodyOutputs;
    std::vector<std::string> results;
    for (size_t k = 0; k < body.outputs.size(); ++k) {
      bodyOutputs.push_back({body.outputs[k], bodyPrefix + "out" + std::to_string(k)});
      results.push_back(k == 0 ? scanNode.output(0) : fresh("Scan_out"));
      if (k > 0) scanNode.add_output(results.back());
    }
    inner.write(bodyOutputs);
    intAttr(scanNode, "num_scan_inputs", static_cast<int64_t>(nx));
    ScanOutputs[id] = results;
    return results[0];
  }

  std::map<int, std::vector<std::string>> ScanOutputs; // a scan's id -> its results' names
};

/// Every name some node of `g` or of its subgraphs reads, and the graph outputs.
void collectUses(const onnx::GraphProto &g, std::set<std::string> &used) {
  for (const auto &out : g.output()) used.insert(out.name());
  for (const auto &n : g.node()) {
    for (const auto &i : n.input()) used.insert(i);
    for (const auto &a : n.attribute())
      if (a.has_g()) collectUses(a.g(), used);
  }
}

/// Drops the constants nothing reads (a constant exponent that integerPower unrolled):
/// ONNX Runtime warns about each one. Names are unique across graphs, so one set serves all.
size_t pruneConstants(onnx::GraphProto &g, const std::set<std::string> &used) {
  size_t removed = 0;
  auto *nodes = g.mutable_node();
  for (int k = nodes->size() - 1; k >= 0; --k) {
    onnx::NodeProto &n = *nodes->Mutable(k);
    for (auto &a : *n.mutable_attribute())
      if (a.has_g()) removed += pruneConstants(*a.mutable_g(), used);
    if ((n.op_type() == "Constant" || n.op_type() == "ConstantOfShape") && !used.count(n.output(0))) {
      nodes->DeleteSubrange(k, 1);
      ++removed;
    }
  }
  auto *infos = g.mutable_value_info();
  for (int k = infos->size() - 1; k >= 0; --k)
    if (!used.count(infos->Get(k).name())) infos->DeleteSubrange(k, 1);
  return removed;
}

} // namespace

Model exportModel(const jit::AotEntry &entry, const std::map<int, std::string> &literalNames,
                  const std::string &producerVersion) {
  onnx::ModelProto model;
  model.set_ir_version(IrVersion);
  model.set_producer_name("zy");
  model.set_producer_version(producerVersion);
  model.set_doc_string("`" + entry.name + "` of " + entry.sourceFile + ", exported by `zy export`");
  model.add_opset_import()->set_version(Opset);
  onnx::GraphProto &graph = *model.mutable_graph();
  graph.set_name(entry.name);

  Model out;
  GraphWriter writer(graph, entry.graph, "", out, literalNames);
  for (size_t k = 0; k < entry.inputs.size(); ++k) {
    const jit::AotTensor &t = entry.inputs[k];
    setType(*graph.add_input(), t.path, t.dtype, t.shape);
    writer.name(entry.graph.inputs[k], t.path);
  }
  std::vector<std::pair<int, std::string>> outputs;
  for (size_t k = 0; k < entry.outputs.size(); ++k) {
    const std::string &name = entry.outputs[k].path;
    for (const jit::AotTensor &input : entry.inputs)
      if (input.path == name)
        throw std::runtime_error("the output `" + name + "` has the name of an input; rename the parameter `" + name + "`");
    outputs.push_back({entry.graph.outputs[entry.outputOf[k]], name});
  }
  writer.write(outputs);
  std::set<std::string> used;
  collectUses(graph, used);
  out.operators -= pruneConstants(graph, used);

  if (model.ByteSizeLong() > static_cast<size_t>(INT_MAX))
    throw std::runtime_error("the ONNX model would be " + std::to_string(model.ByteSizeLong() >> 20) +
                             " MiB: a protobuf file holds at most 2 GiB (ONNX's external data is not supported)");
  try {
    onnx::checker::check_model(model);
    onnx::ModelProto inferred = model; // strict: every declared type must be the one ONNX infers
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception &e) {
    throw std::runtime_error(std::string("internal error: the exported model fails ONNX's check: ") + e.what());
  }
  model.SerializeToString(&out.bytes);
  return out;
}

} // namespace zy::onnx_export

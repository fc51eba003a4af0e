// Ir.cpp: the op table generated from Ops.def, and the textual form of a Graph.
//
// printGraph writes one line per node, "%3 = add(%1, %2) : f32[2, 3]", with the
// attributes the op uses in braces (only those its result type does not already show),
// then "return %5, %7". It is what `--emit=ir` shows and what tests compare against.
#include "ir/Ir.h"

#include <charconv>

namespace zy::ir {

namespace {

const OpInfo Infos[] = {
#define ZY_OP(Enum, Name, Arity, Kind) {Name, Arity, OpKind::Kind},
#include "ir/Ops.def"
#undef ZY_OP
};

// Built by appending: GCC 12 warns falsely (-Wrestrict) about "%" + std::string.
std::string valueName(int id) {
  std::string name = "%";
  name += std::to_string(id);
  return name;
}

std::string listString(const std::vector<int64_t> &values) { return shapeString(values); }

/// The shortest text that reads back as the same double: 0.5, -3, 1e-07, inf.
std::string numberString(double value) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

} // namespace

std::string attrsString(const Node &node) {
  const Attrs &a = node.attrs;
  std::vector<std::string> parts;
  switch (node.op) {
  case Op::Cast: parts.push_back(std::string("dtype=") + dtypeName(a.dtype)); break;
  case Op::ReduceSum:
  case Op::ReduceMax:
  case Op::ReduceMin:
  case Op::ArgMax:
    parts.push_back("axes=" + listString(a.axes));
    parts.push_back(std::string("keepdims=") + (a.keepdims ? "true" : "false"));
    break;
  case Op::Transpose: parts.push_back("perm=" + listString(a.perm)); break;
  case Op::Slice:
    parts.push_back("starts=" + listString(a.starts));
    parts.push_back("stops=" + listString(a.stops));
    parts.push_back("steps=" + listString(a.steps));
    break;
  case Op::Pad:
    parts.push_back("lo=" + listString(a.lo));
    parts.push_back("hi=" + listString(a.hi));
    parts.push_back("value=" + numberString(a.value));
    break;
  case Op::Flip: parts.push_back("axes=" + listString(a.axes)); break;
  case Op::Argsort: parts.push_back(std::string("descending=") + (a.value != 0 ? "true" : "false")); break;
  case Op::Concat:
  case Op::Gather:
  case Op::ScatterAdd:
  case Op::Iota: parts.push_back("axis=" + std::to_string(a.axis)); break;
  case Op::Input:
  case Op::Project: parts.push_back("index=" + std::to_string(a.index)); break;
  case Op::While: parts.push_back("carries=" + std::to_string(a.carries)); break;
  case Op::Scan:
    parts.push_back("carries=" + std::to_string(a.carries));
    parts.push_back("sequences=" + std::to_string(a.sequences));
    break;
  case Op::Constant: parts.push_back("value=" + numberString(a.value)); break;
  case Op::CheckLabels:
    parts.push_back("classes=" + numberString(a.value));
    parts.push_back("name=" + a.name);
    break;
  case Op::DebugPrint: parts.push_back("format=\"" + a.name + "\""); break;
  case Op::Literal:
    parts.push_back("literal=" + (a.literal ? a.literal->toString() : std::string("null")));
    break;
  default: break; // Reshape, Broadcast, RandomUniform: the result type says it all
  }
  if (parts.empty()) return "";
  std::string s = " {";
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s + "}";
}

bool hasEffect(const Node &node) {
  if (opInfo(node.op).kind == OpKind::Effect) return true;
  if (node.op == Op::While && node.attrs.cond && hasEffects(*node.attrs.cond)) return true;
  return node.attrs.body && (node.op == Op::Scan || node.op == Op::While || isCustomCall(node.op)) &&
         hasEffects(*node.attrs.body);
}

bool hasEffects(const Graph &graph) {
  for (const Node &n : graph.nodes)
    if (hasEffect(n)) return true;
  return false;
}

const OpInfo &opInfo(Op op) {
  static const OpInfo Invalid{"<invalid op>", 0, OpKind::Source};
  size_t i = static_cast<size_t>(op);
  return i < static_cast<size_t>(OpCount) ? Infos[i] : Invalid;
}

std::string printGraph(const Graph &graph) {
  std::string out;
  for (size_t id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    out += valueName(static_cast<int>(id)) + " = " + opInfo(node.op).name + "(";
    for (size_t i = 0; i < node.operands.size(); ++i) {
      if (i) out += ", ";
      out += valueName(node.operands[i]);
    }
    out += ")";
    out += attrsString(node) + " : " + typeString(node.dtype, node.shape) + "\n";
    // A loop's graphs, indented, between braces: a while's condition, then its body.
    for (const Graph *sub : {node.op == Op::While ? node.attrs.cond.get() : nullptr,
                             node.op == Op::Scan || node.op == Op::While ? node.attrs.body.get() : nullptr}) {
      if (!sub) continue;
      std::string body = printGraph(*sub), indented = "    ";
      for (size_t i = 0; i < body.size(); ++i) {
        indented += body[i];
        if (body[i] == '\n' && i + 1 < body.size()) indented += "    ";
      }
      out += "  {\n" + indented + "  }\n";
    }
  }
  out += "return";
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    out += i ? ", " : " ";
    out += valueName(graph.outputs[i]);
  }
  return out + "\n";
}

} // namespace zy::ir

// Dot.cpp: graphs as Graphviz (`zy run --dot=FILE`; see ir::dotGraphs in Ir.h).
#include "ir/Ir.h"

namespace zy::ir {

namespace {

/// A Graphviz string literal's body: quotes and backslashes escaped, long text cut.
std::string escaped(const std::string &text) {
  std::string cut = text.size() > 80 ? text.substr(0, 77) + "..." : text;
  std::string out;
  for (char c : cut) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// Writes graph `g` as the cluster `prefix`; node names are prefix + "_" + id.
void writeCluster(const Graph &g, const std::string &prefix, const std::string &title, std::string &out) {
  out += "  subgraph cluster_" + prefix + " {\n";
  out += "    label=\"" + escaped(title) + "\";\n";
  std::vector<bool> isInput(g.nodes.size(), false), isOutput(g.nodes.size(), false);
  for (int i : g.inputs) isInput[i] = true;
  for (int o : g.outputs) isOutput[o] = true;
  for (size_t id = 0; id < g.nodes.size(); ++id) {
    const Node &n = g.nodes[id];
    std::string label = "%" + std::to_string(id) + " " + opInfo(n.op).name + " : " + typeString(n.dtype, n.shape);
    std::string attrs = attrsString(n);
    if (!attrs.empty()) label += "\n" + attrs.substr(1);
    std::string style = isInput[id] ? ", style=filled, fillcolor=lightblue"
                        : isOutput[id] ? ", style=filled, fillcolor=lightyellow" : "";
    out += "    " + prefix + "_" + std::to_string(id) + " [label=\"" + escaped(label) + "\"" + style + "];\n";
  }
  for (size_t id = 0; id < g.nodes.size(); ++id) {
    const Node &n = g.nodes[id];
    for (size_t k = 0; k < n.operands.size(); ++k) {
      out += "    " + prefix + "_" + std::to_string(n.operands[k]) + " -> " + prefix + "_" + std::to_string(id);
      if (n.operands.size() > 1) out += " [label=\"" + std::to_string(k) + "\"]";
      out += ";\n";
    }
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    std::string result = prefix + "_out" + std::to_string(k);
    out += "    " + result + " [label=\"return " + std::to_string(k) + "\", shape=plaintext];\n";
    out += "    " + prefix + "_" + std::to_string(g.outputs[k]) + " -> " + result + ";\n";
  }
  out += "  }\n";
  for (size_t id = 0; id < g.nodes.size(); ++id) {
    const Node &n = g.nodes[id];
    if ((n.op != Op::Scan && n.op != Op::While) || !n.attrs.body) continue;
    std::string body = prefix + "_" + std::to_string(id) + "_body";
    writeCluster(*n.attrs.body, body, "body of %" + std::to_string(id) + " (" + opInfo(n.op).name + ")", out);
    out += "  " + prefix + "_" + std::to_string(id) + " -> " + body + "_" +
           std::to_string(n.attrs.body->nodes.empty() ? 0 : n.attrs.body->nodes.size() - 1) +
           " [style=dashed, arrowhead=none, constraint=false];\n";
  }
}

} // namespace

std::string dotGraphs(const std::vector<std::pair<std::string, Graph>> &graphs) {
  std::string out = "digraph zy {\n  node [shape=box, fontname=\"monospace\"];\n  compound=true;\n";
  for (size_t i = 0; i < graphs.size(); ++i) writeCluster(graphs[i].second, "g" + std::to_string(i), graphs[i].first, out);
  return out + "}\n";
}

} // namespace zy::ir

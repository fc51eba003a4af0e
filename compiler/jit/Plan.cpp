// Plan.cpp: choosing the buffers and steps of a compiled graph (see Plan.h).
#include "jit/Plan.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

namespace zy::jit {

using ir::Graph;
using ir::Node;
using ir::Op;
using ir::OpKind;

size_t bytesOf(const Node &node) { return static_cast<size_t>(elementCount(node.shape).value_or(0)) * dtypeSize(node.dtype); }

MatMulSizes matmulSizes(const Graph &graph, const Node &node) {
  const Node &a = graph.nodes[node.operands[0]], &b = graph.nodes[node.operands[1]];
  size_t rank = node.shape.size();
  MatMulSizes s;
  s.n = a.shape[rank - 2], s.k = a.shape[rank - 1], s.m = b.shape[rank - 1];
  for (size_t i = 0; i + 2 < rank; ++i) s.batches *= node.shape[i];
  return s;
}

namespace {

constexpr int MaxFusedOps = 256;

/// Ops computed inside the loop of whatever reads them.
bool fusable(const Node &node) {
  switch (ir::opInfo(node.op).kind) {
  case OpKind::Unary:
  case OpKind::Binary:
  case OpKind::Compare:
  case OpKind::Ternary: return true;
  case OpKind::Movement: return node.op != Op::Concat;
  case OpKind::Index: return node.op == Op::Gather;
  case OpKind::Source: return node.op == Op::Constant || node.op == Op::Iota;
  default: return false;
  }
}

/// A reshape that only adds or drops axes of size 1 maps indices one to one; any other
/// reshape reads its operand by linear position, so the operand needs a buffer.
bool unitReshape(const Shape &from, const Shape &to) {
  Shape a, b;
  for (int64_t d : from)
    if (d != 1) a.push_back(d);
  for (int64_t d : to)
    if (d != 1) b.push_back(d);
  return a == b;
}

/// transpose(x) that swaps the last two axes and keeps the rest: BLAS reads it as is.
bool swapsLastTwo(const Node &node) {
  if (node.op != Op::Transpose) return false;
  const auto &perm = node.attrs.perm;
  size_t r = perm.size();
  if (r < 2) return false;
  for (size_t i = 0; i + 2 < r; ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return perm[r - 2] == static_cast<int64_t>(r - 1) && perm[r - 1] == static_cast<int64_t>(r - 2);
}

class Planner {
public:
  explicit Planner(const Graph &g) : G(g), N(static_cast<int>(g.nodes.size())) {
    P.graph = &g;
    P.live.assign(N, false);
    P.materialised.assign(N, false);
    P.slotOf.assign(N, -1);
    P.scanResultSlots.resize(N);
  }

  Plan run() {
    findLive();
    chooseBuffers();
    makeSteps();
    placeBuffers();
    return std::move(P);
  }

private:
  const Graph &G;
  const int N;
  Plan P;
  std::vector<int> Uses;          // live consumers of each node (an operand used twice counts twice)
  std::vector<bool> NeedsBuffer;  // read by something that cannot fuse it
  std::vector<bool> Stretched;    // read by a broadcast that repeats its elements, or gathered from
  std::vector<int> FoldedInto;    // transposes folded into a matmul's BLAS flags: their operand

  void findLive() {
    for (int out : G.outputs) P.live[out] = true;
    for (int id = 0; id < N; ++id) // effects (debug_print) are roots: nothing reads them
      if (ir::hasEffect(G.nodes[id])) P.live[id] = true;
    for (int id = N - 1; id >= 0; --id)
      if (P.live[id])
        for (int operand : G.nodes[id].operands) P.live[operand] = true;
  }

  void chooseBuffers() {
    Uses.assign(N, 0);
    NeedsBuffer.assign(N, false);
    Stretched.assign(N, false);
    for (int id = 0; id < N; ++id) {
      if (!P.live[id]) continue;
      const Node &node = G.nodes[id];
      for (size_t k = 0; k < node.operands.size(); ++k) {
        int operand = node.operands[k];
        ++Uses[operand];
        const Node &x = G.nodes[operand];
        switch (node.op) {
        case Op::MatMul:
          // A transpose of the last two axes becomes a BLAS flag when its own operand
          // has (or will get) a buffer; otherwise the transposed value is materialised.
          if (swapsLastTwo(x)) NeedsBuffer[x.operands[0]] = true;
          else NeedsBuffer[operand] = true;
          break;
        case Op::Scan:
        case Op::While:
        case Op::ScatterAdd:
        case Op::Argsort:
        case Op::CheckLabels:
        case Op::DebugPrint:
        case Op::RandomUniform:
        case Op::RandomNormal:
        case Op::RandomSplit:
        case Op::RandomFoldIn: NeedsBuffer[operand] = true; break;
        case Op::Reshape:
          if (!unitReshape(x.shape, node.shape)) NeedsBuffer[operand] = true;
          break;
        case Op::Broadcast:
          if (elementCount(node.shape).value_or(0) > elementCount(x.shape).value_or(0)) Stretched[operand] = true;
          break;
        case Op::Gather:
          if (k == 0) Stretched[operand] = true;
          break;
        default: break;
        }
      }
    }
    std::vector<bool> isOutput(N, false);
    for (int out : G.outputs) isOutput[out] = true;
    // How many ops a fused node's expression has: a very long chain (a loop unrolled
    // by tracing) is cut into kernels of at most MaxFusedOps, which LLVM compiles in
    // linear time; one basic block of tens of thousands of ops it does not.
    std::vector<int> fusedOps(N, 0);
    for (int id = 0; id < N; ++id) {
      if (!P.live[id]) continue;
      const Node &node = G.nodes[id];
      bool m;
      if (!fusable(node)) m = true;
      else m = isOutput[id] || NeedsBuffer[id] || ((Uses[id] > 1 || Stretched[id]) && !cheap(id));
      if (!m) {
        fusedOps[id] = 1;
        for (int operand : node.operands)
          if (!P.materialised[operand]) fusedOps[id] += fusedOps[operand];
        m = fusedOps[id] > MaxFusedOps;
      }
      P.materialised[id] = m;
    }
  }

  /// Pure index arithmetic over a buffer or a constant: recomputing it costs a load.
  bool cheap(int id) const {
    const Node &node = G.nodes[id];
    if (P.materialised[id]) return true; // earlier nodes are decided already
    switch (node.op) {
    case Op::Constant:
    case Op::Iota: return true;
    case Op::Broadcast:
    case Op::Transpose:
    case Op::Slice:
    case Op::Flip:
    case Op::Reshape: return cheap(node.operands[0]);
    default: return false;
    }
  }

  /// The materialised nodes a loop computing `id` reads: through the fused nodes.
  void collectReads(int id, std::vector<int> &reads, std::vector<bool> &seen) const {
    for (int operand : G.nodes[id].operands) {
      if (seen[operand]) continue;
      seen[operand] = true;
      if (P.materialised[operand]) reads.push_back(operand);
      else collectReads(operand, reads, seen);
    }
  }

  /// A materialised reshape of a materialised node is the same bytes in the same order:
  /// it shares its operand's buffer instead of copying it (unless it is an output,
  /// which has a buffer of its own).
  bool aliasesOperand(int id) const {
    const Node &node = G.nodes[id];
    if (node.op != Op::Reshape || !P.materialised[id] || !P.materialised[node.operands[0]]) return false;
    for (int out : G.outputs)
      if (out == id) return false;
    return true;
  }

  /// BLAS takes dimensions (and leading dimensions) as int.
  bool blasSized(const Node &node) const {
    const Shape &a = G.nodes[node.operands[0]].shape;
    for (int64_t d : {a[a.size() - 2], a.back(), node.shape.back()})
      if (d > std::numeric_limits<int>::max()) return false;
    return true;
  }

  MatOperand matOperand(int operand) const {
    const Node &x = G.nodes[operand];
    if (!P.materialised[operand] && swapsLastTwo(x)) return {x.operands[0], true};
    return {operand, false};
  }

  void makeSteps() {
    for (int id = 0; id < N; ++id) {
      if (!P.live[id] || !P.materialised[id]) continue;
      const Node &node = G.nodes[id];
      if (aliasesOperand(id)) continue; // no step: it is its operand's bytes
      Step step;
      step.node = id;
      switch (node.op) {
      case Op::Input:
      case Op::Literal:
      case Op::Project: continue; // no step: bound at run time, or filled by its scan
      case Op::MatMul:
        if (!blasSized(node)) throw Unsupported("a matrix dimension beyond BLAS's int range");
        step.kind = Step::MatMul;
        step.a = matOperand(node.operands[0]);
        step.b = matOperand(node.operands[1]);
        step.reads = {step.a.node, step.b.node};
        break;
      case Op::Scan: step.kind = Step::Scan; break;
      case Op::While: step.kind = Step::While; break;
      case Op::RandomUniform:
      case Op::RandomNormal:
      case Op::RandomSplit:
      case Op::RandomFoldIn: step.kind = Step::Random; break;
      case Op::ScatterAdd: step.kind = Step::ScatterAdd; break;
      case Op::Argsort: step.kind = Step::Sort; break;
      case Op::CheckLabels: step.kind = Step::Check; break;
      case Op::DebugPrint:
        step.kind = Step::Print;
        step.reads = node.operands; // each has a buffer (NeedsBuffer)
        break;
      default:
        step.kind = Step::Kernel;
        step.kernel = static_cast<int>(P.kernels.size());
        P.kernels.push_back(id);
        step.parallelExtent = parallelExtent(node);
        break;
      }
      if (step.reads.empty()) {
        std::vector<bool> seen(N, false);
        collectReads(id, step.reads, seen);
      }
      P.steps.push_back(step);
    }
  }

  /// The extent of the loop a kernel may split: its outermost output axis, when the
  /// loop nest runs over the output (not for concat, nor a reduction whose outermost
  /// loop is a reduced axis).
  int64_t parallelExtent(const Node &node) const {
    if (node.op == Op::Concat || node.shape.empty()) return 0;
    if (ir::opInfo(node.op).kind == OpKind::Reduce) {
      const Shape &in = G.nodes[node.operands[0]].shape;
      const auto &axes = node.attrs.axes;
      if (!axes.empty() && axes[0] == 0) return 0;
      return in.empty() ? 0 : in[0];
    }
    return node.shape[0];
  }

  /// Whether an elementwise kernel reads `x` only at the index it writes: through
  /// elementwise ops alone, never through a broadcast, movement or gather.
  bool readsOnlyInPlace(int id, int x, bool identity) const {
    for (int operand : G.nodes[id].operands) {
      bool elementwise = identity && isElementwise(G.nodes[id]);
      if (operand == x) {
        if (!elementwise) return false;
        continue;
      }
      if (!P.materialised[operand] && !readsOnlyInPlace(operand, x, elementwise)) return false;
    }
    return true;
  }

  static bool isElementwise(const Node &n) {
    OpKind k = ir::opInfo(n.op).kind;
    return k == OpKind::Unary || k == OpKind::Binary || k == OpKind::Compare || k == OpKind::Ternary;
  }

  /// An operand whose buffer the result of elementwise kernel `step` can take over: in
  /// the arena, of the result's size and dtype, read for the last time by this step and
  /// only at the element being written. -1 if none.
  int inPlaceDonor(const Step &step, int s, const std::vector<int> &lastRead, const std::vector<bool> &inArena,
                   const std::vector<int> &owner) const {
    const Node &node = G.nodes[step.node];
    if (step.kind != Step::Kernel || !isElementwise(node)) return -1;
    for (int r : step.reads) {
      const Node &x = G.nodes[r];
      if (owner[r] != r || !inArena[r] || lastRead[r] != s) continue;
      if (x.dtype != node.dtype || bytesOf(x) != bytesOf(node)) continue;
      bool aliased = false; // another read (a second projection of the same result) shares its buffer
      for (int other : step.reads)
        if (other != r && owner[other] == r) aliased = true;
      if (!aliased && readsOnlyInPlace(step.node, r, true)) return r;
    }
    return -1;
  }

  int newSlot(Slot slot) {
    P.slots.push_back(slot);
    return static_cast<int>(P.slots.size()) - 1;
  }

  void placeBuffers() {
    // Inputs and literals are bound to their tensors; outputs computed by a step are
    // written in place; every other output position is a copy at the end.
    for (size_t i = 0; i < G.inputs.size(); ++i) P.slotOf[G.inputs[i]] = newSlot({Slot::Input, i});
    for (int id = 0; id < N; ++id)
      if (P.live[id] && G.nodes[id].op == Op::Literal) P.slotOf[id] = newSlot({Slot::Literal, 0, id});
    std::vector<bool> written(N, false);
    for (size_t k = 0; k < G.outputs.size(); ++k) {
      int id = G.outputs[k];
      Op op = G.nodes[id].op;
      if (op != Op::Input && op != Op::Literal && !written[id]) {
        P.slotOf[id] = newSlot({Slot::Output, k});
        written[id] = true;
      } else {
        Step copy;
        copy.kind = Step::Copy;
        copy.node = id;
        copy.output = k;
        copy.reads = {id};
        P.steps.push_back(copy);
      }
    }

    // The arena: first fit over the free gaps, in step order; a step's result is placed
    // before the buffers it was the last to read are released, so it never overlaps them.
    // Projections of a scan: the scan writes each result straight into its projection's
    // buffer; a second projection of the same result shares the first one's.
    std::vector<std::vector<int>> projections(N);
    std::vector<int> owner(N);
    for (int id = 0; id < N; ++id) owner[id] = id;
    for (int id = 0; id < N; ++id) {
      if (!P.live[id] || G.nodes[id].op != Op::Project) continue;
      std::vector<int> &same = projections[G.nodes[id].operands[0]];
      for (int other : same)
        if (G.nodes[other].attrs.index == G.nodes[id].attrs.index) owner[id] = other;
      if (owner[id] == id) same.push_back(id);
    }
    // An aliasing reshape is read through its operand's buffer, so its reads keep the
    // operand alive (in graph order, the operand's owner is already known).
    for (int id = 0; id < N; ++id)
      if (P.live[id] && aliasesOperand(id)) owner[id] = owner[G.nodes[id].operands[0]];
    std::vector<int> lastRead(N, -1);
    for (size_t s = 0; s < P.steps.size(); ++s)
      for (int r : P.steps[s].reads) lastRead[owner[r]] = static_cast<int>(s);
    std::map<size_t, size_t> used; // offset -> bytes
    auto allocate = [&](size_t bytes) {
      bytes = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
      size_t at = 0;
      for (auto [offset, size] : used) {
        if (offset >= at + bytes) break;
        at = std::max(at, offset + size);
      }
      used[at] = bytes;
      P.arenaBytes = std::max(P.arenaBytes, at + bytes);
      return at;
    };
    std::vector<size_t> offsetOf(N, 0);
    std::vector<bool> inArena(N, false);
    auto place = [&](int id) {
      if (P.slotOf[id] >= 0) return;
      offsetOf[id] = allocate(bytesOf(G.nodes[id]));
      inArena[id] = true;
      P.slotOf[id] = newSlot({Slot::Arena, offsetOf[id]});
    };
    for (size_t s = 0; s < P.steps.size(); ++s) {
      Step &step = P.steps[s];
      if (step.kind == Step::Scan || step.kind == Step::While) {
        const Node &scan = G.nodes[step.node];
        size_t results = scan.attrs.body->outputs.size(); // a while's body returns its carries
        std::vector<int> &slots = P.scanResultSlots[step.node];
        slots.assign(results, -1);
        for (int proj : projections[step.node]) {
          int64_t k = G.nodes[proj].attrs.index;
          if (k < 0 || k >= static_cast<int64_t>(results)) throw std::invalid_argument("project of a missing scan result");
          place(proj);
          slots[k] = P.slotOf[proj];
        }
        for (size_t k = 0; k < results; ++k) // results nobody reads still need somewhere to go
          if (slots[k] < 0) {
            const Node &out = scan.attrs.body->nodes[scan.attrs.body->outputs[k]];
            Node shaped;
            shaped.dtype = out.dtype;
            shaped.shape = out.shape;
            if (step.kind == Step::Scan && static_cast<int64_t>(k) >= scan.attrs.carries)
              shaped.shape.insert(shaped.shape.begin(), G.nodes[scan.operands[scan.attrs.carries]].shape[0]);
            size_t at = allocate(bytesOf(shaped));
            slots[k] = newSlot({Slot::Arena, at});
            // Never released: it is small, and tracking it as a node would need one.
          }
      } else if (step.kind != Step::Copy) {
        int donor = inPlaceDonor(step, static_cast<int>(s), lastRead, inArena, owner);
        if (donor >= 0 && P.slotOf[step.node] < 0) {
          // In place: the result takes over the buffer of an operand read for the last
          // time, element for element, here.
          offsetOf[step.node] = offsetOf[donor];
          inArena[step.node] = true;
          P.slotOf[step.node] = newSlot({Slot::Arena, offsetOf[donor]});
          inArena[donor] = false; // no longer its own: not released below
          step.donor = donor;
        } else {
          place(step.node);
        }
      }
      // A projection's buffer lives until its last reader; release what this step read last.
      for (int r : step.reads)
        if (lastRead[owner[r]] == static_cast<int>(s) && inArena[owner[r]]) used.erase(offsetOf[owner[r]]);
      if (step.kind == Step::Scan || step.kind == Step::While)
        for (int proj : projections[step.node])
          if (lastRead[proj] < 0 && inArena[proj]) used.erase(offsetOf[proj]);
    }
    for (int id = 0; id < N; ++id) {
      if (owner[id] == id || !P.live[id]) continue;
      if (P.slotOf[id] >= 0) throw Unsupported("a scan result projected twice into outputs");
      P.slotOf[id] = P.slotOf[owner[id]];
    }
  }
};

} // namespace

Plan makePlan(const Graph &graph) { return Planner(graph).run(); }

} // namespace zy::jit

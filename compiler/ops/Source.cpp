// Source.cpp: the rows of the ops with no tensor operands (input, constant, literal,
// iota) and of the random ops, whose only operand is a key. None has a gradient or a
// tangent. A random op with one key per example (vmap over keys) is unrolled: a draw per
// key, stacked.
#include "ops/Common.h"

#include <cmath>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

// Input and Constant are typed by attrs.dtype and attrs.shape; the final shape check in
// inferType rejects a bad attrs.shape.
Error inferInput(const Rule &, Node &node, const Operands &) {
  if (node.attrs.index < 0) return "input with the negative index " + std::to_string(node.attrs.index);
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

Tensor evalInput(const Rule &, const Node &node, const Args &) {
  throw std::invalid_argument("an input node has no kernel: the executor binds it to an argument");
}

Error inferConstant(const Rule &, Node &node, const Operands &) {
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

Tensor evalConstant(const Rule &, const Node &node, const Args &) {
  Tensor out(node.dtype, node.shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, node.attrs.value);
  return out;
}

Error inferLiteral(const Rule &, Node &node, const Operands &) {
  if (!node.attrs.literal) return std::string("literal without a tensor");
  node.dtype = node.attrs.literal->dtype();
  node.shape = node.attrs.literal->shape();
  return std::nullopt;
}

// Tensors are immutable, so the result shares the literal's buffer.
Tensor evalLiteral(const Rule &, const Node &node, const Args &) { return *node.attrs.literal; }

Error inferIota(const Rule &rule, Node &node, const Operands &) {
  OperandType result{node.attrs.dtype, node.attrs.shape};
  if (!accepts(rule.domain, result.dtype))
    return std::string("iota needs a numeric dtype, got ") + dtypeName(result.dtype);
  if (auto error = normaliseAxis(node, result, node.attrs.axis)) return error;
  node.dtype = result.dtype;
  node.shape = result.shape;
  return std::nullopt;
}

Tensor evalIota(const Rule &, const Node &node, const Args &) {
  Tensor out(node.dtype, node.shape);
  int64_t stride = stridesOf(node.shape)[node.attrs.axis], length = node.shape[node.attrs.axis];
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, static_cast<double>((i / stride) % length));
  return out;
}


// random_uniform / random_normal (key: i32[2]) -> attrs.dtype (f32 or f64) of attrs.shape:
// in [0, 1), or standard normal.
Error inferRandomDraws(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &key = ops[0];
  const char *name = opInfo(node.op).name;
  if (key.dtype != DType::I32 || key.shape != Shape{2})
    return std::string(name) + " needs a key of type i32[2], got " + typeOf(key);
  if (!accepts(rule.domain, node.attrs.dtype))
    return std::string(name) + " makes f32 or f64 numbers, not " + dtypeName(node.attrs.dtype);
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

// random_split(key: i32[2]) -> i32[n, 2] (attrs.shape); random_fold_in(key) -> i32[2]:
// keys derived from a key the graph gets at run time, word for word as the host derives
// them (random.split, random.fold_in).
Error inferRandomKeys(const Rule &, Node &node, const Operands &ops) {
  const OperandType &key = ops[0];
  const char *name = opInfo(node.op).name;
  if (key.dtype != DType::I32 || key.shape != Shape{2})
    return std::string(name) + " needs a key of type i32[2], got " + typeOf(key);
  if (node.op == Op::RandomSplit && (node.attrs.shape.size() != 2 || node.attrs.shape[1] != 2 || node.attrs.shape[0] < 1))
    return "random_split makes [n, 2] keys, not " + shapeString(node.attrs.shape);
  node.dtype = DType::I32;
  node.shape = node.op == Op::RandomSplit ? node.attrs.shape : Shape{2};
  return std::nullopt;
}

// The key's two int32 words are the runtime's two uint32 key words, bit for bit.
Tensor evalRandom(const Rule &, const Node &node, const Args &args) {
  const int32_t *words = args[0]->data<int32_t>();
  const uint32_t key[2] = {static_cast<uint32_t>(words[0]), static_cast<uint32_t>(words[1])};
  Tensor out(node.dtype, node.shape);
  drawRandom(node, key, out.mutableData<void>());
  return out;
}

// ================================================================ batching

/// Sources have no operands, so vmap copies them unbatched and never asks.
int batchSource(Batching &, const Node &n) {
  throw std::logic_error(std::string("vmap: ") + opInfo(n.op).name + " has no operand to batch");
}

/// A draw per key, stacked (batching the kernel itself would need a batched key stream).
int batchRandom(Batching &r, const Node &n) {
  Builder &b = r.b;
  int keys = r.node[n.operands[0]];
  std::vector<int> draws;
  for (int64_t k = 0; k < r.size; ++k) {
    int key = b.reshape(b.sliceLeading(keys, k, k + 1), {2});
    int draw = b.add(n.op, {key}, n.attrs, n.span);
    draws.push_back(b.reshape(draw, ir::withLeadingAxis(1, b.shape(draw))));
  }
  if (draws.size() == 1) return draws[0];
  Attrs c;
  c.axis = 0;
  return b.add(Op::Concat, draws, c, n.span);
}

constexpr Rule Rows[] = {
    {Op::Input, inferInput, evalInput, vjpNone, jvpNone, batchSource},
    {Op::Constant, inferConstant, evalConstant, vjpNone, jvpNone, batchSource},
    {Op::Literal, inferLiteral, evalLiteral, vjpNone, jvpNone, batchSource},
    {Op::Iota, inferIota, evalIota, vjpNone, jvpNone, batchSource, Domain::Numeric},
    {Op::RandomUniform, inferRandomDraws, evalRandom, vjpNone, jvpNone, batchRandom, Domain::Float},
    {Op::RandomNormal, inferRandomDraws, evalRandom, vjpNone, jvpNone, batchRandom, Domain::Float},
    {Op::RandomSplit, inferRandomKeys, evalRandom, vjpNone, jvpNone, batchRandom},
    {Op::RandomFoldIn, inferRandomKeys, evalRandom, vjpNone, jvpNone, batchRandom},
};

static_assert(rowsCover(Rows, {OpKind::Source, OpKind::Random}),
              "Source.cpp must have a full row for each source and random op of Ops.def, in its order");

} // namespace

const std::span<const Rule> SourceRows = Rows;

} // namespace zy::ops

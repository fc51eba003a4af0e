// Contract.cpp: the row of matmul. Its VJP is the two transposed products, its JVP the
// product rule; batching folds the batch into the rows (or columns) of one matrix
// product when the other side is a plain matrix, so a layer over a batch stays one BLAS call.
#include "ops/Common.h"

#include <cmath>
#include <limits>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

// [..., n, k] @ [..., k, m] -> [..., n, m]; the tracer has already broadcast the batch dims.
Error inferMatMul(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &a = ops[0], &b = ops[1];
  std::string head = "matmul of " + typeOf(a) + " and " + typeOf(b) + ": ";
  size_t rank = a.shape.size();
  if (rank < 2 || b.shape.size() < 2) return head + "each needs at least 2 axes";
  if (a.dtype != b.dtype) return head + "dtypes differ";
  if (!accepts(rule.domain, a.dtype)) return head + "needs float or i32 tensors";
  if (b.shape.size() != rank) return head + "ranks differ";
  if (!std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin()))
    return head + "batch dimensions differ";
  int64_t k = a.shape[rank - 1], k2 = b.shape[rank - 2];
  if (k != k2)
    return head + "inner dimensions " + std::to_string(k) + " and " + std::to_string(k2) + " differ";
  node.dtype = a.dtype;
  node.shape = a.shape;
  node.shape[rank - 1] = b.shape[rank - 1];
  return std::nullopt;
}

// The operands are read into doubles once and each output row is accumulated over p in
// order (i, p, j loops): the same sums, in the same order, as the textbook triple loop,
// but sequential in memory, so the oracle is not needlessly slow.
Tensor evalMatMul(const Rule &, const Node &node, const Args &args) {
  const Tensor &a = *args[0], &b = *args[1];
  size_t rank = node.shape.size();
  int64_t batches = product(node.shape, 0, rank - 2);
  int64_t n = a.shape()[rank - 2], k = a.shape()[rank - 1], m = b.shape()[rank - 1];
  Tensor out(node.dtype, node.shape);
  std::vector<double> av(static_cast<size_t>(n * k)), bv(static_cast<size_t>(k * m)), row(static_cast<size_t>(m));
  if (node.dtype == DType::I32) { // exact products in 64 bits, sums wrapped once (wrapInt32)
    for (int64_t batch = 0; batch < batches; ++batch)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) {
          uint64_t sum = 0;
          for (int64_t p = 0; p < k; ++p)
            sum += asUnsigned(a.get(batch * n * k + i * k + p)) * asUnsigned(b.get(batch * k * m + p * m + j));
          out.set(batch * n * m + i * m + j, wrapInt32(sum));
        }
    return out;
  }
  for (int64_t batch = 0; batch < batches; ++batch) {
    int64_t aBase = batch * n * k, bBase = batch * k * m, outBase = batch * n * m;
    for (int64_t i = 0; i < n * k; ++i) av[i] = a.get(aBase + i);
    for (int64_t i = 0; i < k * m; ++i) bv[i] = b.get(bBase + i);
    for (int64_t i = 0; i < n; ++i) {
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t p = 0; p < k; ++p) {
        double x = av[i * k + p];
        const double *bRow = bv.data() + p * m;
        for (int64_t j = 0; j < m; ++j) row[j] += x * bRow[j];
      }
      for (int64_t j = 0; j < m; ++j) out.set(outBase + i * m + j, row[j]);
    }
  }
  return out;
}

// ================================================================ transformations

/// Swaps the last two axes (a matrix transpose, batched).
int swapLast(Builder &b, int x) {
  std::vector<int64_t> perm(b.shape(x).size());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return b.transpose(x, perm);
}

/// dA = g Bᵀ, dB = Aᵀ g.
Grads vjpMatMul(Builder &b, const Node &n, int, int g) {
  const std::vector<int> &x = n.operands;
  return {b.binary(Op::MatMul, g, swapLast(b, x[1])), b.binary(Op::MatMul, swapLast(b, x[0]), g)};
}

/// (a + ta)(b + tb) to first order: ta b + a tb.
int jvpMatMul(const Rule &, Builder &b, const Node &n, int, const std::vector<int> &t) {
  int sum = -1;
  if (t[0] >= 0) sum = b.binary(Op::MatMul, t[0], n.operands[1]);
  if (t[1] >= 0) {
    int part = b.binary(Op::MatMul, n.operands[0], t[1]);
    sum = sum < 0 ? part : b.binary(Op::Add, sum, part);
  }
  return sum;
}

/// [B, ..., n, k] @ [..., k, m] and its mirror image, or a batched product.
int batchMatMul(Batching &r, const Node &n) {
  Builder &b = r.b;
  int a = r.node[n.operands[0]], c = r.node[n.operands[1]];
  bool ba = r.batched[n.operands[0]], bc = r.batched[n.operands[1]];
  Shape sa = b.shape(a), sc = b.shape(c);
  if (ba && !bc && sc.size() == 2) { // fold the batch (and any batch dims) into the rows
    Shape out = sa;
    out.back() = sc[1];
    int rows = b.reshape(a, {product(sa, 0, sa.size() - 1), sa.back()});
    return b.reshape(b.binary(Op::MatMul, rows, c), out);
  }
  if (!ba && bc && sa.size() == 2 && sc.size() == 3) { // [n, k] @ [B, k, m]: the batch in the columns
    int64_t B = sc[0], k = sc[1], m = sc[2];
    int columns = b.reshape(b.transpose(c, {1, 0, 2}), {k, B * m});
    int product = b.reshape(b.binary(Op::MatMul, a, columns), {sa[0], B, m});
    return b.transpose(product, {1, 0, 2});
  }
  return b.binary(Op::MatMul, r.lifted(n.operands[0]), r.lifted(n.operands[1]));
}

constexpr Rule Rows[] = {
    {Op::MatMul, inferMatMul, evalMatMul, vjpMatMul, jvpMatMul, batchMatMul, Domain::Numeric},
};

static_assert(rowsCover(Rows, {OpKind::Contract}), "Contract.cpp must have a full row for matmul");

} // namespace

const std::span<const Rule> ContractRows = Rows;

} // namespace zy::ops

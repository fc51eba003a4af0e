// Remat.cpp: checkpointed scans and opaque calls (see Remat.h).
#include "transforms/Remat.h"

#include "transforms/Grad.h"

#include <cmath>

namespace zy::transforms {

using namespace ir;

namespace {

/// A scan node of `body` over `operands` (carries, sequences, captures), added to the
/// graph; returns its results: the final carries, then the stacked ys.
std::vector<int> addScan(Builder &b, std::shared_ptr<const Graph> body, size_t carries, size_t sequences,
                         std::vector<int> operands, Span span) {
  Attrs a;
  a.body = body;
  a.carries = static_cast<int64_t>(carries);
  a.sequences = static_cast<int64_t>(sequences);
  int64_t steps = b.shape(operands[carries])[0];
  int scan = b.add(Op::Scan, std::move(operands), a, span);
  std::vector<int> results;
  for (size_t k = 0; k < body->outputs.size(); ++k) {
    const Node &out = body->nodes[body->outputs[k]];
    Shape shape = k < carries ? out.shape : withLeadingAxis(steps, out.shape);
    results.push_back(b.project(scan, static_cast<int64_t>(k), out.dtype, shape, span));
  }
  return results;
}

} // namespace

std::vector<int> checkpointedScan(Builder &b, const Node &scan) {
  const auto body = scan.attrs.body;
  const size_t nc = scan.attrs.carries, nx = scan.attrs.sequences;
  const size_t ny = body->outputs.size() - nc;
  const int64_t steps = b.shape(scan.operands[nc])[0];
  const int64_t segment = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(steps))));
  const int64_t segments = steps / segment, covered = segments * segment;
  std::vector<int> carries(scan.operands.begin(), scan.operands.begin() + static_cast<long>(nc));
  std::vector<int> xs(scan.operands.begin() + static_cast<long>(nc), scan.operands.begin() + static_cast<long>(nc + nx));
  std::vector<int> captures(scan.operands.begin() + static_cast<long>(nc + nx), scan.operands.end());
  if (segments < 2) return addScan(b, body, nc, nx, scan.operands, scan.span); // too short to split

  // The outer body: (carries, one segment of each sequence, captures) -> (carries, ys of the segment).
  auto outerBody = std::make_shared<Graph>();
  Builder ob(*outerBody);
  std::vector<int> inner;
  for (size_t i = 0; i < nc; ++i) inner.push_back(ob.input(b.dtype(carries[i]), b.shape(carries[i])));
  for (int x : xs) {
    Shape s = b.shape(x);
    s[0] = segment;
    inner.push_back(ob.input(b.dtype(x), s));
  }
  for (int k : captures) inner.push_back(ob.input(b.dtype(k), b.shape(k)));
  for (int result : addScan(ob, body, nc, nx, inner, scan.span)) outerBody->outputs.push_back(result);

  // The outer scan over [segments, segment, ...] views of the covered steps.
  std::vector<int> operands = carries;
  for (int x : xs) {
    Shape s = b.shape(x);
    s[0] = segment;
    operands.push_back(b.reshape(b.sliceLeading(x, 0, covered), withLeadingAxis(segments, s)));
  }
  operands.insert(operands.end(), captures.begin(), captures.end());
  std::vector<int> outer = addScan(b, outerBody, nc, nx, operands, scan.span);
  std::vector<int> results(outer.begin(), outer.begin() + static_cast<long>(nc));
  std::vector<int> ys;
  for (size_t q = 0; q < ny; ++q) {
    Shape s = b.shape(outer[nc + q]); // [segments, segment, ...]
    s.erase(s.begin());
    s[0] = covered;
    ys.push_back(b.reshape(outer[nc + q], s));
  }

  // The steps left over, as a plain scan from the carries the segments ended with.
  if (covered < steps) {
    std::vector<int> rest = results;
    for (int x : xs) rest.push_back(b.sliceLeading(x, covered, steps));
    rest.insert(rest.end(), captures.begin(), captures.end());
    std::vector<int> tail = addScan(b, body, nc, nx, rest, scan.span);
    for (size_t i = 0; i < nc; ++i) results[i] = tail[i];
    for (size_t q = 0; q < ny; ++q) ys[q] = b.concat({ys[q], tail[nc + q]}, 0);
  }
  results.insert(results.end(), ys.begin(), ys.end());
  return results;
}

std::vector<int> opaqueCall(Builder &b, const Graph &body, const std::vector<int> &operands, Span span) {
  // A scan of one step: no carries, a dummy sequence of length 1, the operands as captures.
  auto step = std::make_shared<Graph>();
  Builder sb(*step);
  sb.input(DType::F32, {});
  std::vector<int> inputs;
  for (int x : operands) inputs.push_back(sb.input(b.dtype(x), b.shape(x)));
  for (int out : inlineInto(sb, body, inputs)) step->outputs.push_back(out);
  std::vector<int> scanOperands = {b.constant(DType::F32, {1}, 0)};
  scanOperands.insert(scanOperands.end(), operands.begin(), operands.end());
  std::vector<int> results;
  for (int stacked : addScan(b, step, 0, 1, scanOperands, span)) {
    Shape s = b.shape(stacked);
    s.erase(s.begin());
    results.push_back(b.reshape(stacked, s));
  }
  return results;
}

} // namespace zy::transforms

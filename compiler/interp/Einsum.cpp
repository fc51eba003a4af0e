// Einsum.cpp: einsum("ij,jk->ik", a, b): NumPy's Einstein summation for one or two
// operands, lowered to the primitives a GEMM needs.
//
// Each letter of a subscript names an axis. For two operands the letters fall into four
// groups: batch (in both and in the result), contracted (in both, not in the result),
// and free on one side (in one operand and the result). Letters in one operand only and
// not in the result are summed away first. The operands are then transposed and
// reshaped to [batch, free_a, contracted] and [batch, contracted, free_b], multiplied
// with one (batched) matmul — one BLAS call — and the product reshaped and transposed
// to the result's letters. So every einsum is differentiable, traceable and compiled
// like the ops it is made of. One operand: sums and a transpose.
#include "interp/Args.h"
#include "interp/TensorOps.h"
#include "interp/Transforms.h"

#include <algorithm>
#include <map>

namespace zy::interp {

namespace {

struct Spec {
  std::vector<std::string> inputs;
  std::string output;
};

Spec parseSpec(Interpreter &in, const std::string &text, size_t operands, Span span) {
  Spec s;
  std::string lhs = text, rhs;
  bool explicitOutput = false;
  if (auto arrow = text.find("->"); arrow != std::string::npos) {
    lhs = text.substr(0, arrow);
    rhs = text.substr(arrow + 2);
    explicitOutput = true;
  }
  std::string current;
  for (char c : lhs + ",") {
    if (c == ' ') continue;
    if (c == ',') {
      s.inputs.push_back(current);
      current.clear();
    } else if (c >= 'a' && c <= 'z') {
      current += c;
    } else {
      in.fail(span, std::string("einsum subscripts are lowercase letters, commas and one `->`, not `") + c + "` in \"" +
                        text + "\" (`...` is not supported)");
    }
  }
  if (s.inputs.size() != operands)
    in.fail(span, "einsum \"" + text + "\" names " + std::to_string(s.inputs.size()) + " operands but " +
                      std::to_string(operands) + " were given");
  if (operands < 1 || operands > 2) in.fail(span, "einsum takes one or two operands");
  for (const std::string &sub : s.inputs)
    for (size_t i = 0; i < sub.size(); ++i)
      if (sub.find(sub[i], i + 1) != std::string::npos)
        in.fail(span, std::string("einsum: the letter `") + sub[i] + "` repeats within \"" + sub +
                          "\" (diagonals are not supported)");
  if (explicitOutput) {
    for (char c : rhs) {
      if (c == ' ') continue;
      bool known = std::any_of(s.inputs.begin(), s.inputs.end(), [&](const std::string &x) { return x.find(c) != std::string::npos; });
      if (!known || s.output.find(c) != std::string::npos)
        in.fail(span, std::string("einsum: the result's letter `") + c + "` must appear once, and in an operand");
      s.output += c;
    }
  } else { // NumPy: the letters that appear once, in alphabetical order
    std::map<char, int> count;
    for (const std::string &sub : s.inputs)
      for (char c : sub) ++count[c];
    for (auto [c, n] : count)
      if (n == 1) s.output += c;
  }
  return s;
}

/// `t` (with axes named by `sub`) with the letters not in `keep` summed away.
Tensor sumAway(Interpreter &in, const Tensor &t, std::string &sub, const std::string &keep, Span span) {
  std::vector<int64_t> axes;
  std::string left;
  for (size_t i = 0; i < sub.size(); ++i)
    if (keep.find(sub[i]) == std::string::npos) axes.push_back(static_cast<int64_t>(i));
    else left += sub[i];
  if (axes.empty()) return t;
  sub = left;
  return reduce(in, ir::Op::ReduceSum, t, axes, false, span);
}

/// `t` (axes `sub`) transposed to the letters in `order`.
Tensor arrange(Interpreter &in, const Tensor &t, const std::string &sub, const std::string &order, Span span) {
  std::vector<int64_t> perm;
  for (char c : order) perm.push_back(static_cast<int64_t>(sub.find(c)));
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  return identity ? t : transpose(in, t, perm, span);
}

int64_t sizeOf(const std::map<char, int64_t> &dims, const std::string &letters) {
  int64_t n = 1;
  for (char c : letters) n *= dims.at(c);
  return n;
}

Value einsum(Interpreter &in, CallArgs &a) {
  if (a.positional.size() < 2 || a.positional[0].kind != ValueKind::Str || !a.keywords.empty())
    in.fail(a.span, "einsum takes subscripts and one or two tensors: einsum(\"ij,jk->ik\", a, b)");
  std::vector<Tensor> xs;
  for (size_t i = 1; i < a.positional.size(); ++i) xs.push_back(asTensor(in, a.positional[i], a.span));
  Spec s = parseSpec(in, *a.positional[0].str, xs.size(), a.span);
  std::map<char, int64_t> dims;
  for (size_t k = 0; k < xs.size(); ++k) {
    if (static_cast<int64_t>(s.inputs[k].size()) != xs[k].rank())
      in.fail(a.span, "einsum: \"" + s.inputs[k] + "\" names " + std::to_string(s.inputs[k].size()) + " axes but operand " +
                          std::to_string(k) + " is " + typeString(xs[k].dtype(), xs[k].shape()));
    for (size_t i = 0; i < s.inputs[k].size(); ++i) {
      char c = s.inputs[k][i];
      int64_t d = xs[k].shape()[i];
      if (dims.count(c) && dims[c] != d)
        in.fail(a.span, std::string("einsum: the letter `") + c + "` is " + std::to_string(dims[c]) + " in one operand and " +
                            std::to_string(d) + " in another");
      dims[c] = d;
    }
  }
  if (xs.size() == 1) {
    std::string sub = s.inputs[0];
    Tensor t = sumAway(in, xs[0], sub, s.output, a.span);
    return Value::fromTensor(arrange(in, t, sub, s.output, a.span));
  }

  // Letters only one operand has and the result lacks are summed away first.
  std::string sa = s.inputs[0], sb = s.inputs[1];
  Tensor ta = sumAway(in, xs[0], sa, sb + s.output, a.span);
  Tensor tb = sumAway(in, xs[1], sb, sa + s.output, a.span);
  std::string batch, contracted, freeA, freeB;
  for (char c : sa) {
    bool inB = sb.find(c) != std::string::npos, inOut = s.output.find(c) != std::string::npos;
    (inB ? (inOut ? batch : contracted) : freeA) += c;
  }
  for (char c : sb)
    if (sa.find(c) == std::string::npos) freeB += c;
  // [batch, freeA, contracted] @ [batch, contracted, freeB]: one GEMM (batched if batch).
  Tensor left = reshape(in, arrange(in, ta, sa, batch + freeA + contracted, a.span),
                        {sizeOf(dims, batch), sizeOf(dims, freeA), sizeOf(dims, contracted)}, a.span);
  Tensor right = reshape(in, arrange(in, tb, sb, batch + contracted + freeB, a.span),
                         {sizeOf(dims, batch), sizeOf(dims, contracted), sizeOf(dims, freeB)}, a.span);
  Tensor product = matmul(in, left, right, a.span);
  std::string letters = batch + freeA + freeB;
  Shape shape;
  for (char c : letters) shape.push_back(dims[c]);
  return Value::fromTensor(arrange(in, reshape(in, product, shape, a.span), letters, s.output, a.span));
}

} // namespace

void installEinsum(Env &env) { env.define("einsum", Value::makeBuiltin("einsum", einsum)); }

} // namespace zy::interp

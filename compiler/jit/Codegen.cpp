// Codegen.cpp: LLVM IR for the kernels of a plan (see Codegen.h and Plan.h).
//
// A kernel is a loop nest over the elements of one materialised node. Its body asks for
// the value of that node at the loop's index (`compute`), which asks for its operands at
// the indices the op maps to (a broadcast drops and zeroes axes, a transpose permutes,
// a slice scales and shifts, a gather reads an index tensor first, ...), down to buffers
// of materialised nodes, which are loaded. So a whole chain of fused ops becomes one
// expression per element, and LLVM vectorises the innermost loop.
//
// Scalar semantics follow the reference kernels (compiler/ops/): i32 arithmetic, elementwise
// and sums, wraps modulo 2^32, i32 division and modulo by zero give 0, float→i32
// conversion truncates and saturates with NaN as 0, max/min propagate NaN, round goes
// to even. Floats are computed in their own precision (the reference uses doubles), so
// f32 results agree to rounding, not bit for bit.
#include "jit/Codegen.h"

#include "ir/Tensor.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace zy::jit {

using ir::Graph;
using ir::Node;
using ir::Op;
using ir::OpKind;
using Index = std::vector<llvm::Value *>;

std::string kernelName(const std::string &prefix, int index) { return prefix + "_k" + std::to_string(index); }

namespace {

class KernelEmitter {
public:
  KernelEmitter(const Plan &plan, llvm::Module &module, const std::string &prefix)
      : Prefix(prefix), P(plan), G(*plan.graph), M(module), C(module.getContext()), B(C), I64(B.getInt64Ty()) {}

  void emit(int kernel) {
    int id = P.kernels[kernel];
    const Step *step = nullptr;
    for (const Step &s : P.steps)
      if (s.kind == Step::Kernel && s.kernel == kernel) step = &s;
    const Node &node = G.nodes[id];

    // The inner function takes each buffer as a noalias pointer (its output never
    // overlaps what else it reads); the exported wrapper loads them from the slot table.
    // In place, the donor and the result are one pointer: the same base and index, so
    // LLVM sees each element read before it is written.
    std::vector<int> buffers;
    for (int r : step->reads)
      if (r != step->donor) buffers.push_back(r);
    buffers.push_back(id);
    std::vector<llvm::Type *> params(buffers.size(), B.getPtrTy());
    params.push_back(I64);
    params.push_back(I64);
    auto *innerType = llvm::FunctionType::get(B.getVoidTy(), params, false);
    auto *inner = llvm::Function::Create(innerType, llvm::Function::InternalLinkage, kernelName(Prefix, kernel) + "_body", M);
    inner->addFnAttr(llvm::Attribute::AlwaysInline);
    inner->addFnAttr(llvm::Attribute::NoUnwind);
    // 8 floats a vector, even where AVX-512 has 16: glibc's vector math (libmvec) has
    // the 8-wide AVX2 forms the vectoriser knows, and 256-bit code keeps the clock up.
    inner->addFnAttr("prefer-vector-width", "256");
    for (size_t i = 0; i < buffers.size(); ++i) inner->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoAlias);

    auto *entry = llvm::BasicBlock::Create(C, "entry", inner);
    B.SetInsertPoint(entry);
    llvm::FastMathFlags contract;
    contract.setAllowContract(true);
    B.setFastMathFlags(contract);
    Buffer.clear();
    for (size_t i = 0; i < buffers.size(); ++i) Buffer[buffers[i]] = inner->getArg(static_cast<unsigned>(i));
    if (step->donor >= 0) Buffer[step->donor] = Buffer[id];
    Begin = inner->getArg(static_cast<unsigned>(buffers.size()));
    End = inner->getArg(static_cast<unsigned>(buffers.size() + 1));
    bool split = step->parallelExtent > 0;

    switch (node.op) {
    case Op::Concat: emitConcat(id); break;
    case Op::ReduceSum:
    case Op::ReduceMax:
    case Op::ReduceMin: emitReduce(id, split); break;
    case Op::ArgMax: emitArgMax(id, split); break;
    default:
      loops(node.shape, split, [&](const Index &idx) { store(id, idx, compute(id, idx)); });
      break;
    }
    B.CreateRetVoid();

    // The wrapper: void zy_kernel_N(ptr slots, i64 begin, i64 end).
    auto *wrapperType = llvm::FunctionType::get(B.getVoidTy(), {B.getPtrTy(), I64, I64}, false);
    auto *wrapper = llvm::Function::Create(wrapperType, llvm::Function::ExternalLinkage, kernelName(Prefix, kernel), M);
    wrapper->addFnAttr(llvm::Attribute::NoUnwind);
    B.SetInsertPoint(llvm::BasicBlock::Create(C, "entry", wrapper));
    std::vector<llvm::Value *> args;
    for (int buffer : buffers) {
      llvm::Value *at = B.CreateConstInBoundsGEP1_64(B.getPtrTy(), wrapper->getArg(0), P.slotOf[buffer]);
      args.push_back(B.CreateLoad(B.getPtrTy(), at));
    }
    args.push_back(wrapper->getArg(1));
    args.push_back(wrapper->getArg(2));
    B.CreateCall(inner, args);
    B.CreateRetVoid();
  }

private:
  const std::string Prefix;
  const Plan &P;
  const Graph &G;
  llvm::Module &M;
  llvm::LLVMContext &C;
  llvm::IRBuilder<> B;
  llvm::Type *I64;
  std::map<int, llvm::Value *> Buffer;
  llvm::Value *Begin = nullptr, *End = nullptr;

  // ------------------------------------------------------------ types and constants

  llvm::Type *regType(DType d) {
    switch (d) {
    case DType::Bool: return B.getInt1Ty();
    case DType::I32: return B.getInt32Ty();
    case DType::F32: return B.getFloatTy();
    case DType::F64: return B.getDoubleTy();
    }
    return nullptr;
  }
  llvm::Type *memType(DType d) { return d == DType::Bool ? B.getInt8Ty() : regType(d); }

  /// `value` as the dtype stores it (Tensor::set's rounding), as a register constant.
  llvm::Value *constant(DType d, double value) {
    Tensor t(d, {});
    t.set(0, value);
    double v = t.get(0);
    switch (d) {
    case DType::Bool: return B.getInt1(v != 0);
    case DType::I32: return B.getInt32(static_cast<uint32_t>(static_cast<int32_t>(v)));
    case DType::F32: return llvm::ConstantFP::get(B.getFloatTy(), v);
    case DType::F64: return llvm::ConstantFP::get(B.getDoubleTy(), v);
    }
    return nullptr;
  }
  llvm::Value *i64(int64_t v) { return B.getInt64(static_cast<uint64_t>(v)); }

  // ------------------------------------------------------------ loops

  void forLoop(llvm::Value *lo, llvm::Value *hi, const std::function<void(llvm::Value *)> &body) {
    llvm::Function *f = B.GetInsertBlock()->getParent();
    llvm::BasicBlock *before = B.GetInsertBlock();
    auto *header = llvm::BasicBlock::Create(C, "loop", f);
    auto *inside = llvm::BasicBlock::Create(C, "body", f);
    auto *after = llvm::BasicBlock::Create(C, "done", f);
    B.CreateBr(header);
    B.SetInsertPoint(header);
    llvm::PHINode *i = B.CreatePHI(I64, 2, "i");
    i->addIncoming(lo, before);
    B.CreateCondBr(B.CreateICmpSLT(i, hi), inside, after);
    B.SetInsertPoint(inside);
    body(i);
    i->addIncoming(B.CreateAdd(i, i64(1), "", true, true), B.GetInsertBlock());
    B.CreateBr(header);
    B.SetInsertPoint(after);
  }

  /// A loop nest over `shape`, row-major; with `split`, the outermost loop runs over
  /// [begin, end) instead of its whole extent.
  void loops(const Shape &shape, bool split, const std::function<void(const Index &)> &body) {
    Index idx;
    std::function<void(size_t)> level = [&](size_t k) {
      if (k == shape.size()) return body(idx);
      llvm::Value *lo = split && k == 0 ? Begin : i64(0);
      llvm::Value *hi = split && k == 0 ? End : i64(shape[k]);
      forLoop(lo, hi, [&](llvm::Value *i) {
        idx.push_back(i);
        level(k + 1);
        idx.pop_back();
      });
    };
    level(0);
  }

  // ------------------------------------------------------------ memory

  llvm::Value *linear(const Shape &shape, const Index &idx) {
    std::vector<int64_t> strides = stridesOf(shape);
    llvm::Value *at = i64(0);
    for (size_t k = 0; k < idx.size(); ++k)
      if (shape[k] != 1) at = B.CreateAdd(at, B.CreateMul(idx[k], i64(strides[k]), "", true, true), "", true, true);
    return at;
  }

  llvm::Value *load(int id, const Index &idx) { return loadLinear(id, linear(G.nodes[id].shape, idx)); }

  llvm::Value *loadLinear(int id, llvm::Value *at) {
    const Node &node = G.nodes[id];
    llvm::Value *ptr = B.CreateInBoundsGEP(memType(node.dtype), Buffer.at(id), at);
    llvm::Value *v = B.CreateLoad(memType(node.dtype), ptr);
    return node.dtype == DType::Bool ? B.CreateICmpNE(v, B.getInt8(0)) : v;
  }

  void storeAt(int id, llvm::Value *at, llvm::Value *v) {
    const Node &node = G.nodes[id];
    if (node.dtype == DType::Bool) v = B.CreateZExt(v, B.getInt8Ty());
    B.CreateStore(v, B.CreateInBoundsGEP(memType(node.dtype), Buffer.at(id), at));
  }
  void store(int id, const Index &idx, llvm::Value *v) { storeAt(id, linear(G.nodes[id].shape, idx), v); }

  // ------------------------------------------------------------ values

  llvm::Value *value(int id, const Index &idx) { return P.materialised[id] ? load(id, idx) : compute(id, idx); }

  llvm::Value *intrinsic(llvm::Intrinsic::ID fn, llvm::Value *x) { return B.CreateUnaryIntrinsic(fn, x); }

  /// A call of a C math function of one argument, e.g. tanhf or tanh.
  llvm::Value *libm(const char *f32, const char *f64, llvm::Value *x) {
    bool single = x->getType()->isFloatTy();
    llvm::Type *t = x->getType();
    llvm::FunctionCallee fn = M.getOrInsertFunction(single ? f32 : f64, llvm::FunctionType::get(t, {t}, false));
    if (auto *f = llvm::dyn_cast<llvm::Function>(fn.getCallee())) {
      f->setDoesNotThrow();
      f->setDoesNotAccessMemory();
      f->setWillReturn();
    }
    auto *call = B.CreateCall(fn, {x});
    call->setDoesNotAccessMemory();
    return call;
  }

  llvm::Value *isNan(llvm::Value *x) { return B.CreateFCmpUNO(x, x); }

  llvm::Value *wide(llvm::Value *x) { return B.CreateSExt(x, I64); }

  llvm::Value *cast(llvm::Value *x, DType from, DType to) {
    if (from == to) return x;
    llvm::Type *t = regType(to);
    switch (from) {
    case DType::Bool:
      return isFloat(to) ? B.CreateUIToFP(x, t) : B.CreateZExt(x, t);
    case DType::I32:
      if (to == DType::Bool) return B.CreateICmpNE(x, B.getInt32(0));
      return B.CreateSIToFP(x, t);
    case DType::F32:
    case DType::F64:
      if (to == DType::Bool) return B.CreateFCmpUNE(x, llvm::ConstantFP::get(x->getType(), 0.0));
      if (to == DType::I32) return B.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {B.getInt32Ty(), x->getType()}, {x});
      return to == DType::F64 ? B.CreateFPExt(x, t) : B.CreateFPTrunc(x, t);
    }
    return x;
  }

  llvm::Value *unary(const Node &node, DType d, llvm::Value *x) {
    bool f = isFloat(d);
    switch (node.op) {
    case Op::Neg:
      if (d == DType::I32) return B.CreateNeg(x); // wraps, as NumPy's int32
      return B.CreateFNeg(x);
    case Op::Abs:
      if (d == DType::I32) return B.CreateBinaryIntrinsic(llvm::Intrinsic::abs, x, B.getInt1(false)); // abs(-2^31) wraps
      return intrinsic(llvm::Intrinsic::fabs, x);
    case Op::Sign: {
      llvm::Value *zero = f ? llvm::ConstantFP::get(x->getType(), 0.0) : B.getInt32(0);
      llvm::Value *pos = f ? B.CreateFCmpOGT(x, zero) : B.CreateICmpSGT(x, zero);
      llvm::Value *neg = f ? B.CreateFCmpOLT(x, zero) : B.CreateICmpSLT(x, zero);
      return B.CreateSelect(pos, constant(d, 1), B.CreateSelect(neg, constant(d, -1), x));
    }
    case Op::Exp: return intrinsic(llvm::Intrinsic::exp, x);
    case Op::Log: return intrinsic(llvm::Intrinsic::log, x);
    case Op::Log1p: return libm("log1pf", "log1p", x);
    case Op::Sqrt: return intrinsic(llvm::Intrinsic::sqrt, x);
    case Op::Sin: return intrinsic(llvm::Intrinsic::sin, x);
    case Op::Cos: return intrinsic(llvm::Intrinsic::cos, x);
    case Op::Atan: return libm("atanf", "atan", x);
    case Op::Tanh: {
      // tanh(x) = expm1(2x) / (expm1(2x) + 2): exact near 0, and vectorised through
      // libmvec's expm1 (it has no tanh the vectoriser knows). Beyond ±9 (f32) or ±20
      // (f64) tanh is ±1 to the last bit; clamping there keeps expm1 finite.
      double limit = x->getType()->isFloatTy() ? 9.0 : 20.0;
      llvm::Value *lim = llvm::ConstantFP::get(x->getType(), limit);
      llvm::Value *clamped = B.CreateBinaryIntrinsic(llvm::Intrinsic::minnum,
                                                     B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, x, B.CreateFNeg(lim)), lim);
      llvm::Value *e = libm("expm1f", "expm1", B.CreateFAdd(clamped, clamped));
      llvm::Value *t = B.CreateFDiv(e, B.CreateFAdd(e, llvm::ConstantFP::get(x->getType(), 2.0)));
      return B.CreateSelect(isNan(x), x, t);
    }
    case Op::Erf: return libm("erff", "erf", x);
    case Op::ErfInv: {
      // The runtime's double-precision inverse, shared with the reference kernel.
      llvm::Value *dx = x->getType()->isFloatTy() ? B.CreateFPExt(x, B.getDoubleTy()) : x;
      llvm::Value *r = libm("zy_rt_erf_inv", "zy_rt_erf_inv", dx);
      return x->getType()->isFloatTy() ? B.CreateFPTrunc(r, B.getFloatTy()) : r;
    }
    case Op::Floor: return intrinsic(llvm::Intrinsic::floor, x);
    case Op::Ceil: return intrinsic(llvm::Intrinsic::ceil, x);
    case Op::Round: return intrinsic(llvm::Intrinsic::roundeven, x);
    case Op::Not: return B.CreateNot(x);
    case Op::StopGradient: return x;
    default: break;
    }
    throw Unsupported(std::string("no code for ") + ir::opInfo(node.op).name);
  }

  llvm::Value *binary(const Node &node, DType d, llvm::Value *a, llvm::Value *b) {
    if (d == DType::I32) return integerBinary(node, a, b);
    if (d == DType::Bool) {
      switch (node.op) {
      case Op::And:
      case Op::Mul:
      case Op::Min: return B.CreateAnd(a, b);
      case Op::Or:
      case Op::Max: return B.CreateOr(a, b);
      default: throw Unsupported(std::string("no bool code for ") + ir::opInfo(node.op).name);
      }
    }
    switch (node.op) {
    case Op::Add: return B.CreateFAdd(a, b);
    case Op::Sub: return B.CreateFSub(a, b);
    case Op::Mul: return B.CreateFMul(a, b);
    case Op::Div: return B.CreateFDiv(a, b);
    case Op::Mod: {
      // Python's %: the remainder takes the divisor's sign; a zero remainder is ±0 as b.
      llvm::Value *r = B.CreateFRem(a, b);
      llvm::Value *zero = llvm::ConstantFP::get(a->getType(), 0.0);
      llvm::Value *rNeg = B.CreateFCmpOLT(r, zero), *bNeg = B.CreateFCmpOLT(b, zero);
      llvm::Value *fix = B.CreateAnd(B.CreateFCmpUNE(r, zero), B.CreateXor(rNeg, bNeg));
      llvm::Value *signedZero = B.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, b);
      llvm::Value *isZero = B.CreateFCmpOEQ(r, zero);
      return B.CreateSelect(fix, B.CreateFAdd(r, b), B.CreateSelect(isZero, signedZero, r));
    }
    case Op::Pow: return B.CreateBinaryIntrinsic(llvm::Intrinsic::pow, a, b);
    case Op::Max:
    case Op::Min: {
      // std::max(a, b) is a < b ? b : a; NaN in either gives a + b (a NaN).
      llvm::Value *pick = node.op == Op::Max ? B.CreateSelect(B.CreateFCmpOLT(a, b), b, a)
                                             : B.CreateSelect(B.CreateFCmpOLT(b, a), b, a);
      return B.CreateSelect(B.CreateOr(isNan(a), isNan(b)), B.CreateFAdd(a, b), pick);
    }
    default: break;
    }
    throw Unsupported(std::string("no float code for ") + ir::opInfo(node.op).name);
  }

  llvm::Value *integerBinary(const Node &node, llvm::Value *a32, llvm::Value *b32) {
    llvm::Value *a = wide(a32), *b = wide(b32);
    llvm::Value *zero = i64(0);
    switch (node.op) {
    case Op::Add: return B.CreateAdd(a32, b32); // wraps modulo 2^32
    case Op::Sub: return B.CreateSub(a32, b32); // wraps modulo 2^32
    case Op::Mul: return B.CreateMul(a32, b32); // wraps modulo 2^32
    case Op::Max: return B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, a32, b32);
    case Op::Min: return B.CreateBinaryIntrinsic(llvm::Intrinsic::smin, a32, b32);
    case Op::Div:
    case Op::Mod: {
      // Floor division and modulo as Python's; by zero, 0.
      llvm::Value *byZero = B.CreateICmpEQ(b, zero);
      llvm::Value *safe = B.CreateSelect(byZero, i64(1), b);
      llvm::Value *q = B.CreateSDiv(a, safe), *r = B.CreateSRem(a, safe);
      llvm::Value *adjust = B.CreateAnd(B.CreateICmpNE(r, zero),
                                        B.CreateXor(B.CreateICmpSLT(r, zero), B.CreateICmpSLT(safe, zero)));
      llvm::Value *result = node.op == Op::Div ? B.CreateSelect(adjust, B.CreateSub(q, i64(1)), q)
                                               : B.CreateSelect(adjust, B.CreateAdd(r, safe), r);
      return B.CreateTrunc(B.CreateSelect(byZero, zero, result), B.getInt32Ty()); // -2^31 // -1 wraps
    }
    case Op::Pow: {
      // By squaring over the exponent's 31 bits, in wrapping i32 arithmetic (powInt32 in
      // compiler/ops/Elementwise.cpp); a negative exponent truncates: ±1 stay, anything else is 0.
      llvm::Type *i32 = B.getInt32Ty();
      llvm::Value *result = B.getInt32(1), *base = a32;
      for (int bit = 0; bit < 31; ++bit) {
        llvm::Value *set = B.CreateICmpNE(B.CreateAnd(b32, B.getInt32(1u << bit)), B.getInt32(0));
        result = B.CreateSelect(set, B.CreateMul(result, base), result);
        base = B.CreateMul(base, base);
      }
      llvm::Value *one = B.getInt32(1), *minusOne = llvm::ConstantInt::getSigned(i32, -1);
      llvm::Value *odd = B.CreateICmpNE(B.CreateAnd(b32, one), B.getInt32(0));
      llvm::Value *negative = B.CreateSelect(B.CreateICmpEQ(a32, one), one,
                                             B.CreateSelect(B.CreateICmpEQ(a32, minusOne),
                                                            B.CreateSelect(odd, minusOne, one), B.getInt32(0)));
      return B.CreateSelect(B.CreateICmpSLT(b32, B.getInt32(0)), negative, result);
    }
    default: break;
    }
    throw Unsupported(std::string("no i32 code for ") + ir::opInfo(node.op).name);
  }

  llvm::Value *comparison(const Node &node, DType d, llvm::Value *a, llvm::Value *b) {
    if (isFloat(d)) {
      switch (node.op) {
      case Op::Eq: return B.CreateFCmpOEQ(a, b);
      case Op::Ne: return B.CreateFCmpUNE(a, b);
      case Op::Lt: return B.CreateFCmpOLT(a, b);
      case Op::Le: return B.CreateFCmpOLE(a, b);
      case Op::Gt: return B.CreateFCmpOGT(a, b);
      case Op::Ge: return B.CreateFCmpOGE(a, b);
      default: break;
      }
    } else {
      bool u = d == DType::Bool; // false < true
      switch (node.op) {
      case Op::Eq: return B.CreateICmpEQ(a, b);
      case Op::Ne: return B.CreateICmpNE(a, b);
      case Op::Lt: return u ? B.CreateICmpULT(a, b) : B.CreateICmpSLT(a, b);
      case Op::Le: return u ? B.CreateICmpULE(a, b) : B.CreateICmpSLE(a, b);
      case Op::Gt: return u ? B.CreateICmpUGT(a, b) : B.CreateICmpSGT(a, b);
      case Op::Ge: return u ? B.CreateICmpUGE(a, b) : B.CreateICmpSGE(a, b);
      default: break;
      }
    }
    throw Unsupported(std::string("no code for ") + ir::opInfo(node.op).name);
  }

  /// x ** c for a constant c of 0, 1 or 2 without a call of pow: exactly what pow
  /// gives (x * x is correctly rounded, as powf(x, 2) is), and a square is common
  /// (losses, variances, their gradients). Null for any other exponent.
  llvm::Value *constantPower(int base, int exponent, const Index &idx) {
    const Node &e = G.nodes[exponent];
    if (P.materialised[exponent] || e.op != Op::Constant) return nullptr;
    double c = e.attrs.value;
    if (c == 0) return constant(e.dtype, 1); // pow(x, 0) is 1, even for NaN
    if (c == 1) return value(base, idx);
    if (c != 2) return nullptr;
    llvm::Value *x = value(base, idx);
    return B.CreateFMul(x, x);
  }

  /// The value of node `id` at `idx`, computed from its operands (never loaded).
  llvm::Value *compute(int id, const Index &idx) {
    const Node &node = G.nodes[id];
    const ir::Attrs &a = node.attrs;
    auto operand = [&](size_t k) { return node.operands[k]; };
    auto dtypeOf = [&](size_t k) { return G.nodes[operand(k)].dtype; };
    auto shapeOf = [&](size_t k) -> const Shape & { return G.nodes[operand(k)].shape; };
    switch (ir::opInfo(node.op).kind) {
    case OpKind::Unary:
      if (node.op == Op::Cast) return cast(value(operand(0), idx), dtypeOf(0), node.dtype);
      return unary(node, node.dtype, value(operand(0), idx));
    case OpKind::Binary:
      if (node.op == Op::Pow && isFloat(node.dtype))
        if (auto *power = constantPower(operand(0), operand(1), idx)) return power;
      return binary(node, node.dtype, value(operand(0), idx), value(operand(1), idx));
    case OpKind::Compare: return comparison(node, dtypeOf(0), value(operand(0), idx), value(operand(1), idx));
    case OpKind::Ternary:
      return B.CreateSelect(value(operand(0), idx), value(operand(1), idx), value(operand(2), idx));
    default: break;
    }
    switch (node.op) {
    case Op::Constant: return constant(node.dtype, a.value);
    case Op::Iota: {
      llvm::Value *i = idx[a.axis];
      return isFloat(node.dtype) ? B.CreateSIToFP(i, regType(node.dtype)) : B.CreateTrunc(i, B.getInt32Ty());
    }
    case Op::Broadcast: {
      const Shape &in = shapeOf(0);
      size_t lead = node.shape.size() - in.size();
      Index x;
      for (size_t i = 0; i < in.size(); ++i) x.push_back(in[i] == 1 ? i64(0) : idx[lead + i]);
      return value(operand(0), x);
    }
    case Op::Transpose: {
      Index x(idx.size());
      for (size_t i = 0; i < idx.size(); ++i) x[a.perm[i]] = idx[i];
      return value(operand(0), x);
    }
    case Op::Slice: {
      Index x;
      for (size_t i = 0; i < idx.size(); ++i)
        x.push_back(B.CreateAdd(i64(a.starts[i]), B.CreateMul(idx[i], i64(a.steps[i]), "", true, true), "", true, true));
      return value(operand(0), x);
    }
    case Op::Flip: {
      Index x = idx;
      for (int64_t axis : a.axes) x[axis] = B.CreateSub(i64(node.shape[axis] - 1), idx[axis]);
      return value(operand(0), x);
    }
    case Op::Reshape: {
      const Shape &in = shapeOf(0);
      // Row-major order is unchanged: a buffer is read at the same linear position. Only
      // reshapes that add or drop unit axes read a fused operand (Plan.cpp).
      if (P.materialised[operand(0)]) return loadLinear(operand(0), linear(node.shape, idx));
      Index x;
      size_t k = 0;
      for (int64_t d : in) {
        if (d == 1) {
          x.push_back(i64(0));
          continue;
        }
        while (node.shape[k] == 1) ++k;
        x.push_back(idx[k++]);
      }
      return value(operand(0), x);
    }
    case Op::Pad: {
      const Shape &in = shapeOf(0);
      llvm::Value *fill = constant(node.dtype, a.value);
      for (int64_t d : in)
        if (d == 0) return fill; // nothing to read
      Index x;
      llvm::Value *inside = B.getTrue();
      for (size_t i = 0; i < idx.size(); ++i) {
        llvm::Value *j = B.CreateSub(idx[i], i64(a.lo[i]));
        llvm::Value *ok = B.CreateICmpULT(j, i64(in[i]));
        inside = B.CreateAnd(inside, ok);
        x.push_back(B.CreateSelect(ok, j, i64(0)));
      }
      return B.CreateSelect(inside, value(operand(0), x), fill);
    }
    case Op::Gather: {
      const Shape &in = shapeOf(0), &at = shapeOf(1);
      size_t axis = static_cast<size_t>(a.axis), r = at.size();
      Index where(idx.begin() + axis, idx.begin() + axis + r);
      llvm::Value *j = B.CreateSExt(value(operand(1), where), I64);
      j = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, j, i64(0));
      j = B.CreateBinaryIntrinsic(llvm::Intrinsic::smin, j, i64(in[axis] - 1));
      Index x(idx.begin(), idx.begin() + axis);
      x.push_back(j);
      x.insert(x.end(), idx.begin() + axis + r, idx.end());
      return value(operand(0), x);
    }
    default: break;
    }
    throw Unsupported(std::string("no fused code for ") + ir::opInfo(node.op).name);
  }

  // ------------------------------------------------------------ root kernels

  void emitConcat(int id) {
    const Node &node = G.nodes[id];
    int64_t at = 0;
    for (int operand : node.operands) {
      const Shape &shape = G.nodes[operand].shape;
      int64_t offset = at;
      loops(shape, false, [&](const Index &idx) {
        Index out = idx;
        out[node.attrs.axis] = B.CreateAdd(idx[node.attrs.axis], i64(offset), "", true, true);
        store(id, out, value(operand, idx));
      });
      at += shape[node.attrs.axis];
    }
  }

  /// The output index of an input index of a reduction: kept axes, and 0 for reduced
  /// axes kept as 1 (keepdims).
  Index reducedIndex(const Node &node, const Index &in) {
    Index out;
    const auto &axes = node.attrs.axes;
    for (size_t i = 0; i < in.size(); ++i) {
      bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end();
      if (!reduced) out.push_back(in[i]);
      else if (node.attrs.keepdims) out.push_back(i64(0));
    }
    return out;
  }

  llvm::Value *identity(Op op, DType d) {
    double inf = std::numeric_limits<double>::infinity();
    if (op == Op::ReduceSum) return d == DType::I32 ? i64(0) : constant(d, 0);
    if (d == DType::I32) return B.getInt32(op == Op::ReduceMax ? 0x80000000u : 0x7fffffffu);
    if (d == DType::Bool) return B.getInt1(op == Op::ReduceMin);
    return constant(d, op == Op::ReduceMax ? -inf : inf);
  }

  llvm::Value *combine(Op op, DType d, llvm::Value *acc, llvm::Value *v) {
    if (op == Op::ReduceSum) {
      if (d == DType::I32) return B.CreateAdd(acc, wide(v));
      llvm::FastMathFlags fmf;
      fmf.setAllowReassoc(true);
      fmf.setAllowContract(true);
      auto *sum = B.CreateFAdd(acc, v);
      llvm::cast<llvm::Instruction>(sum)->setFastMathFlags(fmf);
      return sum;
    }
    bool max = op == Op::ReduceMax;
    if (d == DType::Bool) return max ? B.CreateOr(acc, v) : B.CreateAnd(acc, v);
    if (d == DType::I32)
      return B.CreateBinaryIntrinsic(max ? llvm::Intrinsic::smax : llvm::Intrinsic::smin, acc, v);
    // NaN wins: it is the maximum (and minimum) of anything it appears in, so once the
    // accumulator is NaN it stays so.
    llvm::Value *better = max ? B.CreateFCmpOGT(v, acc) : B.CreateFCmpOLT(v, acc);
    better = B.CreateAnd(B.CreateNot(isNan(acc)), B.CreateOr(better, isNan(v)));
    return B.CreateSelect(better, v, acc);
  }

  // An i32 sum is exact in i64 (whose wrapping add agrees modulo 2^32) and wraps
  // modulo 2^32 once, at the end, as the reference's does (NumPy's and JAX's int32 sums).
  llvm::Value *finish(Op op, DType d, llvm::Value *acc) {
    return op == Op::ReduceSum && d == DType::I32 ? B.CreateTrunc(acc, B.getInt32Ty()) : acc;
  }

  void emitReduce(int id, bool split) {
    const Node &node = G.nodes[id];
    int x = node.operands[0];
    const Shape &in = G.nodes[x].shape;
    const auto &axes = node.attrs.axes;
    DType d = node.dtype;
    Op op = node.op;
    bool innerReduced = in.empty() || std::find(axes.begin(), axes.end(), int64_t(in.size()) - 1) != axes.end();
    // An i32 sum wraps once, at the end, from the wide register accumulator.
    bool wideSum = d == DType::I32 && op == Op::ReduceSum;
    if (!innerReduced && !wideSum) {
      // The innermost axis is kept: walk the input in order, accumulating into the
      // output, whose inner loop is then contiguous (a bias gradient's sum over rows).
      llvm::Value *init = identity(op, d);
      loops(node.shape, split, [&](const Index &idx) { store(id, idx, init); });
      loops(in, split, [&](const Index &idx) {
        Index out = reducedIndex(node, idx);
        store(id, out, combine(op, d, load(id, out), value(x, idx)));
      });
      return;
    }
    // Otherwise: the kept axes outside, the reduced axes inside, a register accumulator.
    Shape kept, reduced;
    std::vector<size_t> keptAxes, reducedAxes;
    for (size_t i = 0; i < in.size(); ++i) {
      if (std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end()) {
        reduced.push_back(in[i]);
        reducedAxes.push_back(i);
      } else {
        kept.push_back(in[i]);
        keptAxes.push_back(i);
      }
    }
    llvm::Type *accType = d == DType::I32 && op == Op::ReduceSum ? I64 : regType(d);
    llvm::AllocaInst *acc = entryAlloca(accType);
    loops(kept, split, [&](const Index &outer) {
      B.CreateStore(identity(op, d), acc);
      loops(reduced, false, [&](const Index &inner) {
        Index idx(in.size());
        for (size_t k = 0; k < keptAxes.size(); ++k) idx[keptAxes[k]] = outer[k];
        for (size_t k = 0; k < reducedAxes.size(); ++k) idx[reducedAxes[k]] = inner[k];
        B.CreateStore(combine(op, d, B.CreateLoad(accType, acc), value(x, idx)), acc);
      });
      Index fullIn(in.size(), i64(0));
      for (size_t k = 0; k < keptAxes.size(); ++k) fullIn[keptAxes[k]] = outer[k];
      store(id, reducedIndex(node, fullIn), finish(op, d, B.CreateLoad(accType, acc)));
    });
  }

  llvm::AllocaInst *entryAlloca(llvm::Type *t) {
    llvm::Function *f = B.GetInsertBlock()->getParent();
    llvm::IRBuilder<> entry(&f->getEntryBlock(), f->getEntryBlock().begin());
    return entry.CreateAlloca(t);
  }

  // The first maximum wins; a NaN counts as the maximum (the first NaN wins).
  void emitArgMax(int id, bool split) {
    const Node &node = G.nodes[id];
    int x = node.operands[0];
    const Shape &in = G.nodes[x].shape;
    size_t axis = static_cast<size_t>(node.attrs.axes[0]);
    DType d = G.nodes[x].dtype;
    Shape kept;
    for (size_t i = 0; i < in.size(); ++i)
      if (i != axis) kept.push_back(in[i]);
    llvm::AllocaInst *best = entryAlloca(regType(d)), *where = entryAlloca(I64);
    loops(kept, split, [&](const Index &outer) {
      B.CreateStore(i64(-1), where);
      B.CreateStore(llvm::Constant::getNullValue(regType(d)), best);
      forLoop(i64(0), i64(in[axis]), [&](llvm::Value *j) {
        Index idx(outer.begin(), outer.begin() + axis);
        idx.push_back(j);
        idx.insert(idx.end(), outer.begin() + axis, outer.end());
        llvm::Value *v = value(x, idx), *b = B.CreateLoad(regType(d), best);
        llvm::Value *gt = isFloat(d) ? B.CreateAnd(B.CreateNot(isNan(b)), B.CreateOr(isNan(v), B.CreateFCmpOGT(v, b)))
                          : d == DType::Bool ? B.CreateICmpUGT(v, b) : B.CreateICmpSGT(v, b);
        llvm::Value *better = B.CreateOr(B.CreateICmpSLT(B.CreateLoad(I64, where), i64(0)), gt);
        B.CreateStore(B.CreateSelect(better, v, b), best);
        B.CreateStore(B.CreateSelect(better, j, B.CreateLoad(I64, where)), where);
      });
      Index out = outer;
      if (node.attrs.keepdims) out.insert(out.begin() + axis, i64(0));
      store(id, out, B.CreateTrunc(B.CreateLoad(I64, where), B.getInt32Ty()));
    });
  }
};

} // namespace

void generateKernels(const Plan &plan, llvm::Module &module, const std::string &prefix, const std::vector<int> &kernels) {
  KernelEmitter emitter(plan, module, prefix);
  for (int k : kernels) emitter.emit(k);
}

} // namespace zy::jit

// Params.cpp: `~` declarations, init(), and the initialisers (see Params.h).
#include "interp/Params.h"

#include "interp/RandomValues.h"
#include "interp/TensorOps.h"
#include "interp/Trees.h"
#include "support/Scoped.h"

#include <cmath>
#include <map>

namespace zy::interp {

struct Interpreter::ParamContext {
  Key key;
  struct Leaf {
    std::string path;
    Value value;
    Span span;
  };
  std::vector<Leaf> leaves;
  std::map<std::string, size_t> byPath;
  std::optional<Value> from;
};

namespace {


std::string keyText(Interpreter &in, const Value &key, Span span) {
  if (key.kind == ValueKind::Str) return *key.str;
  if (key.kind == ValueKind::Int) return std::to_string(key.i);
  in.fail(span, "a parameter path is indexed by an int or a string, got " + typeName(key));
}

std::string where(Span span) {
  LineCol lc = span.file->lineCol(span.begin);
  return std::to_string(lc.line) + ":" + std::to_string(lc.col);
}

/// The fan-in and fan-out of a weight shape: [.., in, out], with the leading dims of a
/// convolution kernel (HWIO) counting as its receptive field.
std::pair<double, double> fans(const Shape &shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
  return {double(shape[shape.size() - 2]) * receptive, double(shape.back()) * receptive};
}

double option(const InitSpec &spec, const char *name, double fallback) {
  auto it = spec.options.find(name);
  return it == spec.options.end() ? fallback : it->second;
}

/// Gram-Schmidt on the rows (or columns) of a normal matrix: an orthogonal initialiser.
Tensor orthogonal(const Shape &shape, DType dtype, Key key, double scale) {
  int64_t cols = shape.empty() ? 1 : shape.back();
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
  bool transposed = rows < cols; // orthonormalise the shorter side's vectors
  int64_t n = transposed ? rows : cols, len = transposed ? cols : rows;
  Tensor z = normalTensor(key, {n, len}, DType::F64, 1.0);
  std::vector<std::vector<double>> v(n, std::vector<double>(len));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < len; ++j) v[i][j] = z.get(i * len + j);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < i; ++k) {
      double dot = 0;
      for (int64_t j = 0; j < len; ++j) dot += v[i][j] * v[k][j];
      for (int64_t j = 0; j < len; ++j) v[i][j] -= dot * v[k][j];
    }
    double norm = 0;
    for (double x : v[i]) norm += x * x;
    norm = std::sqrt(norm);
    for (double &x : v[i]) x /= norm > 0 ? norm : 1;
  }
  Tensor out(dtype, shape);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out.set(r * cols + c, scale * (transposed ? v[r][c] : v[c][r]));
  return out;
}

Value makeParamsView(const std::string &path) {
  Value v;
  v.kind = ValueKind::ParamsView;
  v.path = path;
  return v;
}

/// Finds `path` (dotted) in a tree, or null.
const Value *findPath(const Value &tree, const std::string &path) {
  const Value *at = &tree;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (at->kind == ValueKind::Record) {
      at = at->record->find(part);
      if (!at) return nullptr;
    } else if (at->kind == ValueKind::List || at->kind == ValueKind::Tuple) {
      char *end = nullptr;
      long k = std::strtol(part.c_str(), &end, 10);
      if (part.empty() || *end || k < 0 || k >= static_cast<long>(at->items->size())) return nullptr;
      at = &(*at->items)[k];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at;
}

} // namespace

Value makeInit(InitSpec spec) {
  Value v;
  v.kind = ValueKind::Init;
  v.init = std::make_shared<const InitSpec>(std::move(spec));
  return v;
}

Tensor materialise(Interpreter &in, const InitSpec &spec, Key key, Span span) {
  const Shape &shape = spec.shape;
  for (int64_t d : shape)
    if (d < 0) in.fail(span, "a parameter cannot have a negative dimension: " + shapeString(shape));
  if (!elementCount(shape)) in.fail(span, "a parameter of shape " + shapeString(shape) + " is too large");
  double scale = option(spec, "scale", 1.0);
  auto [fanIn, fanOut] = fans(shape);
  const std::string &n = spec.name;
  if (n == "value") return *spec.value;
  if (n == "zeros" || n == "ones" || n == "constant")
    return full(in, shape, scale * (n == "zeros" ? 0.0 : n == "ones" ? 1.0 : option(spec, "value", 0.0)), spec.dtype, span);
  if (n == "normal") return normalTensor(key, shape, spec.dtype, scale * option(spec, "std", 0.01));
  if (n == "truncated_normal") return normalTensor(key, shape, spec.dtype, scale * option(spec, "std", 0.01), 2.0);
  if (n == "uniform") {
    double lo = option(spec, "lo", -0.05), hi = option(spec, "hi", 0.05);
    return uniformTensor(key, shape, spec.dtype, scale * lo, scale * hi);
  }
  if (n == "glorot" || n == "glorot_uniform") {
    double limit = scale * std::sqrt(6.0 / (fanIn + fanOut));
    return uniformTensor(key, shape, spec.dtype, -limit, limit);
  }
  if (n == "glorot_normal") return normalTensor(key, shape, spec.dtype, scale * std::sqrt(2.0 / (fanIn + fanOut)));
  if (n == "he" || n == "he_normal") return normalTensor(key, shape, spec.dtype, scale * std::sqrt(2.0 / fanIn));
  if (n == "he_uniform") {
    double limit = scale * std::sqrt(6.0 / fanIn);
    return uniformTensor(key, shape, spec.dtype, -limit, limit);
  }
  if (n == "lecun_normal") return normalTensor(key, shape, spec.dtype, scale * std::sqrt(1.0 / fanIn));
  if (n == "orthogonal") return orthogonal(shape, spec.dtype, key, scale);
  in.fail(span, "unknown initialiser `" + n + "`");
}

Value lookupParam(Interpreter &in, const Value &view, Span span) {
  auto *ctx = in.params;
  if (!ctx) in.fail(span, "internal: a params view outside init()");
  if (auto it = ctx->byPath.find(view.path); it != ctx->byPath.end()) return ctx->leaves[it->second].value;
  return view;
}

void declareParam(Interpreter &in, const Value &parent, const Value &keyValue, const Value &initValue,
                  const ast::DeclareStmt &decl) {
  Span span = decl.span;
  InitSpec spec;
  if (initValue.kind == ValueKind::Init) {
    spec = *initValue.init;
  } else if (initValue.kind == ValueKind::Tensor) {
    spec.name = "value";
    spec.shape = initValue.tensor->shape();
    spec.dtype = initValue.tensor->dtype();
    spec.value = initValue.tensor;
  } else {
    in.fail(decl.init->span, "the right side of `~` must be an initialiser such as `glorot([n, m])` or a tensor, got " +
                                 typeName(initValue));
  }
  std::string key = keyText(in, keyValue, decl.path->span);
  std::string declared = typeString(spec.dtype, spec.shape);

  if (parent.kind == ValueKind::ParamsView) {
    auto *ctx = in.params;
    if (!ctx) in.fail(span, "these params are from an init() that has finished; declare parameters during init()");
    std::string path = joinPath(parent.path, key);
    if (auto it = ctx->byPath.find(path); it != ctx->byPath.end()) {
      // A second declaration of the same path shares the leaf; the shapes must agree.
      const auto &leaf = ctx->leaves[it->second];
      const Tensor &t = *leaf.value.tensor;
      if (t.shape() != spec.shape || t.dtype() != spec.dtype) {
        Diagnostic d{Severity::Error, span,
                     "parameter `" + path + "` is declared as " + declared + " here but as " +
                         typeString(t.dtype(), t.shape()) + " at " + where(leaf.span),
                     {{leaf.span, "the first declaration of `" + path + "`"}}};
        throw ZyError(std::move(d), false);
      }
      return;
    }
    for (const auto &leaf : ctx->leaves)
      if (leaf.path.rfind(path + ".", 0) == 0)
        in.fail(span, "`" + path + "` already holds parameters below it (such as `" + leaf.path +
                          "`), so it cannot also be a parameter");
    Tensor value;
    const Value *old = ctx->from ? findPath(*ctx->from, path) : nullptr;
    if (old) {
      if (old->kind != ValueKind::Tensor || old->tensor->shape() != spec.shape || old->tensor->dtype() != spec.dtype)
        in.fail(span, "parameter `" + path + "` is " + typeName(*old) + " in the `from` tree but is declared as " + declared);
      value = *old->tensor;
    } else {
      value = materialise(in, spec, foldIn(ctx->key, hashPath(path)), decl.init->span);
    }
    Value leaf = Value::fromTensor(std::move(value));
    leaf.path = path;
    leaf.state = !spec.trainable;
    ctx->byPath[path] = ctx->leaves.size();
    ctx->leaves.push_back({path, leaf, span});
    return;
  }

  if (parent.kind == ValueKind::Record || parent.kind == ValueKind::List || parent.kind == ValueKind::Tuple) {
    std::string path = joinPath(parent.path, key);
    const Value *leaf = nullptr;
    if (parent.kind == ValueKind::Record) leaf = parent.record->find(key);
    else if (keyValue.kind == ValueKind::Int && keyValue.i >= 0 && keyValue.i < static_cast<int64_t>(parent.items->size()))
      leaf = &(*parent.items)[keyValue.i];
    if (!leaf)
      in.fail(span, "missing parameter `" + path + "`: the params tree has no `" + key + "` here (it is declared as " +
                        declared + "); create the tree with init()");
    if (leaf->kind != ValueKind::Tensor)
      in.fail(span, "parameter `" + path + "` should be a tensor " + declared + " but the params tree holds a " + typeName(*leaf));
    // The shape must match; a float leaf may be of another float dtype (params cast to
    // f64 to check gradients, or to f32 after training in f64).
    bool dtypeOk = leaf->tensor->dtype() == spec.dtype || (isFloat(leaf->tensor->dtype()) && isFloat(spec.dtype));
    if (leaf->tensor->shape() != spec.shape || !dtypeOk)
      in.fail(span, "parameter `" + path + "` is " + typeName(*leaf) + " in the params tree but is declared as " + declared);
    return;
  }
  in.fail(decl.path->span, "`~` declares a parameter inside a params tree, but this is a " + typeName(parent));
}

Value initBuiltin(Interpreter &in, CallArgs &args) {
  if (args.positional.size() < 2)
    in.fail(args.span, "init needs a function and a key: init(f, random.key(0), sample args...)");
  const Value &fn = args.positional[0];
  const Value &key = args.positional[1];
  if (key.kind != ValueKind::Key) in.fail(args.span, "the second argument of init must be a key, got " + typeName(key));
  if (key.isTracedKey()) in.failNeedsValue(args.span, "init needs the words of its key, which a traced function only has when it runs");
  Interpreter::ParamContext ctx;
  ctx.key = key.key;
  CallArgs inner;
  inner.span = args.span;
  inner.positional.push_back(makeParamsView(""));
  for (size_t i = 2; i < args.positional.size(); ++i) inner.positional.push_back(args.positional[i]);
  for (auto &[name, value] : args.keywords) {
    if (name == "from") ctx.from = value;
    else inner.keywords.emplace_back(name, value);
  }
  {
    Scoped<Interpreter::ParamContext *> declaring(in.params, &ctx);
    in.call(fn, inner);
  }
  std::vector<std::pair<std::string, Value>> leaves;
  for (const auto &leaf : ctx.leaves) leaves.emplace_back(leaf.path, leaf.value);
  std::optional<std::string> conflict; // cannot happen: declareParam refuses a path that is both
  return treeFromPaths(leaves, conflict);
}

} // namespace zy::interp

// AstBuilder.cpp: from the ANTLR parse tree to the AST.
//
// The parse tree is already known to be free of syntax errors. What is checked here are
// the rules a context-free grammar cannot say: literal values (integer range, escapes,
// f-string holes and format specs), what may stand left of `=` and `~`, comparison
// chains, and that `break` and `continue` stand inside a loop. Binary operators arrive as a flat list and get their precedence here, with an
// explicit operator stack (shunting-yard), so no chain length can exhaust the stack.
#include "syntax/AstBuilder.h"

#include "support/Format.h"
#include "syntax/Parser.h"

#include <charconv>
#include <cmath>

namespace zy::syntax {

using namespace ast;
using antlr4::ParserRuleContext;
using antlr4::Token;

// ---------------------------------------------------------------- spans

TokenSpans::TokenSpans(const SourceFile &file, uint32_t begin, uint32_t end)
    : File(&file), Begin(begin), End(end) {
  const std::string &text = file.text();
  bool ascii = true;
  for (uint32_t i = begin; i < end && ascii; ++i) ascii = static_cast<unsigned char>(text[i]) < 0x80;
  if (ascii) return;
  for (uint32_t i = begin; i < end; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) Offsets.push_back(i - begin);
  Offsets.push_back(end - begin);
}

uint32_t TokenSpans::byteOffset(size_t index) const {
  if (Offsets.empty()) return Begin + static_cast<uint32_t>(std::min<size_t>(index, End - Begin));
  return Begin + Offsets[std::min(index, Offsets.size() - 1)];
}

Span TokenSpans::of(const Token *token) const {
  size_t start = token->getStartIndex();
  size_t stop = token->getStopIndex();
  if (token->getType() == Token::EOF || stop < start) return at(byteOffset(start));
  return {File, byteOffset(start), byteOffset(stop + 1)};
}

Span TokenSpans::of(const ParserRuleContext *constCtx) const {
  auto *ctx = const_cast<ParserRuleContext *>(constCtx); // ANTLR's getters are not const
  Span first = of(ctx->getStart());
  const Token *stop = ctx->getStop();
  if (!stop || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) return first;
  return first.to(of(stop));
}

namespace {

class Builder {
public:
  Builder(const TokenSpans &spans, Diagnostics &diags) : Spans(spans), Diags(diags) {}

  std::unique_ptr<Module> module(ZyParser::FileContext *ctx);
  std::unique_ptr<ReplInput> replInput(ZyParser::ReplInputContext *ctx);
  ExprPtr expr(ZyParser::ExprContext *ctx);

private:
  Item item(ZyParser::ItemContext *ctx);
  std::unique_ptr<ImportDecl> importDecl(ZyParser::ImportDeclContext *ctx);
  std::unique_ptr<FnDecl> fnDecl(ZyParser::FnDeclContext *ctx);
  std::vector<Param> params(ZyParser::ParamListContext *ctx);
  std::unique_ptr<Type> type(ZyParser::TypeContext *ctx);
  BlockPtr block(ZyParser::BlockContext *ctx);
  StmtPtr stmt(ZyParser::StmtContext *ctx);
  std::unique_ptr<LetStmt> letStmt(ZyParser::LetStmtContext *ctx);
  StmtPtr exprStmt(ZyParser::ExprStmtContext *ctx);
  std::unique_ptr<Pattern> pattern(ZyParser::PatternContext *ctx);
  std::unique_ptr<Pattern> patternFromExpr(const Expr &e);
  ExprPtr binary(ZyParser::BinaryContext *ctx);
  ExprPtr postfix(ZyParser::PostfixContext *ctx);
  ExprPtr primary(ZyParser::PrimaryContext *ctx);
  ExprPtr ifExpr(ZyParser::IfExprContext *ctx);
  ExprPtr listComp(ZyParser::ListCompContext *ctx);
  StmtPtr loopExit(ParserRuleContext *ctx, bool isBreak);
  std::vector<ExprPtr> exprs(const std::vector<ZyParser::ExprContext *> &ctxs);
  ExprPtr intLiteral(Token *token);
  ExprPtr floatLiteral(Token *token);
  ExprPtr fstring(Token *token);
  bool isParameterPath(const Expr &e) const;

  /// Decodes the escapes of a string literal's body, which starts at file byte `at`.
  std::string unescape(std::string_view body, uint32_t at);
  std::string stringValue(Token *token);

  Span span(const ParserRuleContext *ctx) const { return Spans.of(ctx); }
  Span span(const Token *token) const { return Spans.of(token); }
  void error(Span at, std::string message) { Diags.error(at, std::move(message)); }

  /// Runs `build` as the body of a loop (inLoop) or of a function (!inLoop): a
  /// function's body starts outside any loop, even when it is written inside one.
  template <typename F> auto inBody(bool inLoop, F build) {
    bool saved = InLoop;
    InLoop = inLoop;
    auto result = build();
    InLoop = saved;
    return result;
  }

  const TokenSpans &Spans;
  Diagnostics &Diags;
  bool InLoop = false; // inside a `for` or `while` body of the function being built
};

std::unique_ptr<Module> Builder::module(ZyParser::FileContext *ctx) {
  auto m = std::make_unique<Module>();
  m->source = &Spans.file();
  for (auto *itemCtx : ctx->item()) m->items.push_back(item(itemCtx));
  return m;
}

std::unique_ptr<ReplInput> Builder::replInput(ZyParser::ReplInputContext *ctx) {
  auto input = std::make_unique<ReplInput>();
  input->source = &Spans.file();
  for (auto *itemCtx : ctx->replItem()) {
    ReplInput::Entry entry;
    if (auto *imp = itemCtx->importDecl()) entry.import = importDecl(imp);
    else entry.stmt = stmt(itemCtx->stmt());
    input->entries.push_back(std::move(entry));
  }
  return input;
}

std::unique_ptr<ImportDecl> Builder::importDecl(ZyParser::ImportDeclContext *imp) {
  auto decl = std::make_unique<ImportDecl>();
  decl->path = stringValue(imp->STRING()->getSymbol());
  decl->alias = imp->IDENT()->getText();
  decl->span = span(imp);
  return decl;
}

Item Builder::item(ZyParser::ItemContext *ctx) {
  Item it{Item::Fn, nullptr, nullptr, nullptr, nullptr};
  if (auto *fn = ctx->fnDecl()) {
    it.fn = fnDecl(fn);
  } else if (auto *imp = ctx->importDecl()) {
    it.kind = Item::Import;
    it.import = importDecl(imp);
  } else if (auto *test = ctx->testDecl()) {
    it.kind = Item::Test;
    it.test = std::make_unique<TestDecl>();
    it.test->name = stringValue(test->STRING()->getSymbol());
    it.test->body = block(test->block());
    it.test->span = span(test);
  } else {
    it.kind = Item::Let;
    it.let = letStmt(ctx->letStmt());
  }
  return it;
}

std::unique_ptr<FnDecl> Builder::fnDecl(ZyParser::FnDeclContext *ctx) {
  auto fn = std::make_unique<FnDecl>();
  fn->name = ctx->IDENT()->getText();
  fn->nameSpan = span(ctx->IDENT()->getSymbol());
  fn->span = span(ctx);
  if (ctx->paramList()) fn->params = params(ctx->paramList());
  if (ctx->ret) fn->returnType = type(ctx->ret);
  if (ctx->block()) {
    fn->body = inBody(false, [&] { return block(ctx->block()); });
  } else {
    fn->body = inBody(false, [&] { return expr(ctx->expr()); });
    fn->exprBody = true;
  }
  return fn;
}

std::vector<Param> Builder::params(ZyParser::ParamListContext *ctx) {
  std::vector<Param> out;
  bool sawDefault = false;
  for (auto *p : ctx->param()) {
    Param param;
    param.name = p->IDENT()->getText();
    param.span = span(p);
    if (p->type()) param.type = type(p->type());
    if (p->expr()) param.defaultValue = expr(p->expr());
    for (const Param &earlier : out)
      if (earlier.name == param.name && param.name != "_")
        error(param.span, "parameter `" + param.name + "` is declared twice");
    if (param.defaultValue) sawDefault = true;
    else if (sawDefault)
      error(param.span, "parameter `" + param.name + "` needs a default value: it follows a parameter that has one");
    out.push_back(std::move(param));
  }
  return out;
}

std::unique_ptr<Type> Builder::type(ZyParser::TypeContext *ctx) {
  auto t = std::make_unique<Type>();
  t->span = span(ctx);
  if (auto *named = dynamic_cast<ZyParser::NamedTypeContext *>(ctx)) {
    t->kind = Type::Named;
    t->name = named->IDENT()->getText();
    if (named->children.size() > 1) { // has brackets, possibly empty: `f32[]` is a scalar
      t->dims.emplace();
      for (auto *d : named->dim()) {
        Dim dim;
        dim.span = span(d);
        if (d->INT()) {
          dim.kind = Dim::Fixed;
          auto text = d->INT()->getText();
          auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), dim.size);
          if (ec != std::errc()) error(dim.span, "dimension " + quote(text) + " is too large");
        } else if (d->IDENT()) {
          dim.kind = Dim::Variable;
          dim.name = d->IDENT()->getText();
        } else {
          dim.kind = Dim::Ellipsis;
        }
        t->dims->push_back(std::move(dim));
      }
    }
  } else if (auto *list = dynamic_cast<ZyParser::ListTypeContext *>(ctx)) {
    t->kind = Type::List;
    t->elems.push_back(type(list->type()));
  } else {
    auto *tuple = static_cast<ZyParser::TupleTypeContext *>(ctx);
    t->kind = Type::Tuple;
    for (auto *e : tuple->type()) t->elems.push_back(type(e));
  }
  return t;
}

BlockPtr Builder::block(ZyParser::BlockContext *ctx) {
  auto b = std::make_unique<BlockExpr>(span(ctx));
  for (auto *s : ctx->stmt()) b->stmts.push_back(stmt(s));
  return b;
}

StmtPtr Builder::stmt(ZyParser::StmtContext *ctx) {
  if (auto *let = ctx->letStmt()) return letStmt(let);
  if (auto *f = ctx->forStmt()) {
    auto s = std::make_unique<ForStmt>(span(f));
    s->pattern = pattern(f->pattern());
    s->iterable = expr(f->expr());
    s->body = inBody(true, [&] { return block(f->block()); });
    return s;
  }
  if (auto *w = ctx->whileStmt()) {
    auto s = std::make_unique<WhileStmt>(span(w));
    s->cond = expr(w->expr());
    s->body = inBody(true, [&] { return block(w->block()); });
    return s;
  }
  if (auto *b = ctx->breakStmt()) return loopExit(b, true);
  if (auto *c = ctx->continueStmt()) return loopExit(c, false);
  if (auto *a = ctx->assertStmt()) {
    auto s = std::make_unique<AssertStmt>(span(a));
    s->cond = expr(a->expr(0));
    if (a->expr().size() > 1) s->message = expr(a->expr(1));
    return s;
  }
  if (auto *fn = ctx->fnDecl()) {
    auto s = std::make_unique<FnStmt>(span(fn));
    s->fn = std::move(*fnDecl(fn));
    return s;
  }
  return exprStmt(ctx->exprStmt());
}

StmtPtr Builder::loopExit(ParserRuleContext *ctx, bool isBreak) {
  Span at = span(ctx);
  const char *word = isBreak ? "break" : "continue";
  if (!InLoop)
    error(at, std::string("`") + word + "` outside a loop: it belongs inside the body of a `for` or `while` "
                  "(a `fn`, lambda or list comprehension written in a loop starts outside it)");
  if (isBreak) return std::make_unique<BreakStmt>(at);
  return std::make_unique<ContinueStmt>(at);
}

std::unique_ptr<LetStmt> Builder::letStmt(ZyParser::LetStmtContext *ctx) {
  auto s = std::make_unique<LetStmt>(span(ctx));
  s->pattern = pattern(ctx->pattern());
  if (ctx->type()) s->type = type(ctx->type());
  s->value = expr(ctx->expr());
  return s;
}

bool Builder::isParameterPath(const Expr &e) const {
  const Expr *at = &e;
  while (true) {
    if (at->kind == ExprKind::Name) return true;
    if (at->kind == ExprKind::Field) at = at->as<FieldExpr>().base.get();
    else if (at->kind == ExprKind::Index) {
      const auto &index = at->as<IndexExpr>();
      if (index.items.size() != 1 || index.items[0].kind != IndexItem::Single) return false;
      at = index.base.get();
    } else return false;
  }
}

BinaryOp binaryOpOf(const std::string &s);

StmtPtr Builder::exprStmt(ZyParser::ExprStmtContext *ctx) {
  ExprPtr lhs = expr(ctx->expr(0));
  if (!ctx->op) return std::make_unique<ExprStmt>(std::move(lhs), span(ctx));
  ExprPtr rhs = expr(ctx->expr(1));
  if (ctx->op->getText() == "~") {
    if (!isParameterPath(*lhs))
      error(lhs->span, "the left side of `~` must be a parameter path such as `p.w` or `p.layers[i]`");
    auto s = std::make_unique<DeclareStmt>(span(ctx));
    s->path = std::move(lhs);
    s->init = std::move(rhs);
    return s;
  }
  auto s = std::make_unique<AssignStmt>(span(ctx));
  std::string op = ctx->op->getText();
  if (op != "=") {
    // Compound assignment `x += e` is `x = x + e`: the target is one name, rebound.
    if (lhs->kind != ExprKind::Name) {
      error(lhs->span, "the left side of `" + op + "` must be a name (`x " + op + " e` means `x = x " + op.substr(0, 1) +
                           " e`)" + (lhs->kind == ExprKind::Field || lhs->kind == ExprKind::Index
                                         ? "; values are immutable, so a field or an element cannot be updated"
                                         : ""));
    } else {
      auto current = std::make_unique<NameExpr>(lhs->as<NameExpr>().name, lhs->span);
      rhs = std::make_unique<BinaryExpr>(binaryOpOf(op.substr(0, 1)), std::move(current), std::move(rhs), span(ctx->op),
                                         span(ctx));
    }
  }
  if (op != "=" && lhs->kind != ExprKind::Name) {
    s->target = std::make_unique<Pattern>(); // reported above
    s->target->span = lhs->span;
    s->target->name = "_";
  } else {
    s->target = patternFromExpr(*lhs);
  }
  s->value = std::move(rhs);
  return s;
}

std::unique_ptr<Pattern> Builder::pattern(ZyParser::PatternContext *ctx) {
  auto p = std::make_unique<Pattern>();
  p->span = span(ctx);
  if (ctx->IDENT()) {
    p->name = ctx->IDENT()->getText();
  } else {
    p->kind = Pattern::Tuple;
    for (auto *e : ctx->pattern()) p->elems.push_back(pattern(e));
  }
  return p;
}

/// The left side of `=` is parsed as an expression; only names and tuples of them can
/// be rebound, because values are immutable.
std::unique_ptr<Pattern> Builder::patternFromExpr(const Expr &e) {
  auto p = std::make_unique<Pattern>();
  p->span = e.span;
  if (e.kind == ExprKind::Name) {
    p->name = e.as<NameExpr>().name;
  } else if (e.kind == ExprKind::Tuple) {
    p->kind = Pattern::Tuple;
    for (const auto &elem : e.as<TupleExpr>().elems) p->elems.push_back(patternFromExpr(*elem));
  } else if (e.kind == ExprKind::Field || e.kind == ExprKind::Index) {
    error(e.span, "cannot assign to a field or an element: values are immutable; bind a new value "
                  "with `let` (or declare a parameter with `~`)");
  } else {
    error(e.span, "cannot assign to this expression: the left side of `=` must be a name or a tuple of names");
  }
  return p;
}

ExprPtr Builder::expr(ZyParser::ExprContext *ctx) {
  ExprPtr lo = binary(ctx->binary(0));
  if (ctx->binary().size() == 1) return lo;
  ExprPtr hi = binary(ctx->binary(1));
  return std::make_unique<RangeExpr>(std::move(lo), std::move(hi), span(ctx));
}

std::vector<ExprPtr> Builder::exprs(const std::vector<ZyParser::ExprContext *> &ctxs) {
  std::vector<ExprPtr> out;
  for (auto *c : ctxs) out.push_back(expr(c));
  return out;
}

BinaryOp binaryOpOf(const std::string &s) {
  static const std::pair<const char *, BinaryOp> table[] = {
      {"or", BinaryOp::Or},   {"and", BinaryOp::And}, {"==", BinaryOp::Eq},  {"!=", BinaryOp::Ne},
      {"<", BinaryOp::Lt},    {"<=", BinaryOp::Le},   {">", BinaryOp::Gt},   {">=", BinaryOp::Ge},   {"in", BinaryOp::In},
      {"+", BinaryOp::Add},   {"-", BinaryOp::Sub},   {"*", BinaryOp::Mul},  {"/", BinaryOp::Div},
      {"%", BinaryOp::Mod},   {"@", BinaryOp::MatMul}, {"**", BinaryOp::Pow}};
  for (auto &[text, op] : table)
    if (s == text) return op;
  return BinaryOp::Add; // unreachable: the grammar admits only the operators above
}

/// Shunting-yard over `prefix* operand (binop prefix* operand)*`.
ExprPtr Builder::binary(ZyParser::BinaryContext *ctx) {
  struct Pending {
    bool prefix;
    UnaryOp unary;
    BinaryOp binary;
    Span span;
    int prec() const { return prefix ? precedence(unary) : precedence(binary); }
  };
  std::vector<Pending> ops;
  std::vector<ExprPtr> values;

  size_t chain = ctx->binop().size();
  for (auto *operand : ctx->operand()) chain += operand->prefixOp().size();
  if (chain > MaxChainLength) {
    error(span(ctx), "this expression chains " + std::to_string(chain) + " operators; at most " +
                         std::to_string(MaxChainLength) + " are allowed, so split it with `let`");
    return std::make_unique<NoneExpr>(span(ctx));
  }

  auto apply = [&](const Pending &op) {
    ExprPtr rhs = std::move(values.back());
    values.pop_back();
    if (op.prefix) {
      Span s = op.span.to(rhs->span);
      values.push_back(std::make_unique<UnaryExpr>(op.unary, std::move(rhs), s));
      return;
    }
    ExprPtr lhs = std::move(values.back());
    values.pop_back();
    Span s = lhs->span.to(rhs->span);
    values.push_back(std::make_unique<BinaryExpr>(op.binary, std::move(lhs), std::move(rhs), op.span, s));
  };

  auto operands = ctx->operand();
  auto binops = ctx->binop();
  for (size_t i = 0; i < operands.size(); ++i) {
    if (i > 0) {
      BinaryOp op = binaryOpOf(binops[i - 1]->getText());
      Span opSpan = span(binops[i - 1]);
      int prec = precedence(op);
      while (!ops.empty() && (ops.back().prec() > prec || (ops.back().prec() == prec && !isRightAssociative(op)))) {
        if (!ops.back().prefix && isComparison(ops.back().binary) && isComparison(op))
          error(opSpan, std::string("comparisons cannot be chained: write `a ") + spelling(ops.back().binary) +
                            " b and b " + spelling(op) + " c`");
        apply(ops.back());
        ops.pop_back();
      }
      ops.push_back({false, UnaryOp::Neg, op, opSpan});
    }
    for (auto *prefix : operands[i]->prefixOp()) {
      std::string text = prefix->getText();
      UnaryOp op = text == "-" ? UnaryOp::Neg : text == "+" ? UnaryOp::Plus : UnaryOp::Not;
      ops.push_back({true, op, BinaryOp::Add, span(prefix)});
    }
    values.push_back(postfix(operands[i]->postfix()));
  }
  while (!ops.empty()) {
    apply(ops.back());
    ops.pop_back();
  }
  return std::move(values.back());
}

ExprPtr Builder::postfix(ZyParser::PostfixContext *ctx) {
  ExprPtr e = primary(ctx->primary());
  for (auto *suffix : ctx->suffix()) {
    Span s = e->span.to(span(suffix));
    if (auto *call = dynamic_cast<ZyParser::CallSuffixContext *>(suffix)) {
      auto c = std::make_unique<CallExpr>(std::move(e), s);
      bool sawKeyword = false;
      if (call->argList()) {
        for (auto *a : call->argList()->arg()) {
          Arg arg;
          arg.span = span(a);
          if (a->IDENT()) {
            arg.name = a->IDENT()->getText();
            sawKeyword = true;
            for (const Arg &earlier : c->args)
              if (earlier.name == arg.name) error(arg.span, "keyword argument `" + arg.name + "` is given twice");
          } else if (sawKeyword) {
            error(arg.span, "a positional argument cannot follow keyword arguments");
          }
          arg.value = expr(a->expr());
          c->args.push_back(std::move(arg));
        }
      }
      e = std::move(c);
    } else if (auto *index = dynamic_cast<ZyParser::IndexSuffixContext *>(suffix)) {
      auto ix = std::make_unique<IndexExpr>(std::move(e), s);
      int ellipses = 0;
      for (auto *itemCtx : index->index()) {
        IndexItem item;
        item.span = span(itemCtx);
        if (dynamic_cast<ZyParser::EllipsisIndexContext *>(itemCtx)) {
          item.kind = IndexItem::Ellipsis;
          if (++ellipses == 2) error(item.span, "an index can contain at most one `...`");
        } else if (auto *slice = dynamic_cast<ZyParser::SliceIndexContext *>(itemCtx)) {
          item.kind = IndexItem::Slice;
          if (slice->lo) item.lo = expr(slice->lo);
          if (slice->hi) item.hi = expr(slice->hi);
          if (slice->step) item.step = expr(slice->step);
          size_t colons = 0;
          for (auto *child : slice->children)
            if (auto *t = dynamic_cast<antlr4::tree::TerminalNode *>(child); t && t->getText() == ":") ++colons;
          item.hasStepColon = colons == 2;
        } else {
          item.value = expr(static_cast<ZyParser::ExprIndexContext *>(itemCtx)->expr());
        }
        ix->items.push_back(std::move(item));
      }
      e = std::move(ix);
    } else {
      auto *field = static_cast<ZyParser::FieldSuffixContext *>(suffix);
      e = std::make_unique<FieldExpr>(std::move(e), field->IDENT()->getText(), span(field->IDENT()->getSymbol()), s);
    }
  }
  return e;
}

ExprPtr Builder::primary(ZyParser::PrimaryContext *ctx) {
  Span s = span(ctx);
  if (auto *c = dynamic_cast<ZyParser::IntLitContext *>(ctx)) return intLiteral(c->INT()->getSymbol());
  if (auto *c = dynamic_cast<ZyParser::FloatLitContext *>(ctx)) return floatLiteral(c->FLOAT()->getSymbol());
  if (auto *c = dynamic_cast<ZyParser::StringLitContext *>(ctx))
    return std::make_unique<StringExpr>(stringValue(c->STRING()->getSymbol()), s);
  if (auto *c = dynamic_cast<ZyParser::FstringLitContext *>(ctx)) return fstring(c->FSTRING()->getSymbol());
  if (dynamic_cast<ZyParser::BoolLitContext *>(ctx)) return std::make_unique<BoolExpr>(ctx->getText() == "true", s);
  if (dynamic_cast<ZyParser::NoneLitContext *>(ctx)) return std::make_unique<NoneExpr>(s);
  if (auto *c = dynamic_cast<ZyParser::NameRefContext *>(ctx)) return std::make_unique<NameExpr>(c->IDENT()->getText(), s);
  if (dynamic_cast<ZyParser::EmptyTupleContext *>(ctx)) return std::make_unique<TupleExpr>(s);
  if (auto *c = dynamic_cast<ZyParser::ParensContext *>(ctx)) {
    ExprPtr inner = expr(c->expr());
    return inner;
  }
  if (auto *c = dynamic_cast<ZyParser::TupleContext *>(ctx)) {
    auto t = std::make_unique<TupleExpr>(s);
    t->elems = exprs(c->expr());
    return t;
  }
  if (auto *c = dynamic_cast<ZyParser::ListContext *>(ctx)) {
    auto l = std::make_unique<ListExpr>(s);
    l->elems = exprs(c->expr());
    return l;
  }
  if (auto *c = dynamic_cast<ZyParser::ListCompContext *>(ctx)) return listComp(c);
  if (dynamic_cast<ZyParser::EmptyRecordContext *>(ctx)) return std::make_unique<RecordExpr>(s);
  if (auto *c = dynamic_cast<ZyParser::RecordContext *>(ctx)) {
    auto r = std::make_unique<RecordExpr>(s);
    for (auto *f : c->field()) {
      RecordExpr::Field field;
      field.span = span(f);
      field.name = f->IDENT() ? f->IDENT()->getText() : stringValue(f->STRING()->getSymbol());
      for (const auto &earlier : r->fields)
        if (earlier.name == field.name) error(field.span, "field `" + field.name + "` appears twice in this record");
      field.value = expr(f->expr());
      r->fields.push_back(std::move(field));
    }
    return r;
  }
  if (auto *c = dynamic_cast<ZyParser::BlockExprContext *>(ctx)) return block(c->block());
  if (auto *c = dynamic_cast<ZyParser::IfLitContext *>(ctx)) return ifExpr(c->ifExpr());
  auto *lambda = static_cast<ZyParser::LambdaContext *>(ctx);
  auto l = std::make_unique<LambdaExpr>(s);
  if (lambda->paramList()) l->params = params(lambda->paramList());
  l->body = inBody(false, [&] { return expr(lambda->expr()); });
  return l;
}

ExprPtr Builder::ifExpr(ZyParser::IfExprContext *ctx) {
  auto e = std::make_unique<IfExpr>(span(ctx));
  auto conds = ctx->expr();
  auto blocks = ctx->block();
  for (size_t i = 0; i < conds.size(); ++i) e->branches.push_back({expr(conds[i]), block(blocks[i])});
  if (blocks.size() > conds.size()) e->elseBody = block(blocks.back());
  return e;
}

ExprPtr Builder::listComp(ZyParser::ListCompContext *ctx) {
  auto e = std::make_unique<ListCompExpr>(span(ctx));
  // A comprehension is an expression, not a loop body: `break` in its element (say,
  // inside a block) would leave the enclosing loop, so it is outside a loop here.
  e->elem = inBody(false, [&] { return expr(ctx->expr()); });
  for (auto *f : ctx->compFor()) {
    ListCompExpr::Clause clause;
    clause.span = span(f);
    clause.pattern = pattern(f->pattern());
    clause.iterable = expr(f->expr(0));
    if (f->expr().size() > 1) clause.cond = inBody(false, [&] { return expr(f->expr(1)); });
    e->clauses.push_back(std::move(clause));
  }
  return e;
}

ExprPtr Builder::intLiteral(Token *token) {
  std::string text = token->getText();
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc())
    error(span(token), "integer literal " + quote(text) + " is too large (the largest is 9223372036854775807)");
  return std::make_unique<IntExpr>(value, span(token));
}

ExprPtr Builder::floatLiteral(Token *token) {
  std::string text = token->getText();
  double value = std::strtod(text.c_str(), nullptr);
  if (std::isinf(value)) error(span(token), "number " + quote(text) + " is too large for a float");
  return std::make_unique<FloatExpr>(value, text, span(token));
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string Builder::unescape(std::string_view body, uint32_t at) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    Span escapeSpan = Spans.file().span(at + static_cast<uint32_t>(i), at + static_cast<uint32_t>(i + 2));
    char c = i + 1 < body.size() ? body[i + 1] : '\0';
    ++i;
    switch (c) {
    case 'n': out += '\n'; break;
    case 't': out += '\t'; break;
    case 'r': out += '\r'; break;
    case '0': out += '\0'; break;
    case '\\': out += '\\'; break;
    case '"': out += '"'; break;
    case '{': out += "\\{"; break; // kept escaped: f-string holes are found after unescaping
    case '}': out += "\\}"; break;
    case 'u': {
      size_t close = body.find('}', i);
      uint32_t cp = 0;
      bool ok = i + 1 < body.size() && body[i + 1] == '{' && close != std::string_view::npos && close > i + 2 &&
                close - i - 2 <= 6;
      if (ok) {
        auto digits = body.substr(i + 2, close - i - 2);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, 16);
        ok = ec == std::errc() && ptr == digits.data() + digits.size() && cp <= 0x10FFFF &&
             !(cp >= 0xD800 && cp <= 0xDFFF);
      }
      if (!ok) {
        error(escapeSpan, "a `\\u` escape is written `\\u{XXXX}` with 1 to 6 hex digits naming a character");
        return out;
      }
      appendUtf8(out, cp);
      i = close;
      break;
    }
    default:
      error(escapeSpan, "unknown escape `\\" + std::string(1, c) +
                            "`; the escapes are \\n \\t \\r \\0 \\\\ \\\" \\{ \\} and \\u{XXXX}");
      return out;
    }
  }
  return out;
}

/// Removes the `\{` / `\}` markers unescape() keeps for f-strings.
std::string plainString(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) ++i;
    out += s[i];
  }
  return out;
}

std::string Builder::stringValue(Token *token) {
  std::string text = token->getText();
  Span s = span(token);
  return plainString(unescape(std::string_view(text).substr(1, text.size() - 2), s.begin + 1));
}

/// f"...": literal runs (with `{{`/`}}` for braces) and `{expr}` / `{expr:spec}` holes.
/// A hole's expression is parsed on its own, with spans pointing into the file.
ExprPtr Builder::fstring(Token *token) {
  Span s = span(token);
  auto f = std::make_unique<FStringExpr>(s);
  const std::string &text = Spans.file().text();
  uint32_t bodyBegin = s.begin + 2, bodyEnd = s.end - 1; // inside f" and "
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) f->parts.push_back({std::move(literal), nullptr, ""});
    literal.clear();
  };
  for (uint32_t i = bodyBegin; i < bodyEnd; ++i) {
    char c = text[i];
    if (c == '\\') { // escapes, decoded as in plain strings
      uint32_t escapeEnd = i + 2;
      if (i + 1 < bodyEnd && text[i + 1] == 'u')
        while (escapeEnd < bodyEnd && text[escapeEnd - 1] != '}') ++escapeEnd;
      literal += plainString(unescape(std::string_view(text).substr(i, escapeEnd - i), i));
      i = escapeEnd - 1;
      continue;
    }
    if (c == '}') {
      if (i + 1 < bodyEnd && text[i + 1] == '}') { literal += '}'; ++i; continue; }
      error(Spans.file().span(i, i + 1), "a single `}` in an f-string must be doubled: `}}`");
      return f;
    }
    if (c != '{') { literal += c; continue; }
    if (i + 1 < bodyEnd && text[i + 1] == '{') { literal += '{'; ++i; continue; }
    // A hole: find its closing `}` and the `:` that starts the format spec, skipping
    // over nested brackets (a slice `x[1:2]` or a record has colons of its own).
    uint32_t open = i, colon = 0, close = 0;
    int depth = 0;
    for (uint32_t j = i + 1; j < bodyEnd && !close; ++j) {
      char d = text[j];
      if (d == '"') { // a string literal inside the hole: its braces and colons are its own
        for (++j; j < bodyEnd && text[j] != '"'; ++j)
          if (text[j] == '\\') ++j;
        continue;
      }
      if (d == '(' || d == '[' || d == '{') ++depth;
      else if ((d == ')' || d == ']' || d == '}') && depth > 0) --depth;
      else if (d == '}') close = j;
      else if (d == ':' && depth == 0 && !colon) colon = j;
    }
    if (!close) {
      LineCol lc = Spans.file().lineCol(open);
      error(Spans.file().span(bodyEnd, bodyEnd + 1),
            "expected `}` to close the f-string hole opened at " + std::to_string(lc.line) + ":" +
                std::to_string(lc.col) + ", found the end of the string");
      return f;
    }
    uint32_t exprEnd = colon ? colon : close;
    std::string_view inside = std::string_view(text).substr(open + 1, exprEnd - open - 1);
    if (inside.find_first_not_of(" \t") == std::string_view::npos) {
      error(Spans.file().span(open, close + 1), "an f-string hole `{}` needs an expression inside");
      return f;
    }
    flush();
    FStringExpr::Part part;
    part.expr = parseExpression(Spans.file(), open + 1, exprEnd, Diags);
    if (!part.expr) return f;
    if (colon) {
      part.spec = std::string(text.substr(colon + 1, close - colon - 1));
      if (auto problem = checkFormatSpec(part.spec))
        error(Spans.file().span(colon + 1, close), "bad format spec " + quote(part.spec) + ": " + *problem);
    }
    f->parts.push_back(std::move(part));
    i = close;
  }
  flush();
  return f;
}

} // namespace

std::unique_ptr<Module> buildModule(ZyParser::FileContext *ctx, const TokenSpans &spans, Diagnostics &diags) {
  return Builder(spans, diags).module(ctx);
}

std::unique_ptr<ReplInput> buildReplInput(ZyParser::ReplInputContext *ctx, const TokenSpans &spans, Diagnostics &diags) {
  return Builder(spans, diags).replInput(ctx);
}

ExprPtr buildExpression(ZyParser::ExprContext *ctx, const TokenSpans &spans, Diagnostics &diags) {
  return Builder(spans, diags).expr(ctx);
}

} // namespace zy::syntax

// Parser.cpp: lexing, the layout pass, and running the ANTLR parser with errors in words.
//
// Algorithm (see Parser.h for the why):
//   1. Check the text is UTF-8, then lex all of it. BAD_CHAR and UNTERMINATED_STRING
//      tokens become errors with a hint where one helps (`!` -> `not`).
//   2. Layout: walk the tokens with a stack of open brackets. A closer that does not match
//      is reported against the opener ("expected `)` to close the call opened at 3:14");
//      nesting deeper than MaxBracketDepth is an error. A NEWLINE is kept only where it
//      can end a statement: not inside `(`/`[`, not after an operator, `,` or `{`, and not
//      before `}`, `)`, `]`, `else`, `.` or `,`. Each kept token remembers its innermost
//      opener, which later errors mention.
//   3. Parse in SLL mode with a bailing strategy (fast, right for almost all input); on
//      failure, parse again in LL mode with an error strategy that reports "expected X,
//      found Y" in words and recovers to find further errors. A listener bounds the rule
//      nesting so no input can exhaust the stack.
//   4. Build the AST (AstBuilder.cpp) only when there were no errors.
#include "syntax/Parser.h"

#include "ZyLexer.h"
#include "antlr4-runtime.h"
#include "syntax/AstBuilder.h"
#include "syntax/Layout.h"

#include <deque>
#include <set>

namespace zy {

using antlr4::Token;
using syntax::TokenSpans;
using syntax::continuesAfter;
using syntax::continuesBefore;
using syntax::isBinaryOperator;

namespace {

// ---------------------------------------------------------------- UTF-8

/// Returns the byte offset of the first byte that is not part of valid UTF-8, or npos.
size_t findInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return i;
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3F);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

// ---------------------------------------------------------------- token names in words

const antlr4::dfa::Vocabulary &vocabulary() {
  // The generated vocabulary is only reachable through an instance.
  static antlr4::ANTLRInputStream empty("");
  static ZyLexer lexer(&empty);
  return lexer.getVocabulary();
}

/// The literal spelling of a token type (`(`, `fn`), or "" for IDENT, INT, NEWLINE...
std::string literalOf(size_t type) {
  std::string lit = vocabulary().getLiteralName(type);
  if (lit.size() >= 2 && lit.front() == '\'' && lit.back() == '\'') return lit.substr(1, lit.size() - 2);
  return "";
}

/// The token type whose literal spelling is `lit` (0 if none).
ssize_t tokenType(const std::string &lit) {
  for (size_t t = 1; t <= vocabulary().getMaxTokenType(); ++t)
    if (literalOf(t) == lit) return static_cast<ssize_t>(t);
  return 0;
}

bool isKeyword(const std::string &lit) { return !lit.empty() && std::isalpha(static_cast<unsigned char>(lit[0])); }

/// What a user calls a token that was expected: "`)`", "a name", "end of line".
std::string describeExpectedToken(size_t type, const std::string &endName) {
  switch (type) {
  case Token::EOF: return endName;
  case ZyParser::IDENT: return "a name";
  case ZyParser::INT: return "an integer";
  case ZyParser::FLOAT: return "a number";
  case ZyParser::STRING: return "a string";
  case ZyParser::FSTRING: return "an f-string";
  case ZyParser::NEWLINE: return "end of line";
  }
  return "`" + literalOf(type) + "`";
}

/// What a user calls a token that was found: "`foo`", "end of line".
std::string describeFoundToken(const Token *token) {
  switch (token->getType()) {
  case Token::EOF: return "end of file";
  case ZyParser::NEWLINE: return "end of line";
  case ZyParser::STRING: case ZyParser::FSTRING: return "the string " + quote(token->getText());
  }
  std::string lit = literalOf(token->getType());
  if (isKeyword(lit)) return "keyword `" + lit + "`";
  return quote(token->getText());
}

/// Describes an expected-token set in words: whole families of tokens collapse into one
/// phrase ("an expression"), and tokens that would merely continue an expression
/// (operators, `.`, `[`) are left out unless nothing else could come.
std::string describeExpected(const antlr4::misc::IntervalSet &set, const std::string &endName) {
  std::vector<ssize_t> types = set.toList();
  auto has = [&](ssize_t t) { return set.contains(t); };
  std::vector<std::string> parts;
  std::set<ssize_t> covered;

  bool expression = has(ZyParser::IDENT) && has(ZyParser::INT) && has(ZyParser::STRING);
  bool statement = expression && has(tokenType("let")) && has(tokenType("for"));
  if (statement) {
    for (const char *start : {"let", "for", "while", "break", "continue", "fn", "assert"}) covered.insert(tokenType(start));
  }
  if (expression) {
    parts.push_back(statement ? "a statement" : "an expression");
    for (ssize_t t : types) {
      std::string lit = literalOf(t);
      if (t == ZyParser::IDENT || t == ZyParser::INT || t == ZyParser::FLOAT || t == ZyParser::STRING ||
          t == ZyParser::FSTRING || lit == "(" || lit == "[" || lit == "{" || lit == "|" || lit == "-" ||
          lit == "+" || lit == "not" || lit == "if" || lit == "true" || lit == "false" || lit == "none")
        covered.insert(t);
    }
  }
  // A newline, `;` or the block's `}` all end a statement: one phrase for the three.
  bool statementEnd = has(ZyParser::NEWLINE);
  if (statementEnd) covered.insert(tokenType("}"));
  std::vector<std::string> continuations;
  for (ssize_t t : types) {
    if (covered.count(t)) continue;
    std::string lit = literalOf(t);
    if (t == ZyParser::NEWLINE || lit == ";") continue;
    if (isBinaryOperator(lit) || lit == "." || lit == "[" || (lit == "(" && !has(ZyParser::IDENT))) {
      continuations.push_back(describeExpectedToken(t, endName));
      continue;
    }
    if (static_cast<size_t>(t) == Token::EOF && statementEnd) continue;
    parts.push_back(describeExpectedToken(t, endName));
  }
  if (statementEnd) parts.push_back(statement ? "`}`" : "end of statement");
  if (parts.empty()) {
    if (continuations.empty()) return "something else";
    parts = continuations.size() > 4 ? std::vector<std::string>{"an operator"} : continuations;
  }
  if (parts.size() > 5) { parts.resize(5); parts.push_back("..."); }

  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

// ---------------------------------------------------------------- the layout pass

struct Opener {
  Span span;
  std::string closer; // ")", "]" or "}"
  std::string what;   // "call", "list", "block", ...
};

/// Names what an opening bracket opens, from the tokens around it, for messages.
std::string describeOpener(const std::string &lit, const Token *prev, const Token *prevPrev,
                           const Token *next, const Token *nextNext) {
  bool afterValue = prev && (prev->getType() == ZyParser::IDENT || literalOf(prev->getType()) == ")" ||
                             literalOf(prev->getType()) == "]");
  if (lit == "(") {
    if (prev && prev->getType() == ZyParser::IDENT && prevPrev && literalOf(prevPrev->getType()) == "fn")
      return "parameter list";
    return afterValue ? "call" : "parenthesis";
  }
  if (lit == "[") return afterValue ? "index" : "list";
  bool record = next && (next->getType() == ZyParser::IDENT || next->getType() == ZyParser::STRING) &&
                nextNext && literalOf(nextNext->getType()) == ":";
  return record ? "record" : "block";
}

class FrontEnd {
public:
  FrontEnd(const SourceFile &file, uint32_t begin, uint32_t end, Diagnostics &diags)
      : File(file), Begin(begin), End(end), Diags(diags), Spans(file, begin, end) {}

  std::unique_ptr<ast::Module> parseFile();
  ast::ExprPtr parseExpr();
  std::unique_ptr<ast::ReplInput> parseRepl();

  // Used by the error strategy.
  void report(Span span, std::string message);
  Span spanOf(const Token *token) const;
  Span eofSpan() const;
  const Opener *enclosingOpener(const Token *token) const;
  size_t errorCount() const { return Errors; }
  /// What the end of the parsed text is called in messages.
  std::string endName() const {
    return Interactive ? "end of input" : WholeFile ? "end of file" : "the end of the f-string hole";
  }
  bool WholeFile = true;
  bool Interactive = false; // a REPL input, which ends at the end of input

private:
  bool lexAndLayout();
  template <typename Rule> auto runParser(Rule rule) -> decltype(rule(std::declval<ZyParser &>()));

  const SourceFile &File;
  uint32_t Begin, End;
  Diagnostics &Diags;
  TokenSpans Spans;
  std::unique_ptr<antlr4::ANTLRInputStream> Input;
  std::unique_ptr<ZyLexer> Lexer;
  std::vector<std::unique_ptr<Token>> Tokens; // after layout
  std::vector<Opener> Openers;
  std::vector<int> EnclosingOpener; // per kept token: index into Openers, or -1
  std::set<uint32_t> LinesWithErrors;
  uint32_t LastTokenEnd = 0;
  size_t Errors = 0;
};

void FrontEnd::report(Span span, std::string message) {
  // After an error, recovery often runs to the end of the file and complains there.
  if (Errors > 0 && span.begin == eofSpan().begin) return;
  // One error per line: later ones on the same line are almost always cascades.
  uint32_t line = span.file->lineCol(span.begin).line;
  if (Errors >= MaxSyntaxErrors || !LinesWithErrors.insert(line).second) return;
  ++Errors;
  Diags.error(span, std::move(message));
}

Span FrontEnd::eofSpan() const {
  // Just after the last token, not at an empty last line or after trailing comments.
  return Spans.at(LastTokenEnd);
}

Span FrontEnd::spanOf(const Token *token) const {
  return token->getType() == Token::EOF ? eofSpan() : Spans.of(token);
}

const Opener *FrontEnd::enclosingOpener(const Token *token) const {
  size_t index = token->getTokenIndex();
  if (token->getType() == Token::EOF || index >= EnclosingOpener.size() || EnclosingOpener[index] < 0)
    return nullptr;
  return &Openers[EnclosingOpener[index]];
}

std::string badCharHint(const std::string &ch) {
  if (ch == "!") return "; use `not` for negation (`!=` compares)";
  if (ch == "&") return "; use `and`";
  if (ch == "'") return "; strings are written with double quotes";
  if (ch == "$" || ch == "?" || ch == "^" || ch == "`") return "";
  if (static_cast<unsigned char>(ch[0]) >= 0x80) return "; names are ASCII letters, digits and `_`";
  return "";
}

bool FrontEnd::lexAndLayout() {
  std::string_view text = std::string_view(File.text()).substr(Begin, End - Begin);
  if (size_t bad = findInvalidUtf8(text); bad != std::string_view::npos) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
    report(Spans.at(Begin + static_cast<uint32_t>(bad)),
           std::string("this file is not valid UTF-8: byte ") + hex + " cannot start a character here");
    return false;
  }
  Input = std::make_unique<antlr4::ANTLRInputStream>(std::string(text));
  Lexer = std::make_unique<ZyLexer>(Input.get());
  Lexer->removeErrorListeners();

  // Tokens are lexed as the layout pass needs them (it looks two ahead), so hostile
  // input stops being read at the first layout error or after MaxSyntaxErrors bad tokens.
  std::deque<std::unique_ptr<Token>> ahead;
  bool lexedAll = false;
  auto peek = [&](size_t k) -> const Token * {
    while (ahead.size() <= k && !lexedAll) {
      std::unique_ptr<Token> t = Lexer->nextToken();
      if (t->getType() == Token::EOF) lexedAll = true;
      else ahead.push_back(std::move(t));
    }
    return k < ahead.size() ? ahead[k].get() : nullptr;
  };

  bool lexicalErrors = false;
  unsigned badTokens = 0;
  std::vector<int> stack;             // open brackets: indices into Openers
  std::vector<unsigned> chain = {0};  // operators since the last separator, per bracket level
  std::unique_ptr<Token> pendingNewline;
  auto insideParens = [&] { return !stack.empty() && Openers[stack.back()].closer != "}"; };
  const Token *prev = nullptr, *prevPrev = nullptr;
  LastTokenEnd = Begin;

  while (peek(0)) {
    std::unique_ptr<Token> token = std::move(ahead.front());
    ahead.pop_front();
    size_t type = token->getType();
    if (type != ZyLexer::NEWLINE) LastTokenEnd = Spans.of(token.get()).end;

    // Lexical errors are independent of each other: report each, up to the cap.
    if (type == ZyLexer::BAD_CHAR || type == ZyLexer::UNTERMINATED_STRING) {
      lexicalErrors = true;
      if (type == ZyLexer::BAD_CHAR) {
        std::string ch = token->getText();
        unsigned char c = static_cast<unsigned char>(ch[0]);
        std::string shown = "character `" + ch + "`";
        if (c < 0x20 || c == 0x7F) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02X", c);
          shown = std::string("control byte ") + hex;
        }
        report(Spans.of(token.get()), "unexpected " + shown + badCharHint(ch));
      } else {
        report(Spans.of(token.get()), "unterminated string: expected `\"` before the end of the line");
      }
      if (++badTokens >= MaxSyntaxErrors) return false;
      continue;
    }
    if (lexicalErrors) continue; // keep lexing for more lexical errors; the rest would be noise

    if (type == ZyLexer::NEWLINE) {
      if (!insideParens() && !pendingNewline) pendingNewline = std::move(token);
      continue;
    }
    std::string lit = literalOf(type);
    if (pendingNewline) {
      bool keep = prev && !continuesAfter(literalOf(prev->getType())) && !continuesBefore(lit);
      if (keep) {
        EnclosingOpener.push_back(stack.empty() ? -1 : stack.back());
        Tokens.push_back(std::move(pendingNewline));
        chain.back() = 0;
      }
      pendingNewline.reset();
    }

    // A chain of operators longer than the AST builder accepts is refused here already,
    // before a huge line is lexed and parsed in full.
    if (isBinaryOperator(lit) || lit == "not") {
      if (++chain.back() > MaxChainLength) {
        report(Spans.of(token.get()), "this expression chains more than " + std::to_string(MaxChainLength) +
                                          " operators; at most " + std::to_string(MaxChainLength) +
                                          " are allowed, so split it with `let`");
        return false;
      }
    } else if (lit == "," || lit == ";" || lit == "=" || lit == ":") {
      chain.back() = 0;
    }

    if (lit == "(" || lit == "[" || lit == "{") {
      if (stack.size() >= MaxBracketDepth) {
        report(Spans.of(token.get()), "brackets are nested more than " + std::to_string(MaxBracketDepth) +
                                          " deep here; split the expression with `let`");
        return false;
      }
      Openers.push_back({Spans.of(token.get()), lit == "(" ? ")" : lit == "[" ? "]" : "}",
                         describeOpener(lit, prev, prevPrev, peek(0), peek(1))});
      EnclosingOpener.push_back(stack.empty() ? -1 : stack.back());
      stack.push_back(static_cast<int>(Openers.size() - 1));
      chain.push_back(0);
    } else if (lit == ")" || lit == "]" || lit == "}") {
      if (stack.empty()) {
        std::string open = lit == ")" ? "(" : lit == "]" ? "[" : "{";
        report(Spans.of(token.get()), "unexpected `" + lit + "`: there is no open `" + open + "` to close");
        return false;
      }
      const Opener &opener = Openers[stack.back()];
      if (opener.closer != lit) {
        LineCol at = File.lineCol(opener.span.begin);
        Diagnostic &d = Diags.error(Spans.of(token.get()),
                                    "expected `" + opener.closer + "` to close the " + opener.what + " opened at " +
                                        std::to_string(at.line) + ":" + std::to_string(at.col) + ", found `" + lit + "`");
        d.notes.push_back({opener.span, "the " + opener.what + " opened here"});
        ++Errors;
        return false;
      }
      stack.pop_back();
      chain.pop_back();
      EnclosingOpener.push_back(stack.empty() ? -1 : stack.back());
    } else {
      EnclosingOpener.push_back(stack.empty() ? -1 : stack.back());
    }
    prevPrev = prev;
    prev = token.get();
    Tokens.push_back(std::move(token));
  }
  if (lexicalErrors) return false;

  // ListTokenSource refuses an empty list, and our own EOF keeps its position sane.
  auto eof = std::make_unique<antlr4::CommonToken>(Token::EOF);
  eof->setText("<EOF>");
  Tokens.push_back(std::move(eof));
  EnclosingOpener.push_back(-1);

  if (!stack.empty()) {
    const Opener &opener = Openers[stack.back()];
    LineCol at = File.lineCol(opener.span.begin);
    Diagnostic &d = Diags.error(eofSpan(),
                                "expected `" + opener.closer + "` to close the " + opener.what + " opened at " +
                                    std::to_string(at.line) + ":" + std::to_string(at.col) + ", found " + endName());
    d.notes.push_back({opener.span, "the " + opener.what + " opened here"});
    ++Errors;
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- errors in words

/// Thrown by the depth guard; caught in runParser, never escapes the front end.
struct NestingTooDeep {};

/// Bounds the nesting of grammar rules, so no input can exhaust the stack.
class DepthGuard : public antlr4::tree::ParseTreeListener {
public:
  void enterEveryRule(antlr4::ParserRuleContext *) override {
    if (++Depth > MaxRuleDepth) throw NestingTooDeep{};
  }
  void exitEveryRule(antlr4::ParserRuleContext *) override { --Depth; }
  void visitTerminal(antlr4::tree::TerminalNode *) override {}
  void visitErrorNode(antlr4::tree::ErrorNode *) override {}

private:
  unsigned Depth = 0;
};

/// ANTLR's recovery, with every report phrased as "expected X, found Y".
class WordedErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  explicit WordedErrorStrategy(FrontEnd &front) : Front(front) {}

protected:
  void reportNoViableAlternative(antlr4::Parser *p, const antlr4::NoViableAltException &e) override {
    say(p, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportInputMismatch(antlr4::Parser *p, const antlr4::InputMismatchException &e) override {
    say(p, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportFailedPredicate(antlr4::Parser *p, const antlr4::FailedPredicateException &) override {
    say(p, p->getCurrentToken(), p->getExpectedTokens());
  }
  void reportUnwantedToken(antlr4::Parser *p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    say(p, p->getCurrentToken(), getExpectedTokens(p));
  }
  void reportMissingToken(antlr4::Parser *p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    say(p, p->getCurrentToken(), getExpectedTokens(p));
  }

private:
  void say(antlr4::Parser *p, const Token *found, const antlr4::misc::IntervalSet &expected) {
    antlr4::TokenStream *stream = p->getTokenStream();
    std::string message = "expected " + describeExpected(expected, Front.endName());
    // Name the bracket being closed, unless ending the statement is just as likely.
    const Opener *opener = Front.enclosingOpener(found);
    if (opener && expected.contains(tokenType(opener->closer)) && !expected.contains(static_cast<size_t>(ZyParser::NEWLINE))) {
      LineCol at = opener->span.file->lineCol(opener->span.begin);
      message += " to close the " + opener->what + " opened at " + std::to_string(at.line) + ":" +
                 std::to_string(at.col);
    }
    message += ", found " + (found->getType() == Token::EOF ? Front.endName() : describeFoundToken(found));
    message += hintFor(found);
    if (found->getTokenIndex() > 0) message += hintFor(stream->get(found->getTokenIndex() - 1));
    Front.report(Front.spanOf(found), std::move(message));
  }


  /// Words for the mistakes people coming from other languages make.
  static std::string hintFor(const Token *found) {
    if (found->getType() != ZyParser::IDENT) return "";
    std::string word = found->getText();
    if (word == "return") return " (Zy has no `return`: a block's value is its last expression)";
    if (word == "elif") return " (write `else if`)";
    if (word == "def" || word == "function") return " (functions are declared with `fn`)";
    if (word == "var" || word == "const") return " (bindings are declared with `let`)";
    return "";
  }

  FrontEnd &Front;
};

template <typename Rule>
auto FrontEnd::runParser(Rule rule) -> decltype(rule(std::declval<ZyParser &>())) {
  antlr4::ListTokenSource source(std::move(Tokens));
  antlr4::CommonTokenStream stream(&source);
  ZyParser parser(&stream);
  parser.removeErrorListeners();
  DepthGuard guard;
  parser.addParseListener(&guard);
  try {
    // Stage 1: SLL prediction, bail at the first error. Correct for valid input.
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    try {
      return rule(parser);
    } catch (antlr4::ParseCancellationException &) {
    }
    // Stage 2: full LL with recovery, to report every error it can find.
    parser.reset();
    parser.removeParseListeners();
    DepthGuard freshGuard;
    parser.addParseListener(&freshGuard);
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<WordedErrorStrategy>(*this));
    auto result = rule(parser);
    if (Errors == 0) report(eofSpan(), "the parser failed without saying why");
    return result;
  } catch (NestingTooDeep &) {
    report(spanOf(parser.getCurrentToken()),
           "this is nested too deeply (more than " + std::to_string(MaxRuleDepth) +
               " levels of syntax); split it with `let` or into functions");
  }
  return decltype(rule(parser)){};
}

std::unique_ptr<ast::Module> FrontEnd::parseFile() {
  if (!lexAndLayout()) return nullptr;
  std::unique_ptr<ast::Module> module;
  runParser([&](ZyParser &parser) -> int {
    ZyParser::FileContext *tree = parser.file();
    if (Errors == 0 && parser.getNumberOfSyntaxErrors() == 0) module = syntax::buildModule(tree, Spans, Diags);
    return 0;
  });
  return Errors == 0 ? std::move(module) : nullptr;
}

std::unique_ptr<ast::ReplInput> FrontEnd::parseRepl() {
  if (!lexAndLayout()) return nullptr;
  std::unique_ptr<ast::ReplInput> input;
  runParser([&](ZyParser &parser) -> int {
    ZyParser::ReplInputContext *tree = parser.replInput();
    if (Errors == 0 && parser.getNumberOfSyntaxErrors() == 0) input = syntax::buildReplInput(tree, Spans, Diags);
    return 0;
  });
  return Errors == 0 ? std::move(input) : nullptr;
}

ast::ExprPtr FrontEnd::parseExpr() {
  if (!lexAndLayout()) return nullptr;
  ast::ExprPtr expr;
  runParser([&](ZyParser &parser) -> int {
    ZyParser::ExprOnlyContext *tree = parser.exprOnly();
    if (Errors == 0 && parser.getNumberOfSyntaxErrors() == 0) expr = syntax::buildExpression(tree->expr(), Spans, Diags);
    return 0;
  });
  return Errors == 0 ? std::move(expr) : nullptr;
}

} // namespace

std::unique_ptr<ast::Module> parseModule(const SourceFile &file, Diagnostics &diags) {
  size_t before = diags.errorCount();
  // A UTF-8 byte-order mark is not part of the program (and would shift every column).
  uint32_t begin = file.text().rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  auto module = FrontEnd(file, begin, static_cast<uint32_t>(file.text().size()), diags).parseFile();
  if (diags.errorCount() != before) return nullptr;
  if (module) module->source = &file;
  return module;
}

std::unique_ptr<ast::ReplInput> parseReplInput(const SourceFile &file, Diagnostics &diags) {
  size_t before = diags.errorCount();
  FrontEnd front(file, 0, static_cast<uint32_t>(file.text().size()), diags);
  front.Interactive = true;
  auto input = front.parseRepl();
  if (diags.errorCount() != before) return nullptr;
  if (input) input->source = &file;
  return input;
}

ast::ExprPtr parseExpression(const SourceFile &file, uint32_t begin, uint32_t end, Diagnostics &diags) {
  size_t before = diags.errorCount();
  FrontEnd front(file, begin, end, diags);
  front.WholeFile = false;
  auto expr = front.parseExpr();
  return diags.errorCount() != before ? nullptr : std::move(expr);
}

} // namespace zy

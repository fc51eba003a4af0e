// ParserTests.cpp: the parser builds the right trees, and printing round-trips.
#include "Helpers.h"

#include <doctest/doctest.h>

using namespace zy;
using namespace zy::test;

namespace {

/// Parses `text`, prints it, parses the print: both trees must be equal, and printing
/// again must give the same text.
void checkRoundTrip(const std::string &text, const std::string &name) {
  INFO("file: " << name);
  auto first = parseText(text, name);
  REQUIRE_MESSAGE(first->module, renderAll(first->diags));
  std::string printed = ast::printModule(*first->module);
  auto second = parseText(printed, name + " (printed)");
  REQUIRE_MESSAGE(second->module, "the printed program does not parse:\n" << renderAll(second->diags) << printed);
  CHECK(ast::dumpModule(*first->module, false) == ast::dumpModule(*second->module, false));
  CHECK(ast::printModule(*second->module) == printed);
}

/// The dump of `fn f() = EXPR`'s body, on one line.
std::string exprShape(const std::string &expr) {
  std::string dump = shape("fn f() = " + expr + "\n");
  std::string flat;
  bool space = false;
  for (char c : dump) {
    if (c == '\n' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !flat.empty() && c != ')') flat += ' ';
    space = false;
    flat += c;
  }
  // Strip "(module (fn f =" and the two closing parens.
  const std::string prefix = "(module (fn f =";
  if (flat.rfind(prefix, 0) != 0) return flat;
  return flat.substr(prefix.size() + 1, flat.size() - prefix.size() - 3);
}

} // namespace

TEST_CASE("every .zy file in the repository parses and round-trips through the printer") {
  auto files = validZyFiles();
  REQUIRE(files.size() >= 4);
  for (const auto &path : files) onLargeStack([&] { checkRoundTrip(readFile(path), path.string()); });
}

TEST_CASE("every zy program in the docs parses and round-trips") {
  // The project's own reference (docs/language.md) and every other page it ships: a
  // ```zy block is a whole program; fragments are marked ```text.
  std::vector<std::filesystem::path> pages = {"README.md", "stdlib/README.md"};
  for (auto &entry : std::filesystem::directory_iterator(std::filesystem::path(ZY_SOURCE_DIR) / "docs"))
    if (entry.path().extension() == ".md") pages.push_back(std::filesystem::relative(entry.path(), ZY_SOURCE_DIR));
  size_t checked = 0;
  for (const auto &page : pages) {
    auto blocks = zyBlocks(readFile(std::filesystem::path(ZY_SOURCE_DIR) / page));
    for (size_t i = 0; i < blocks.size(); ++i, ++checked)
      checkRoundTrip(blocks[i], page.string() + " block " + std::to_string(i + 1));
  }
  CHECK(checked >= 8);
}

TEST_CASE("operator precedence and associativity") {
  CHECK(exprShape("1 + 2 * 3") == "(binary + (int 1) (binary * (int 2) (int 3)))");
  CHECK(exprShape("1 - 2 - 3") == "(binary - (binary - (int 1) (int 2)) (int 3))");
  CHECK(exprShape("2 ** 3 ** 2") == "(binary ** (int 2) (binary ** (int 3) (int 2)))");
  CHECK(exprShape("-x ** 2") == "(unary - (binary ** (name x) (int 2)))");
  CHECK(exprShape("-x * 2") == "(binary * (unary - (name x)) (int 2))");
  CHECK(exprShape("not a == b") == "(unary not (binary == (name a) (name b)))");
  CHECK(exprShape("a or b and c") == "(binary or (name a) (binary and (name b) (name c)))");
  CHECK(exprShape("x @ w + b") == "(binary + (binary @ (name x) (name w)) (name b))");
  CHECK(exprShape("0..n - 1") == "(range (int 0) (binary - (name n) (int 1)))");
  CHECK(exprShape("-p.w[0]") == "(unary - (index (field w (name p)) (int 0)))");
  CHECK(exprShape("2 ** -1") == "(binary ** (int 2) (unary - (int 1)))");
  CHECK(exprShape("(a + b) * c") == "(binary * (binary + (name a) (name b)) (name c))");
}

TEST_CASE("list comprehensions and loops build their trees") {
  CHECK(exprShape("[x * 2 for x in xs]") == "(list-comp (binary * (name x) (int 2)) (for (bind x) (name xs)))");
  CHECK(exprShape("[a for (a, b) in ps if a > b for c in 0..a]") ==
        "(list-comp (name a) (for (tuple-pattern (bind a) (bind b)) (name ps) (if (binary > (name a) (name b))))"
        " (for (bind c) (range (int 0) (name a))))");
  std::string dump = shape("fn f(n) {\n  while n > 0 { n -= 1; if n == 3 { break }; continue }\n}\n");
  CHECK(dump.find("(while") != std::string::npos);
  CHECK(dump.find("break") != std::string::npos);
  CHECK(dump.find("continue") != std::string::npos);
}

TEST_CASE("break and continue outside a loop are located errors") {
  CHECK(firstError("fn f(x) {\n  break\n}\n") ==
        "2:3: `break` outside a loop: it belongs inside the body of a `for` or `while` (a `fn`, lambda or list "
        "comprehension written in a loop starts outside it)");
  CHECK(firstError("fn f(xs) {\n  for x in xs { let g = || { continue } }\n}\n").rfind("2:30: `continue` outside", 0) == 0);
  CHECK(firstError("fn f(xs) {\n  for x in xs { if x { continue } else { break } }\n}\n").empty());
}

TEST_CASE("literals decode") {
  CHECK(exprShape("\"a\\tb\\u{e9}\"") == "(string \"a\\x09b\xc3\xa9\")");
  CHECK(exprShape("1e-3") == "(float 0.001)");
  CHECK(exprShape("f\"{x:.3f} {{y}}\"") == "(fstring (hole spec \".3f\" (name x)) (text \" {y}\"))");
  CHECK(exprShape("(1,)") == "(tuple (int 1))");
  CHECK(exprShape("()") == "(tuple)");
  CHECK(exprShape("{}") == "(record)");
  CHECK(exprShape("x[..., 1:, ::2]") ==
        "(index (name x) (ellipsis) (slice (lo (int 1)) (hi none) (step none)) (slice :: (lo none) (hi none) (step (int 2))))");
}

TEST_CASE("newlines end statements except where a line clearly continues") {
  CHECK(shape("fn f() {\n  let x = 1 +\n    2\n  x\n}\n") == shape("fn f() { let x = 1 + 2; x }\n"));
  CHECK(shape("fn f(a,\n b) = g(a,\n b)\n") == shape("fn f(a, b) = g(a, b)\n"));
  CHECK(shape("fn f() {\n  if a { 1 }\n  else { 2 }\n}\n") == shape("fn f() { if a { 1 } else { 2 } }\n"));
  CHECK(shape("fn f(x) = x\n  .reshape([1])\n") == shape("fn f(x) = x.reshape([1])\n"));
  CHECK(shape("fn f() {\n  let r = {\n    lr: 1,\n    n: 2\n  }\n}\n") == shape("fn f() { let r = {lr: 1, n: 2} }\n"));
  CHECK(firstError("fn f() {\n  let x = 1\n  2 3\n}\n") == "3:5: expected end of statement, found `3`");
}

TEST_CASE("spans point at the source") {
  auto p = parseText("fn f(x) {\n    p.w ~ glorot([3, 4])\n}\n");
  REQUIRE(p->module);
  std::string dump = ast::dumpModule(*p->module, true);
  CHECK(dump.find("(declare @2:5") != std::string::npos);
  CHECK(dump.find("(name glorot @2:11)") != std::string::npos);
}

TEST_CASE("syntax errors say what was expected and where the bracket was opened") {
  CHECK(firstError("fn f(x) {\n  g(x, 2\n}\n") == "3:1: expected `)` to close the call opened at 2:4, found `}`");
  CHECK(firstError("fn f(x) = [1, 2)\n") == "1:16: expected `]` to close the list opened at 1:11, found `)`");
  CHECK(firstError("fn f(x) {\n  x\n") == "2:4: expected `}` to close the block opened at 1:9, found end of file");
  CHECK(firstError("fn f(x) = g(x 2)\n") == "1:15: expected `)` to close the call opened at 1:12, found `2`");
  CHECK(firstError("fn f(x) { return x }\n") ==
        "1:18: expected end of statement, found `x` (Zy has no `return`: a block's value is its last expression)");
  CHECK(firstError("fn f(x) = a < b < c\n") == "1:17: comparisons cannot be chained: write `a < b and b < c`");
}

TEST_CASE("several errors are reported, one per line") {
  auto p = parseText("fn f() {\n  let = 1\n}\nfn g() {\n  let x = 1 2 3\n}\nfn h() { (1 + ) }\n");
  REQUIRE(p->diags.errorCount() == 3);
  std::vector<uint32_t> lines;
  for (const auto &d : p->diags.all()) lines.push_back(d.span.file->lineCol(d.span.begin).line);
  CHECK(lines == std::vector<uint32_t>{2, 5, 7});
}

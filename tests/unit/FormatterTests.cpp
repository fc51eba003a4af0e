// FormatterTests.cpp: `zy fmt`'s layout (compiler/syntax/Formatter.h): the rules on small
// inputs, and on every file of the repository that parses: formatting keeps the program
// and its comments (the formatter checks that itself) and is idempotent.
#include "Helpers.h"

#include "syntax/Formatter.h"

#include <doctest/doctest.h>

using namespace zy;
using namespace zy::test;

namespace {

/// `text` formatted, or "<error: ...>" with the first diagnostic.
std::string format(const std::string &text, const std::string &name = "test.zy") {
  SourceFile file(name, text);
  Diagnostics diags;
  std::string out;
  onLargeStack([&] {
    std::optional<std::string> formatted = syntax::formatSource(file, diags);
    out = formatted ? *formatted : "<error: " + (diags.all().empty() ? std::string("?") : diags.all().front().message) + ">";
  });
  return out;
}

} // namespace

TEST_CASE("fmt: spaces between tokens") {
  CHECK(format("fn f(x,y)=x+y*2\n") == "fn f(x, y) = x + y * 2\n");
  CHECK(format("fn f(p , x:int , bias : bool=true)->f32 { linear( p.w ,x [ 0 : 2 ] ,bias=bias ) }\n") ==
        "fn f(p, x: int, bias: bool = true) -> f32 { linear(p.w, x[0:2], bias = bias) }\n");
  CHECK(format("fn f(x) = x[::-1] + x[..., 0] - -x * (-1) ** 2\n") == "fn f(x) = x[::-1] + x[..., 0] - -x * (-1) ** 2\n");
  CHECK(format("fn f(xs) = [ y*2 for y in xs if y>0 ]\n") == "fn f(xs) = [y * 2 for y in xs if y > 0]\n");
  CHECK(format("fn f() = {a:1,\"b c\":[1,2]}.a\n") == "fn f() = {a: 1, \"b c\": [1, 2]}.a\n");
  CHECK(format("fn f(c) = if c {1} else {2}\n") == "fn f(c) = if c { 1 } else { 2 }\n");
  CHECK(format("fn f(xs) = map(| x , y : int |x+y , xs)\n") == "fn f(xs) = map(|x, y: int| x + y, xs)\n");
  CHECK(format("fn f() = (||1)()\n") == "fn f() = (|| 1)()\n");
  CHECK(format("fn f(p, x) {\n  p.w ~glorot([x.shape[-1],3])\n  p.w\n}\n") ==
        "fn f(p, x) {\n    p.w ~ glorot([x.shape[-1], 3])\n    p.w\n}\n");
  CHECK(format("fn f(s) = f\"{s:.3f} {{x}}\"+\"a  b\"\n") == "fn f(s) = f\"{s:.3f} {{x}}\" + \"a  b\"\n");
  CHECK(format("fn f() { let (a,b)=(1,2) ; a+=b ; a }\n") == "fn f() { let (a, b) = (1, 2); a += b; a }\n");
  CHECK(format("import \"layers.zy\"   as   layers\n") == "import \"layers.zy\" as layers\n");
}

TEST_CASE("fmt: indentation follows brackets and continued statements") {
  CHECK(format("fn f(x) {\nlet y = g(x,\n           1)\n  if y {\n        2\n} else {\n  3 }\n}\n") ==
        "fn f(x) {\n    let y = g(x,\n        1)\n    if y {\n        2\n    } else {\n        3 }\n}\n");
  // A trailing operator or a leading `.` continues the statement: four more.
  CHECK(format("fn f(a, b) {\n  let t = a +\n  b\n  t\n  .reshape([-1])\n}\n") ==
        "fn f(a, b) {\n    let t = a +\n        b\n    t\n        .reshape([-1])\n}\n");
  // Several brackets opened on one line indent their contents once.
  CHECK(format("fn f() = g(h([\n1,\n2,\n]))\n") == "fn f() = g(h([\n    1,\n    2,\n]))\n");
  // Tabs become spaces.
  CHECK(format("fn f() {\n\t1\n}\n") == "fn f() {\n    1\n}\n");
}

TEST_CASE("fmt: comments are kept, trailing ones aligned in runs") {
  CHECK(format("# head\nfn f() {   # opens\n    # inside\n  1 # one\n}\n") ==
        "# head\nfn f() {  # opens\n    # inside\n    1  # one\n}\n");
  CHECK(format("let a = 1 # x\nlet bb = 22   # y\n\nlet c = 3 # z\n") ==
        "let a = 1    # x\nlet bb = 22  # y\n\nlet c = 3  # z\n");
  // A `#` inside a string is not a comment.
  CHECK(format("let s = \"a # b\"  # c\n") == "let s = \"a # b\"  # c\n");
}

TEST_CASE("fmt: blank lines") {
  CHECK(format("\n\nfn f() {\n\n  1\n\n\n  2\n\n}\n\n\nfn g() = 1\n\n\n") == "fn f() {\n    1\n\n    2\n}\n\nfn g() = 1\n");
  CHECK(format("fn f() = 1") == "fn f() = 1\n");
  CHECK(format("") == "");
  CHECK(format("fn f() = 1\r\nfn g() = 2\r\n") == "fn f() = 1\nfn g() = 2\n");
}

TEST_CASE("fmt: a file with syntax errors is refused") {
  CHECK(format("fn f( = 1\n").rfind("<error: ", 0) == 0);
}

TEST_CASE("fmt: every file of the repository keeps its meaning and formats to a fixed point") {
  std::vector<std::filesystem::path> files = validZyFiles();
  for (auto &entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(ZY_SOURCE_DIR) / "tests/lang"))
    if (entry.path().extension() == ".zy") files.push_back(entry.path());
  REQUIRE(files.size() >= 20);
  for (const auto &path : files) {
    INFO("file: " << path.string());
    std::string once = format(readFile(path), path.string());
    REQUIRE(once.rfind("<error: ", 0) != 0);
    CHECK(format(once, path.string()) == once);
  }
}

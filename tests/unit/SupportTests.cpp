// SupportTests.cpp: source positions, diagnostic rendering and format specs.
#include "support/Diagnostics.h"
#include "support/Format.h"

#include <doctest/doctest.h>

using namespace zy;

TEST_CASE("line and column count characters, not bytes") {
  SourceFile f("a.zy", "ab\n\xc3\xa9x\n");
  CHECK(f.lineCol(0).line == 1);
  CHECK(f.lineCol(3).line == 2);
  CHECK(f.lineCol(5).col == 2); // after the two-byte é
  CHECK(f.lineText(2) == "\xc3\xa9x");
}

TEST_CASE("a diagnostic shows the file, line, column, source line and caret") {
  SourceFile f("model.zy", "fn f(x) {\n    let y = g(x, 2\n}\n");
  Diagnostic d{Severity::Error, f.span(22, 23), "expected `)`", {}};
  CHECK(render(d) == "model.zy:2:13: error: expected `)`\n"
                     " 2 |     let y = g(x, 2\n"
                     "   |             ^\n");
}

TEST_CASE("a span is underlined and tabs keep the caret aligned") {
  SourceFile f("t.zy", "\tlet abc = 1\n");
  Diagnostic d{Severity::Error, f.span(5, 8), "bad name", {}};
  CHECK(render(d) == "t.zy:1:6: error: bad name\n"
                     " 1 | \tlet abc = 1\n"
                     "   | \t    ^~~\n");
}

TEST_CASE("a very long line is cut to a window around the caret") {
  std::string line(5000, 'a');
  SourceFile f("long.zy", line + "\n");
  Diagnostic d{Severity::Error, f.span(2500, 2501), "here", {}};
  std::string out = render(d);
  CHECK(out.size() < 400);
  CHECK(out.find("...") != std::string::npos);
  CHECK(out.find("long.zy:1:2501: error: here") == 0);
}

TEST_CASE("format specs") {
  std::string problem;
  auto spec = parseFormatSpec(">+08,.3f", problem);
  REQUIRE(spec);
  CHECK(spec->align == '>');
  CHECK(spec->sign == '+');
  CHECK(spec->zeroPad);
  CHECK(spec->width == 8);
  CHECK(spec->thousands);
  CHECK(spec->precision == 3);
  CHECK(spec->type == 'f');
  CHECK(parseFormatSpec("*^10", problem)->fill == '*');
  CHECK(!checkFormatSpec(".4f"));
  CHECK(!checkFormatSpec(""));
  CHECK(checkFormatSpec(".q"));
  CHECK(checkFormatSpec("99999"));
  CHECK(*checkFormatSpec(".4fz") == "unexpected `z`; a spec looks like `>8`, `.4f`, `,d`, `.2e` or `.1%`");
}

// RobustnessTests.cpp: hostile input never crashes, hangs or exhausts the stack, and a
// fuzz smoke test mutates the example files and parses every mutant.
#include "Helpers.h"

#include <doctest/doctest.h>

#include <random>

using namespace zy;
using namespace zy::test;

TEST_CASE("10,000 nested parentheses are an error, not a stack overflow") {
  std::string deep = "fn f() = " + std::string(10000, '(') + "1" + std::string(10000, ')') + "\n";
  onLargeStack([&] { CHECK(firstError(deep).find("nested more than 200 deep") != std::string::npos); });
  // Also on the ordinary 8 MiB stack: the limit, not the big stack, is what saves us.
  CHECK(firstError(deep).find("nested more than 200 deep") != std::string::npos);
}

TEST_CASE("deep nesting without brackets is bounded too") {
  std::string lambdas = "fn f() = ";
  for (int i = 0; i < 20000; ++i) lambdas += "|x| ";
  lambdas += "x\n";
  CHECK(firstError(lambdas).find("nested too deeply") != std::string::npos);

  std::string prefix = "fn f() = " + std::string(5000, '-') + "x\n";
  CHECK(firstError(prefix).find("at most 1000 are allowed") != std::string::npos);

  std::string ifs = "fn f() = ";
  for (int i = 0; i < 3000; ++i) ifs += "if if ";
  CHECK(!firstError(ifs).empty());
}

TEST_CASE("a 10 MB line is handled") {
  std::string str = "fn f() = \"" + std::string(10 << 20, 'a') + "\"\n";
  auto p = parseText(str);
  CHECK(p->module);

  std::string chain = "fn f() = 1";
  chain.reserve(10 << 20);
  while (chain.size() < (10u << 20)) chain += "+1";
  CHECK(firstError(chain + "\n").find("at most 1000 are allowed") != std::string::npos);

  std::string junk(10 << 20, '$');
  auto q = parseText(junk);
  CHECK(q->diags.errorCount() == 1); // one per line, and it is all one line
}

TEST_CASE("binary junk and invalid UTF-8 are errors") {
  std::mt19937 rng(7);
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes += static_cast<char>(rng() & 0xFF);
  auto p = parseText(bytes);
  CHECK(p->diags.hasErrors());
  CHECK(firstError("fn f() = \"\xff\"\n") == "1:11: this file is not valid UTF-8: byte 0xFF cannot start a character here");
  CHECK(firstError(std::string("fn f() = 1\0 + 2\n", 16)) == "1:11: unexpected control byte 0x00");
}

TEST_CASE("the error count is capped") {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "fn f() = $\n";
  auto p = parseText(many);
  CHECK(p->diags.errorCount() == MaxSyntaxErrors);
}

namespace {

/// One random edit of the kind a typing user or a corrupted file makes.
std::string mutate(const std::string &text, std::mt19937 &rng) {
  static const char *pieces[] = {"(", ")", "[", "]", "{", "}", ",", "\n", ";", "|", "..", "...", "~", "=", "\"",
                                 "f\"{", "}", ":", "->", "fn", "let", "if", "else", "for", "in", "0", "1e", "x",
                                 "@", "**", "not", "\\", "#", "\xff", "\xc3\xa9", " "};
  std::string out = text;
  std::uniform_int_distribution<size_t> pos(0, out.empty() ? 0 : out.size() - 1);
  int edits = 1 + rng() % 4;
  for (int e = 0; e < edits && !out.empty(); ++e) {
    size_t at = pos(rng) % out.size();
    switch (rng() % 5) {
    case 0: out.erase(at, 1 + rng() % 8); break;
    case 1: out.insert(at, pieces[rng() % (sizeof pieces / sizeof *pieces)]); break;
    case 2: out[at] = static_cast<char>(rng() & 0xFF); break;
    case 3: { // duplicate a slice
      size_t len = std::min<size_t>(1 + rng() % 40, out.size() - at);
      out.insert(pos(rng) % out.size(), out.substr(at, len));
      break;
    }
    case 4: { // swap two slices
      size_t other = pos(rng) % out.size();
      std::swap(out[at], out[other]);
      break;
    }
    }
  }
  return out;
}

} // namespace

TEST_CASE("fuzz smoke: mutated example files never crash the front end") {
  auto files = validZyFiles();
  REQUIRE(!files.empty());
  std::mt19937 rng(20261123);
  size_t parsed = 0, rejected = 0;
  onLargeStack([&] {
    for (int round = 0; round < 3000; ++round) {
      std::string text = mutate(readFile(files[round % files.size()]), rng);
      auto p = parseText(text);
      if (p->module) {
        // What parses must print to something that parses to the same tree.
        std::string printed = ast::printModule(*p->module);
        auto again = parseText(printed);
        REQUIRE_MESSAGE(again->module, "mutant prints to text that does not parse:\n" << text);
        CHECK(ast::dumpModule(*again->module, false) == ast::dumpModule(*p->module, false));
        ++parsed;
      } else {
        REQUIRE(p->diags.hasErrors());
        for (const auto &d : p->diags.all()) render(d); // rendering must not crash either
        ++rejected;
      }
    }
  });
  MESSAGE("fuzz smoke: " << parsed << " mutants parsed, " << rejected << " rejected with errors");
  CHECK(rejected > 0);
}

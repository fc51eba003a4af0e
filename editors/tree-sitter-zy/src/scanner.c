// scanner.c: the external scanner of tree-sitter-zy: Zy's statement-ending newlines.
//
// compiler/syntax/Parser.cpp keeps a newline as a statement end only where one can end
// a statement, and drops it (treats it as a space) before `}`, `)`, `]`, `,`, `.` and
// `else`, so that
//
//     if c { a }          let y = x
//     else { b }              .reshape([-1, 784])
//
// are one statement each. Tree-sitter asks this scanner for `_newline` only in parse
// states where a statement may end, which covers "not inside `(`/`[`, not after an
// operator"; this function adds the look past the newline. Blank lines and comment lines
// are looked through too (they are not tokens in Zy). The token is the first newline
// alone: the lines and comments after it are lexed again as extras.
//
// Parser.cpp also drops a newline after `{`, which matters for a record written over
// several lines (`{\n    lr: 0.1,\n}`). The scanner does not know the token before the
// newline, so it looks at the one after: a name or a string followed by `:` starts a
// record field, and no statement starts that way, so no statement ends before it.
#include "tree_sitter/parser.h"

#include <stdbool.h>

enum TokenType { NEWLINE };

void *tree_sitter_zy_external_scanner_create(void) { return NULL; }
void tree_sitter_zy_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_zy_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0; // stateless
}
void tree_sitter_zy_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static bool is_space(int32_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; }
static bool is_word(int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// After a name or a string: whether `:` follows (a record field's key).
static bool starts_field(TSLexer *lexer) {
  while (is_space(lexer->lookahead)) lexer->advance(lexer, false);
  return lexer->lookahead == ':';
}

bool tree_sitter_zy_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  (void)payload;
  if (!valid_symbols[NEWLINE]) return false;

  while (is_space(lexer->lookahead)) lexer->advance(lexer, true);
  if (lexer->lookahead != '\n') return false; // a token or a comment comes first
  lexer->advance(lexer, false);
  lexer->mark_end(lexer);
  lexer->result_symbol = NEWLINE;

  // Look past blank lines and comment lines to the next token.
  for (;;) {
    if (lexer->eof(lexer)) return true;
    int32_t c = lexer->lookahead;
    if (is_space(c) || c == '\n') {
      lexer->advance(lexer, false);
    } else if (c == '#') {
      while (!lexer->eof(lexer) && lexer->lookahead != '\n') lexer->advance(lexer, false);
    } else {
      break;
    }
  }

  if (is_word(lexer->lookahead) && !(lexer->lookahead >= '0' && lexer->lookahead <= '9')) {
    // `else` continues an `if`, and a name followed by `:` is a record field.
    char word[5] = {0};
    unsigned n = 0;
    while (is_word(lexer->lookahead)) {
      if (n < 5) word[n] = (char)lexer->lookahead;
      n++;
      lexer->advance(lexer, false);
    }
    if (n == 4 && word[0] == 'e' && word[1] == 'l' && word[2] == 's' && word[3] == 'e') return false;
    return !starts_field(lexer);
  }
  if (lexer->lookahead == '"') {
    lexer->advance(lexer, false);
    while (!lexer->eof(lexer) && lexer->lookahead != '"' && lexer->lookahead != '\n') {
      if (lexer->lookahead == '\\') lexer->advance(lexer, false);
      if (lexer->lookahead != '\n') lexer->advance(lexer, false);
    }
    if (lexer->lookahead != '"') return true;
    lexer->advance(lexer, false);
    return !starts_field(lexer);
  }

  switch (lexer->lookahead) {
  case '}':
  case ')':
  case ']':
  case ',':
    return false;
  case '.':
    // `.name` continues a chain; `..` and `...` do not continue a line in Zy.
    lexer->advance(lexer, false);
    return lexer->lookahead == '.';
  default:
    return true;
  }
}

// check.c: drives the generated tree-sitter-zy parser for editors/test/tree-sitter.test.js.
//
//   check parse FILE...           exit 1 and print each ERROR or MISSING node found
//   check tree FILE               print the syntax tree as an S-expression
//   check highlight QUERY FILE    print every capture of the highlight query, one a line:
//                                 `ROW:COL-ROW:COL PATTERN @NAME TEXT`, in document order
//
// It links the parser (src/parser.c, src/scanner.c) with the tree-sitter runtime
// (Debian's libtree-sitter-dev). The runtime leaves predicates to its caller, so this
// file evaluates the ones queries/highlights.scm uses: #eq?, #not-eq?, #any-of? and
// #match? (a POSIX extended regular expression here; Neovim's is a Vim regex, so the
// queries use only patterns the two read alike).
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_zy(void);

static char *read_file(const char *path, uint32_t *length) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)n + 1);
  if (fread(text, 1, (size_t)n, f) != (size_t)n) {
    perror(path);
    exit(2);
  }
  text[n] = 0;
  fclose(f);
  *length = (uint32_t)n;
  return text;
}

static TSTree *parse(const char *text, uint32_t length) {
  TSParser *parser = ts_parser_new();
  if (!ts_parser_set_language(parser, tree_sitter_zy())) {
    fprintf(stderr, "check: the parser's ABI version is not supported by this runtime\n");
    exit(2);
  }
  TSTree *tree = ts_parser_parse_string(parser, NULL, text, length);
  ts_parser_delete(parser);
  return tree;
}

/// Prints every ERROR and MISSING node below `node`; returns how many there were.
static int report_errors(const char *path, TSNode node) {
  int found = 0;
  if (!strcmp(ts_node_type(node), "ERROR") || ts_node_is_missing(node)) {
    TSPoint p = ts_node_start_point(node);
    printf("%s:%u:%u: %s %s\n", path, p.row + 1, p.column + 1, ts_node_is_missing(node) ? "MISSING" : "ERROR",
           ts_node_type(node));
    found++;
  }
  if (!ts_node_has_error(node)) return found;
  uint32_t n = ts_node_child_count(node);
  for (uint32_t i = 0; i < n; i++) found += report_errors(path, ts_node_child(node, i));
  return found;
}

static char *node_text(const char *text, TSNode node) {
  uint32_t start = ts_node_start_byte(node), end = ts_node_end_byte(node);
  char *s = malloc(end - start + 1);
  memcpy(s, text + start, end - start);
  s[end - start] = 0;
  return s;
}

/// Whether the predicates of pattern `pattern` hold for `match`.
static int predicates_hold(const TSQuery *query, const TSQueryMatch *match, const char *text) {
  uint32_t steps_count;
  const TSQueryPredicateStep *steps = ts_query_predicates_for_pattern(query, match->pattern_index, &steps_count);
  uint32_t i = 0;
  while (i < steps_count) {
    // One predicate: a name, its arguments, then a Done step.
    uint32_t end = i;
    while (steps[end].type != TSQueryPredicateStepTypeDone) end++;
    uint32_t len;
    const char *name = ts_query_string_value_for_id(query, steps[i].value_id, &len);
    // The first argument is a capture; find its node's text in this match.
    char *subject = NULL;
    if (end > i + 1 && steps[i + 1].type == TSQueryPredicateStepTypeCapture) {
      for (uint16_t c = 0; c < match->capture_count; c++)
        if (match->captures[c].index == steps[i + 1].value_id) subject = node_text(text, match->captures[c].node);
    }
    if (!subject) {
      fprintf(stderr, "check: predicate #%s without a capture\n", name);
      exit(2);
    }
    int holds;
    if (!strcmp(name, "eq?") || !strcmp(name, "not-eq?")) {
      const char *other = ts_query_string_value_for_id(query, steps[i + 2].value_id, &len);
      holds = strcmp(subject, other) == 0;
      if (name[0] == 'n') holds = !holds;
    } else if (!strcmp(name, "any-of?")) {
      holds = 0;
      for (uint32_t a = i + 2; a < end; a++)
        if (!strcmp(subject, ts_query_string_value_for_id(query, steps[a].value_id, &len))) holds = 1;
    } else if (!strcmp(name, "match?")) {
      regex_t re;
      const char *pattern = ts_query_string_value_for_id(query, steps[i + 2].value_id, &len);
      if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) {
        fprintf(stderr, "check: bad regular expression %s\n", pattern);
        exit(2);
      }
      holds = regexec(&re, subject, 0, NULL, 0) == 0;
      regfree(&re);
    } else {
      fprintf(stderr, "check: unknown predicate #%s\n", name);
      exit(2);
    }
    free(subject);
    if (!holds) return 0;
    i = end + 1;
  }
  return 1;
}

static int highlight(const char *query_path, const char *path) {
  uint32_t query_length, length;
  char *query_text = read_file(query_path, &query_length);
  char *text = read_file(path, &length);
  uint32_t error_offset;
  TSQueryError error;
  TSQuery *query = ts_query_new(tree_sitter_zy(), query_text, query_length, &error_offset, &error);
  if (!query) {
    fprintf(stderr, "%s: query error %d at byte %u\n", query_path, (int)error, error_offset);
    return 2;
  }
  TSTree *tree = parse(text, length);
  TSQueryCursor *cursor = ts_query_cursor_new();
  ts_query_cursor_exec(cursor, query, ts_tree_root_node(tree));
  TSQueryMatch match;
  uint32_t capture_index;
  while (ts_query_cursor_next_capture(cursor, &match, &capture_index)) {
    if (!predicates_hold(query, &match, text)) continue;
    TSQueryCapture capture = match.captures[capture_index];
    uint32_t name_length;
    const char *name = ts_query_capture_name_for_id(query, capture.index, &name_length);
    TSPoint a = ts_node_start_point(capture.node), b = ts_node_end_point(capture.node);
    char *s = node_text(text, capture.node);
    for (char *p = s; *p; p++)
      if (*p == '\n') *p = ' ';
    printf("%u:%u-%u:%u %u @%s %s\n", a.row + 1, a.column + 1, b.row + 1, b.column + 1, match.pattern_index, name, s);
    free(s);
  }
  ts_query_cursor_delete(cursor);
  ts_tree_delete(tree);
  ts_query_delete(query);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "parse")) {
    int errors = 0;
    for (int i = 2; i < argc; i++) {
      uint32_t length;
      char *text = read_file(argv[i], &length);
      TSTree *tree = parse(text, length);
      errors += report_errors(argv[i], ts_tree_root_node(tree));
      ts_tree_delete(tree);
      free(text);
    }
    return errors ? 1 : 0;
  }
  if (argc == 3 && !strcmp(argv[1], "tree")) {
    uint32_t length;
    char *text = read_file(argv[2], &length);
    TSTree *tree = parse(text, length);
    char *s = ts_node_string(ts_tree_root_node(tree));
    puts(s);
    free(s);
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "highlight")) return highlight(argv[2], argv[3]);
  fprintf(stderr, "usage: check parse FILE... | check tree FILE | check highlight QUERY FILE\n");
  return 2;
}

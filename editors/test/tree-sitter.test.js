// tree-sitter.test.js: the tree-sitter grammar (editors/tree-sitter-zy).
//
// The generated parser (src/parser.c and the scanner) is compiled with test/check.c
// against the tree-sitter runtime (Debian's libtree-sitter-dev, which tools/setup
// installs) into a temporary directory. Then:
//   - every .zy file of examples/, stdlib/, tests/lang/, tests/parse/ and tests/errors/
//     (all syntactically valid) parses with no ERROR or MISSING node;
//   - every file of tests/syntax/ whose expected error is a lexing or parsing error gets
//     an ERROR or MISSING node too (the others are errors of the AST checks, which the
//     ANTLR grammar accepts as well);
//   - snippets give the trees that docs/language.md's precedence and layout rules say;
//   - queries/highlights.scm gives the expected captures on a sample;
// (That src/ is what grammar.js generates is checked by `generate.sh --check`, which
// needs the tree-sitter CLI: not part of this machine's setup, see generate.sh.)
//
//   node --test editors/test/tree-sitter.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const repo = path.resolve(__dirname, '..', '..');
const grammarDir = path.resolve(__dirname, '..', 'tree-sitter-zy');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zy-tree-sitter-'));
const checker = path.join(work, 'check');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

/** Compiles the parser and check.c once; throws with the compiler's output on failure. */
function buildChecker() {
  if (fs.existsSync(checker)) return;
  let flags = ['-ltree-sitter'];
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'tree-sitter'], { encoding: 'utf8' });
  if (pc.status === 0 && pc.stdout.trim()) flags = pc.stdout.trim().split(/\s+/);
  const args = ['-O1', '-std=c11', '-D_POSIX_C_SOURCE=200809L', '-I', path.join(grammarDir, 'src'), '-o', checker,
    path.join(grammarDir, 'test', 'check.c'), path.join(grammarDir, 'src', 'parser.c'),
    path.join(grammarDir, 'src', 'scanner.c'), ...flags];
  const r = spawnSync('cc', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`could not compile the tree-sitter parser (needs cc and libtree-sitter-dev, which tools/setup installs):\n` +
      `cc ${args.join(' ')}\n${r.error ? r.error.message : r.stderr}`);
  }
}

/** Runs the checker; returns { status, stdout }. */
function check(...args) {
  buildChecker();
  const r = spawnSync(checker, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status === 2 || r.error) throw new Error(`check ${args.join(' ')} failed: ${r.stderr}`);
  return { status: r.status, stdout: r.stdout };
}

/** Writes `text` to a temporary .zy file and returns its path. */
let snippetCount = 0;
function snippet(text) {
  const file = path.join(work, `snippet${snippetCount++}.zy`);
  fs.writeFileSync(file, text);
  return file;
}

/** The syntax tree of `text`, without field names, as one line. */
function tree(text) {
  return check('tree', snippet(text)).stdout.trim().replace(/\w+: /g, '');
}

function zyFiles(...dirs) {
  return dirs.flatMap(dir => fs.readdirSync(path.join(repo, dir)).sort()
    .filter(name => name.endsWith('.zy')).map(name => path.join(repo, dir, name)));
}

// ------------------------------------------------------------------ whole files

test('the parser compiles and loads', () => {
  const { status } = check('parse', snippet('fn main() { print("hello") }\n'));
  assert.equal(status, 0);
});

test('every valid .zy file parses with no ERROR or MISSING node', () => {
  const files = zyFiles('examples', 'stdlib', 'tests/lang', 'tests/parse', 'tests/errors');
  assert.ok(files.length > 100, `only ${files.length} files`);
  const { status, stdout } = check('parse', ...files);
  assert.equal(stdout, '', 'syntax errors found');
  assert.equal(status, 0);
});

test('files with a lexing or parsing error in tests/syntax get an ERROR node', () => {
  // Messages of compiler/syntax/Parser.cpp's stages 2-4; the AST checks' differ.
  const parseStage = /expected .*found|^unexpected (character|control byte|`)|^unterminated string/;
  let checked = 0;
  for (const file of zyFiles('tests/syntax')) {
    const expect = fs.readFileSync(file, 'utf8').match(/# expect error: \d+:\d+: (.*)/);
    if (!expect || !parseStage.test(expect[1])) continue;
    checked++;
    const { status } = check('parse', file);
    assert.equal(status, 1, `${path.relative(repo, file)} (${expect[1]}) parsed without an error`);
  }
  assert.ok(checked >= 20, `only ${checked} files checked`);
});

// ------------------------------------------------------------------ trees

test('operators have the precedence of docs/language.md', () => {
  // -x ** 2 is -(x ** 2); not binds looser than ==, tighter than and.
  assert.match(tree('let y = -a ** 2 + not b == c and d\n'),
    /\(binary_expression \(binary_expression \(unary_expression \(binary_expression \(identifier\) \(integer\)\)\) \(not_expression \(binary_expression \(identifier\) \(identifier\)\)\)\) \(identifier\)\)/);
  // ** is right-associative; @ shares the level of *.
  assert.match(tree('let y = 2 ** 3 ** 2\n'),
    /\(binary_expression \(integer\) \(binary_expression \(integer\) \(integer\)\)\)/);
  assert.match(tree('let y = a @ b * c\n'),
    /\(binary_expression \(binary_expression \(identifier\) \(identifier\)\) \(identifier\)\)/);
  // A range is loosest: 0..len(xs) - 1 is 0..(len(xs) - 1); a lambda's body takes it all.
  assert.match(tree('let r = 0..len(xs) - 1\n'), /\(range \(integer\) \(binary_expression \(call/);
  assert.match(tree('let f = |x| x..2\n'), /\(lambda \(parameters \(parameter \(identifier\)\)\) \(range/);
  assert.match(tree('let f = 1 + |x| x * 2\n'), /\(binary_expression \(integer\) \(lambda .* \(binary_expression/);
});

test('newlines end statements where Parser.cpp keeps them', () => {
  // `else` on the next line continues the `if`; `.` on the next line continues a chain.
  assert.match(tree('fn f(c) {\n    if c { 1 }\n    else { 2 }\n}\n'),
    /\(if_expression \(identifier\) \(block \(expression_statement \(integer\)\)\) \(else_clause/);
  assert.match(tree('fn f(x) {\n    x\n        .reshape([-1])\n        .sum()\n}\n'),
    /\(block \(expression_statement \(call \(field_expression \(call \(field_expression/);
  // Inside brackets and after an operator a newline is a space.
  assert.equal(check('parse', snippet('fn f() {\n    let a = g(\n        1,\n        2,\n    )\n    let b = 1 +\n        2\n}\n')).status, 0);
  // A record over several lines, a comment line between statements.
  assert.match(tree('let r = {\n    lr: 0.1,\n    "key": 2,\n}\n# a comment\nlet s = 1\n'),
    /\(source_file \(let_statement \(identifier\) \(record \(record_field \(field_identifier\) \(float\)\) \(record_field \(string\) \(integer\)\)\)\) \(comment\) \(let_statement/);
  // Two expressions on one line, or a missing newline between items, are errors.
  assert.equal(check('parse', snippet('fn f() { 1 2 }\n')).status, 1);
  assert.equal(check('parse', snippet('fn f() = 1 fn g() = 2\n')).status, 1);
  // `;` separates as a newline does.
  assert.match(tree('fn f() { let a = 1; a }\n'), /\(block \(let_statement .*\) \(expression_statement \(identifier\)\)\)/);
});

test('braces: the empty record, records, blocks', () => {
  assert.match(tree('let e = {}\n'), /\(let_statement \(identifier\) \(record\)\)/);
  assert.match(tree('let b = { x }\n'), /\(let_statement \(identifier\) \(block \(expression_statement \(identifier\)\)\)\)/);
  assert.match(tree('fn f() {}\n'), /\(function_definition \(identifier\) \(parameters\) \(block\)\)/);
});

test('statements: declarations, rebinding, types, f-strings', () => {
  assert.match(tree('fn f(p, x) {\n    p.layers[0].w ~ glorot([3, 4])\n    x += 1\n    (a, b) = (b, a)\n}\n'),
    /\(parameter_declaration \(field_expression \(subscript .*\(augmented_assignment \(identifier\) \(integer\)\) \(assignment \(tuple/);
  assert.match(tree('fn f(x: f32[B, 784, ...], t: (int, [str])) -> f32[] = x\n'),
    /\(named_type \(type_identifier\) \(shape \(dimension\) \(integer\) \(ellipsis\)\)+ .*\(tuple_type \(named_type \(type_identifier\)\) \(list_type \(named_type/);
  assert.match(tree('let s = f"a {x:.4f} {{b}} {"}"} {y[1:2]}"\n'),
    /\(fstring \(interpolation \(identifier\) \(format_spec\)\) \(escape_sequence\) \(escape_sequence\) \(interpolation \(string\)\) \(interpolation \(subscript \(identifier\) \(slice \(integer\) \(integer\)\)\)\)\)/);
  assert.match(tree('let v = [i * j for i in 0..3 if i > 0 for (j, k) in zip(a, b)]\n'),
    /\(list_comprehension \(binary_expression .*\) \(for_in_clause \(identifier\) \(range .*\)\) \(if_clause .*\) \(for_in_clause \(tuple_pattern/);
});

// ------------------------------------------------------------------ highlights

/**
 * The capture Neovim shows for each captured node: when several patterns capture one
 * node, the later pattern wins. Returns a Map from "ROW:COL-ROW:COL text" to capture.
 */
function highlights(text) {
  const query = path.join(grammarDir, 'queries', 'highlights.scm');
  const out = check('highlight', query, snippet(text)).stdout;
  const best = new Map();
  for (const line of out.split('\n').filter(Boolean)) {
    const [, range, pattern, name, nodeText] = line.match(/^(\S+) (\d+) @(\S+) ?(.*)$/);
    if (name === 'spell') continue;
    const key = `${range} ${nodeText}`;
    const prior = best.get(key);
    if (!prior || Number(pattern) >= prior.pattern) best.set(key, { pattern: Number(pattern), name });
  }
  return new Map([...best].map(([k, v]) => [k, v.name]));
}

test('highlights.scm on a sample', () => {
  const got = highlights([
    '## Docs.',
    'fn linear(p, x: f32[B, 784], out: int) -> Out {',
    '    p.w ~ glorot([x.shape[-1], out], scale = 2.0)',
    '    let y = if true { x @ p.w } else { none }',
    '    for i in 0..3 { if i > 1 { break } }',
    '    print(f"n {y:.4f} {{b}}\\n")',
    '    nn.relu(astype(y, f64)) # a comment',
    '}',
    'test "t" { assert not false and 1 == 1 }',
    'import "x.zy" as x',
    '',
  ].join('\n'));
  const expected = {
    '1:1-1:9 ## Docs.': 'comment.documentation',
    '2:1-2:3 fn': 'keyword.function',
    '2:4-2:10 linear': 'function',
    '2:11-2:12 p': 'variable.parameter',
    '2:17-2:20 f32': 'type.builtin',
    '2:21-2:22 B': 'type.parameter',
    '2:24-2:27 784': 'number',
    '2:35-2:38 int': 'type.builtin',
    '2:40-2:42 ->': 'operator',
    '2:43-2:46 Out': 'type',
    '3:7-3:8 w': 'variable.member',
    '3:9-3:10 ~': 'keyword.operator',
    '3:11-3:17 glorot': 'function.call',
    '3:21-3:26 shape': 'property',
    '3:38-3:43 scale': 'variable.parameter',
    '3:46-3:49 2.0': 'number.float',
    '4:5-4:8 let': 'keyword',
    '4:13-4:15 if': 'keyword.conditional',
    '4:16-4:20 true': 'boolean',
    '4:25-4:26 @': 'operator',
    '4:33-4:37 else': 'keyword.conditional',
    '4:40-4:44 none': 'constant.builtin',
    '5:5-5:8 for': 'keyword.repeat',
    '5:11-5:13 in': 'keyword.repeat',
    '5:15-5:17 ..': 'operator',
    '5:32-5:37 break': 'keyword.repeat',
    '6:11-6:31 f"n {y:.4f} {{b}}\\n"': 'string',
    '6:15-6:16 {': 'punctuation.special',
    '6:16-6:17 y': 'variable',
    '6:18-6:21 .4f': 'string.special',
    '6:21-6:22 }': 'punctuation.special',
    '6:23-6:25 {{': 'string.escape',
    '6:28-6:30 \\n': 'string.escape',
    '7:5-7:7 nn': 'module',
    '7:8-7:12 relu': 'function.method.call',
    '7:20-7:21 y': 'variable',
    '7:23-7:26 f64': 'type.builtin',
    '7:29-7:40 # a comment': 'comment',
    '9:1-9:5 test': 'keyword.test',
    '9:6-9:9 "t"': 'string.special',
    '9:12-9:18 assert': 'keyword',
    '9:19-9:22 not': 'keyword.operator',
    '9:23-9:28 false': 'boolean',
    '9:29-9:32 and': 'keyword.operator',
    '10:1-10:7 import': 'keyword.import',
    '10:8-10:14 "x.zy"': 'string.special.path',
    '10:15-10:17 as': 'keyword.import',
    '10:18-10:19 x': 'module',
  };
  for (const [key, name] of Object.entries(expected)) {
    assert.equal(got.get(key), name, `${key}: got @${got.get(key)}`);
  }
});

test('folds.scm compiles and folds a function', () => {
  const query = path.join(grammarDir, 'queries', 'folds.scm');
  const out = check('highlight', query, snippet('fn f(x) {\n    x\n}\n')).stdout;
  assert.match(out, /^1:1-3:2 \d+ @fold fn f/m);
});
